"""Breadth-first crawl of the start URLs' hosts, one dataset item per page."""

import codecs
import http.client
import logging
import re
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone

from .page_parser import parse_page
from .urls import format_origin, normalize_url, url_origin

log = logging.getLogger("site-crawler")

USER_AGENT = "actord-site-crawler/0.1 (+python-urllib)"
HTML_CONTENT_TYPES = {"text/html", "application/xhtml+xml"}
# Pages larger than this are parsed only up to this size, which keeps the memory
# of one request bounded.
MAX_BODY_BYTES = 10 * 1024 * 1024
# A <meta charset> or http-equiv Content-Type must be in the first 1024 bytes,
# the range that the HTML standard's encoding sniffing looks at.
CHARSET_SNIFF_BYTES = 1024
META_CHARSET_PATTERN = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass
class FetchResult:
    loaded_url: str
    status: object  # int, or None when no HTTP response arrived
    content_type: object  # str, "(missing)" for a non-HTML body without the header, or None for an error
    html: object  # decoded document, or None for an error or a non-HTML response
    error: object  # str, or None on success
    already_loaded: bool = False  # True when a redirect pointed to a URL loaded before


class RedirectToLoadedUrl(Exception):
    """Raised instead of following a redirect to a URL that this crawl already loaded."""

    def __init__(self, status, target):
        super().__init__(f"redirect to {target}, which was already loaded")
        self.status = status
        self.target = target


class CrawlRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to the crawled origins and only to URLs not loaded yet.

    A redirect to another origin raises HTTPError with the 3xx status, so the page
    still gives an item whose error names the redirect target. A redirect to a URL
    loaded before raises RedirectToLoadedUrl, so that page is not stored twice.
    """

    max_redirections = 5

    def __init__(self, allowed_origins, loaded_urls):
        super().__init__()
        self.allowed_origins = allowed_origins
        self.loaded_urls = loaded_urls

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = normalize_url(newurl, req.full_url)
        if target is None or url_origin(target) not in self.allowed_origins:
            raise urllib.error.HTTPError(
                req.full_url, code, f"redirect to {newurl} not followed because it leaves the crawled hosts",
                headers, fp,
            )
        if target in self.loaded_urls:
            fp.close()
            raise RedirectToLoadedUrl(code, target)
        return super().redirect_request(req, fp, code, msg, headers, target)


def decode_html(body, header_charset):
    """Decode an HTML body with the charset from the header, a <meta> tag, or UTF-8."""
    candidates = [header_charset]
    match = META_CHARSET_PATTERN.search(body[:CHARSET_SNIFF_BYTES])
    if match:
        candidates.append(match.group(1).decode("ascii"))
    for charset in candidates:
        if not charset:
            continue
        try:
            codecs.lookup(charset)
        except LookupError:
            continue
        return body.decode(charset, errors="replace")
    return body.decode("utf-8", errors="replace")


def looks_like_html(body):
    """Guess whether a response without a Content-Type header is an HTML document."""
    start = body[:512].lstrip().lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html")


def fetch_page(opener, url, timeout_secs):
    """Request ``url`` and return a FetchResult.

    Network errors, timeouts and HTTP error statuses are returned in the result, not raised.
    """
    request = urllib.request.Request(
        url,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
    )
    try:
        with opener.open(request, timeout=timeout_secs) as response:
            loaded_url = normalize_url(response.geturl()) or url
            header_type = response.headers.get("Content-Type")
            content_type = response.headers.get_content_type() if header_type else None

            # The body of a non-HTML response is never read, so a large file
            # behind a link costs only the headers.
            if content_type is not None and content_type not in HTML_CONTENT_TYPES:
                return FetchResult(loaded_url, response.status, content_type, None, None)
            body = response.read(MAX_BODY_BYTES + 1)
            if content_type is None:
                if not looks_like_html(body):
                    return FetchResult(loaded_url, response.status, "(missing)", None, None)
                content_type = "text/html"
            if len(body) > MAX_BODY_BYTES:
                log.warning(
                    "%s is larger than %d bytes, so only the first %d are parsed", url, MAX_BODY_BYTES, MAX_BODY_BYTES
                )
                body = body[:MAX_BODY_BYTES]
            html = decode_html(body, response.headers.get_content_charset())
            return FetchResult(loaded_url, response.status, content_type, html, None)
    except RedirectToLoadedUrl as redirect:
        return FetchResult(redirect.target, redirect.status, None, None, None, already_loaded=True)
    except urllib.error.HTTPError as error:
        with error:
            return FetchResult(url, error.code, None, None, f"HTTP {error.code}: {error.reason}")
    except urllib.error.URLError as error:
        return FetchResult(url, None, None, None, f"request failed: {error.reason}")
    except (http.client.HTTPException, OSError, ValueError) as error:
        # OSError covers timeouts and resets while reading the body; ValueError
        # covers URLs that http.client rejects.
        return FetchResult(url, None, None, None, f"request failed: {error or type(error).__name__}")


def utc_now_iso():
    """Return the current UTC time in ISO 8601 with milliseconds and a Z suffix."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_item(url, depth, result):
    """Return the dataset item for one fetched URL. Fields that could not be read are null or empty."""
    item = {
        "url": url,
        "loadedUrl": result.loaded_url,
        "title": None,
        "headings": [],
        "description": None,
        "links": [],
        "linkCount": 0,
        "textLength": None,
        "httpStatus": result.status,
        "depth": depth,
        "loadedAt": utc_now_iso(),
        "error": result.error,
    }
    if result.html is not None:
        page = parse_page(result.html, result.loaded_url)
        item.update(page)
        item["linkCount"] = len(page["links"])
    return item


