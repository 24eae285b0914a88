"""Validation of the actor input against the rules in .actor/input_schema.json."""

from dataclasses import dataclass

from .urls import normalize_url

DEFAULT_MAX_PAGES = 20
MAX_PAGES_LIMIT = 10000
DEFAULT_REQUEST_TIMEOUT_SECS = 10
REQUEST_TIMEOUT_LIMIT_SECS = 600

KNOWN_FIELDS = {"startUrls", "maxPagesPerCrawl", "maxDepth", "requestTimeoutSecs"}


class InputError(Exception):
    """Raised when the input does not match the input schema. The message names the field."""


@dataclass(frozen=True)
class CrawlInput:
    start_urls: list
    max_pages: int
    max_depth: object  # int, or None for no depth limit
    request_timeout_secs: int


def parse_input(raw):
    """Validate the input record and return a CrawlInput with defaults filled in.

    Raises InputError on the first invalid field.
    """
    if not isinstance(raw, dict):
        raise InputError(f"the input must be a JSON object, got {type(raw).__name__}")

    return CrawlInput(
        start_urls=parse_start_urls(raw.get("startUrls")),
        max_pages=parse_integer(raw, "maxPagesPerCrawl", DEFAULT_MAX_PAGES, 1, MAX_PAGES_LIMIT),
        max_depth=parse_integer(raw, "maxDepth", None, 0, None),
        request_timeout_secs=parse_integer(
            raw, "requestTimeoutSecs", DEFAULT_REQUEST_TIMEOUT_SECS, 1, REQUEST_TIMEOUT_LIMIT_SECS
        ),
    )


def unknown_fields(raw):
    """Return the sorted input fields that this actor does not read, to warn about typos."""
    if not isinstance(raw, dict):
        return []
    return sorted(set(raw) - KNOWN_FIELDS)


def parse_start_urls(value):
    """Return the normalized start URLs, deduplicated, in input order."""
    example = '[{"url": "https://example.com/"}]'
    if value is None:
        raise InputError(f"startUrls is missing. Give an array such as {example}")
    if not isinstance(value, list):
        raise InputError(f"startUrls must be an array such as {example}, got {type(value).__name__}")
    if not value:
        raise InputError(f"startUrls is empty. Give at least one URL, as in {example}")

    urls = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            raw_url = entry.get("url")
        else:
            raw_url = entry
        if not isinstance(raw_url, str):
            raise InputError(
                f"startUrls[{index}] must be a string or an object with a string \"url\" field, got {entry!r}"
            )
        url = normalize_url(raw_url)
        if url is None:
            raise InputError(f"startUrls[{index}] is not a valid http or https URL: {raw_url!r}")
        if url not in urls:
            urls.append(url)
    return urls


def parse_integer(raw, field, default, minimum, maximum):
    """Return the integer field of the input, or ``default`` when it is missing or null."""
    value = raw.get(field)
    if value is None:
        return default
    # bool is a subclass of int in Python, but true/false is not a valid integer input.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{field} must be an integer, got {value!r}")
    if value < minimum:
        raise InputError(f"{field} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InputError(f"{field} must be at most {maximum}, got {value}")
    return value
