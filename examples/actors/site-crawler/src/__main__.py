"""Entry point: read the input, crawl, push items to the dataset, report progress.

Exit codes:
  0    the crawl finished, even if some pages failed to load
  1    the input record is missing or invalid
  2    a platform environment variable is missing or an API request failed
  143  the run received SIGTERM
"""

import json
import logging
import os
import signal
import sys
import time

from .crawl_input import InputError, parse_input, unknown_fields
from .crawler import Crawler
from .platform_api import ApiClient, ApiError, ConfigError, load_platform_config

log = logging.getLogger("site-crawler")

EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_PLATFORM_ERROR = 2
EXIT_TERMINATED = 128 + signal.SIGTERM

# Items are pushed when this many are pending, or when the last push is older
# than PUSH_INTERVAL_SECS, so a slow crawl still shows its results as it goes.
PUSH_BATCH_SIZE = 10
PUSH_INTERVAL_SECS = 5.0


def count_noun(count, noun):
    """Return "1 page" or "3 pages": ``count`` followed by ``noun``, plural unless count is 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class BelowLevelFilter(logging.Filter):
    """Passes only records below a level, so warnings do not appear on stdout too."""

    def __init__(self, level):
        super().__init__()
        self.level = level

    def filter(self, record):
        return record.levelno < self.level


def configure_logging():
    """Send INFO lines to stdout and WARNING and above to stderr."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    stdout_handler = logging.StreamHandler(sys.stdout)
    stdout_handler.setFormatter(formatter)
    stdout_handler.addFilter(BelowLevelFilter(logging.WARNING))
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setFormatter(formatter)
    stderr_handler.setLevel(logging.WARNING)
    log.addHandler(stdout_handler)
    log.addHandler(stderr_handler)
    log.setLevel(logging.INFO)


class StopFlag:
    """Set by SIGTERM, so the crawl stops between two pages and keeps what it stored."""

    def __init__(self):
        self.is_set = False

    def set(self, signum, frame):
        self.is_set = True


def load_input(client):
    """Read and validate the input record. Returns a CrawlInput.

    Raises InputError with the full message when the record is missing or invalid.
    """
    config = client.config
    body = client.get_input_record()
    if body is None:
        raise InputError(
            f"No input: record {config.input_key} not found in key-value store {config.key_value_store_id}. "
            'Start the run with an input such as {"startUrls": [{"url": "https://example.com/"}]}'
        )
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"Invalid input: record {config.input_key} is not valid JSON ({error})") from error
    try:
        crawl_input = parse_input(raw)
    except InputError as error:
        raise InputError(f"Invalid input: {error}") from error
    for field in unknown_fields(raw):
        log.warning("Ignoring unknown input field %r", field)
    return crawl_input


def push_items(client, items):
    """Push the items to the run's dataset and empty the list."""
    if items:
        client.push_items(items)
        log.info("Pushed %s to dataset %s", count_noun(len(items), "item"), client.config.dataset_id)
        items.clear()


def run_crawl(client, crawl_input, stop_flag):
    """Crawl and push the items in batches. Returns the exit code."""
    crawler = Crawler(crawl_input)
    log.info(
        "Crawling from %s on %s, at most %s, max depth %s",
        count_noun(len(crawl_input.start_urls), "start URL"), crawler.origins_description(),
        count_noun(crawl_input.max_pages, "page"),
        "unlimited" if crawl_input.max_depth is None else crawl_input.max_depth,
    )
    client.set_status_message(f"Starting: at most {count_noun(crawl_input.max_pages, 'page')}")

    pending = []
    last_push = time.monotonic()
    while crawler.has_pending_requests() and not stop_flag.is_set:
        item = crawler.crawl_next()
        if item is not None:
            pending.append(item)
        if len(pending) >= PUSH_BATCH_SIZE or time.monotonic() - last_push >= PUSH_INTERVAL_SECS:
            push_items(client, pending)
            last_push = time.monotonic()
            client.set_status_message(
                f"Crawled {crawler.requests_sent} of at most {count_noun(crawl_input.max_pages, 'page')}"
            )
    push_items(client, pending)

    summary = count_noun(crawler.pages_stored, "page")
    if stop_flag.is_set:
        log.warning("Received SIGTERM; stopped after %s", summary)
        client.set_status_message(f"Stopped: {summary}")
        return EXIT_TERMINATED
    log.info("Finished: %s, %d responses skipped (not HTML or already crawled)", summary, crawler.responses_skipped)
    client.set_status_message(f"Finished: {summary}")
    return EXIT_OK


def main():
    configure_logging()
    stop_flag = StopFlag()
    signal.signal(signal.SIGTERM, stop_flag.set)

    try:
        client = ApiClient(load_platform_config(os.environ))
    except ConfigError as error:
        log.error("Invalid platform environment: %s", error)
        return EXIT_PLATFORM_ERROR

    try:
        crawl_input = load_input(client)
    except InputError as error:
        log.error("%s", error)
        return EXIT_INVALID_INPUT
    except ApiError as error:
        log.error("Could not read the input: %s", error)
        return EXIT_PLATFORM_ERROR

    try:
        return run_crawl(client, crawl_input, stop_flag)
    except ApiError as error:
        log.error("Platform API request failed: %s", error)
        return EXIT_PLATFORM_ERROR


if __name__ == "__main__":
    sys.exit(main())