class Crawler:
    """Breadth-first crawl whose ``crawl_next`` returns one item per HTML page or failed request.

    Only links whose scheme, host and port match a start URL are followed. Each URL
    is queued at most once, and a URL already loaded, directly or as a redirect
    target, is not requested again. At most ``max_pages`` queued URLs are requested.
    The redirects followed for one of them do not count toward that limit.
    """

    def __init__(self, crawl_input):
        self.input = crawl_input
        self.allowed_origins = {url_origin(url) for url in crawl_input.start_urls}
        self.requests_sent = 0
        self.pages_stored = 0
        # Responses that gave no item: non-HTML ones and redirects to pages crawled before.
        self.responses_skipped = 0
        self._queue = deque((url, 0) for url in crawl_input.start_urls)
        self._enqueued = set(crawl_input.start_urls)
        # URLs already requested or reached through a redirect, so that a page is
        # not loaded twice under two names.
        self._loaded = set()
        self._opener = urllib.request.build_opener(
            # The crawl connects to the sites directly and ignores http_proxy, so
            # that it reaches exactly the hosts of the start URLs.
            urllib.request.ProxyHandler({}),
            CrawlRedirectHandler(self.allowed_origins, self._loaded),
        )

    def origins_description(self):
        """Return the crawled origins as a comma-separated string for log lines."""
        return ", ".join(sorted(format_origin(origin) for origin in self.allowed_origins))

    def has_pending_requests(self):
        """Return whether another request would be sent by ``crawl_next``."""
        self._drop_loaded_urls()
        return bool(self._queue) and self.requests_sent < self.input.max_pages

    def crawl_next(self):
        """Request the next queued URL. Returns its item, or None for a skipped response.

        Call only while ``has_pending_requests`` returns True.
        """
        self._drop_loaded_urls()
        url, depth = self._queue.popleft()
        self.requests_sent += 1
        self._loaded.add(url)

        result = fetch_page(self._opener, url, self.input.request_timeout_secs)
        self._loaded.add(result.loaded_url)
        progress = f"[{self.requests_sent}/{self.input.max_pages}]"

        if result.already_loaded:
            self.responses_skipped += 1
            log.info("%s Skipped %s: it redirects to %s, which was already crawled", progress, url, result.loaded_url)
            return None
        if result.error is None and result.html is None:
            self.responses_skipped += 1
            log.info("%s Skipped %s: Content-Type %s is not HTML", progress, url, result.content_type)
            return None

        item = build_item(url, depth, result)
        self.pages_stored += 1
        if result.error is not None:
            log.warning("%s Failed %s: %s", progress, url, result.error)
            return item

        new_links = self._enqueue_links(item["links"], depth + 1)
        log.info(
            "%s %s %s (depth %d, %d links, %d new)", progress, result.status, url, depth, item["linkCount"], new_links
        )
        return item

    def _enqueue_links(self, links, depth):
        """Queue the links on the crawled origins that were not seen yet. Returns how many were queued."""
        if self.input.max_depth is not None and depth > self.input.max_depth:
            return 0
        queued = 0
        for link in links:
            if link in self._enqueued or url_origin(link) not in self.allowed_origins:
                continue
            self._enqueued.add(link)
            self._queue.append((link, depth))
            queued += 1
        return queued

    def _drop_loaded_urls(self):
        while self._queue and self._queue[0][0] in self._loaded:
            self._queue.popleft()
