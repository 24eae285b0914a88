#!/usr/bin/env python3
"""End-to-end tests of the site-crawler example actor.

Each test starts a stand-in of the Apify API v2 and a small website, both on
127.0.0.1 with ports chosen by the kernel, and runs the actor as a child process
with the platform environment variables, as actord runs it.

Run: python3 tests/examples/test_site_crawler.py
The last line of the output is "N passed, N failed"; the exit code is 1 when a test failed.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parents[2]
ACTOR_DIR = REPO_DIR / "examples" / "actors" / "site-crawler"

TOKEN = "test-token-5f1c"
KEY_VALUE_STORE_ID = "kvs-test-1"
DATASET_ID = "dataset-test-1"
RUN_ID = "run-test-1"
ACTOR_TIMEOUT_SECS = 60

# Installed into each actor process as sitecustomize. It rejects name lookups of
# anything but loopback names and records them, so a crawler that wrongly follows
# the link to other.invalid fails the test without sending a DNS query.
NETWORK_GUARD_SOURCE = """
import os
import socket

_LOOPBACK_NAMES = {"127.0.0.1", "localhost"}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name not in _LOOPBACK_NAMES:
        with open(os.environ["SITE_CRAWLER_TEST_BLOCKED_LOG"], "a") as log_file:
            log_file.write(name + "\\n")
        raise socket.gaierror(socket.EAI_NONAME, "lookup of " + name + " blocked by the test")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only_getaddrinfo
"""


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 with a free port, served from a background thread."""

    def __init__(self, handler_class):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send_body(self, status, body, content_type, extra_headers=()):
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class FakeApiHandler(QuietHandler):
    """Serves the input record, stores pushed items and status messages, and checks the token."""

    def do_GET(self):
        self.handle_api_request()

    def do_POST(self):
        self.handle_api_request()

    def do_PUT(self):
        self.handle_api_request()

    def handle_api_request(self):
        api = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path = urlsplit(self.path).path
        with api.lock:
            api.requests.append({
                "method": self.command,
                "path": path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
            })

        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_json(401, {"error": {"type": "token-not-valid", "message": "Authentication token is not valid"}})
            return

        input_path = f"/v2/key-value-stores/{api.key_value_store_id}/records/{api.input_key}"
        if self.command == "GET" and path == input_path:
            if api.input_body is None:
                self.send_json(404, {"error": {"type": "record-not-found", "message": "Record was not found"}})
            else:
                self.send_body(200, api.input_body, "application/json; charset=utf-8")
        elif self.command == "POST" and path == f"/v2/datasets/{api.dataset_id}/items":
            self.store_items(api, body)
        elif self.command == "PUT" and path == f"/v2/actor-runs/{api.run_id}":
            message = json.loads(body)["statusMessage"]
            with api.lock:
                api.status_messages.append(message)
            self.send_json(200, {"data": {"id": api.run_id, "statusMessage": message}})
        else:
            self.send_json(404, {"error": {"type": "page-not-found", "message": f"No route for {self.command} {path}"}})

    def store_items(self, api, body):
        with api.lock:
            if api.failing_pushes > 0:
                api.failing_pushes -= 1
                self.send_json(503, {"error": {"type": "server-overloaded", "message": "Try again"}})
                return
        if self.headers.get_content_type() != "application/json":
            self.send_json(415, {"error": {"type": "unsupported-media-type", "message": "Send JSON"}})
            return
        items = json.loads(body)
        if not isinstance(items, list):
            items = [items]
        with api.lock:
            api.push_sizes.append(len(items))
            api.items.extend(items)
        self.send_body(201, b"", "application/json")

    def send_json(self, status, payload):
        self.send_body(status, json.dumps(payload).encode(), "application/json")


class FakeApi(LoopbackServer):
    """Stand-in of the Apify API v2 routes that the actor calls."""

    def __init__(self, input_value=None, input_key="INPUT", run_id=RUN_ID):
        self.lock = threading.Lock()
        self.key_value_store_id = KEY_VALUE_STORE_ID
        self.dataset_id = DATASET_ID
        self.input_key = input_key
        self.run_id = run_id
        self.input_body = None if input_value is None else json.dumps(input_value).encode()
        self.items = []
        self.push_sizes = []
        self.status_messages = []
        self.requests = []
        self.failing_pushes = 0
        super().__init__(FakeApiHandler)


def page(title, body, head=""):
    return f"<!DOCTYPE html>\n<html><head><title>{title}</title>{head}</head>\n<body>\n{body}\n</body></html>\n"


class SiteHandler(QuietHandler):
    """Serves the pages of the test site and records every request."""

    def do_GET(self):
        site = self.server.owner
        path = urlsplit(self.path).path
        with site.lock:
            site.requests.append({"path": path, "host": self.headers.get("Host")})
        route = site.routes(path)
        if route is None:
            self.send_body(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
            return
        status, content_type, body, headers, delay = route
        if delay:
            time.sleep(delay)
        try:
            self.send_body(status, body.encode(), content_type, headers)
        except (BrokenPipeError, ConnectionResetError):
            # The crawler closes the connection of a page that timed out.
            pass


class TestSite(LoopbackServer):
    """A small website: five linked pages, a 404, a JSON file, redirects and a chain of generated pages."""

    def __init__(self, other_origin):
        self.lock = threading.Lock()
        self.requests = []
        self.other_origin = other_origin
        self.chain_delay = 0.0
        super().__init__(SiteHandler)
        self.pages = self.build_pages()

    def build_pages(self):
        index = page(
            "  Example   home ",
            """<h1>Welcome <em>home</em></h1>
<p>Read the <a href="about.html">about page</a> or the <a href="/docs/guide.html#install">guide</a>.</p>
<h2>More</h2>
<ul>
<li><a href="docs/guide.html">guide again</a></li>
<li><a href="#top">top</a></li>
<li><a href="/missing.html">a broken link</a></li>
<li><a href="/data.json">data</a></li>
<li><a href="/moved">moved</a></li>
<li><a href="/old-about">old about</a></li>
<li><a href="/away">away</a></li>
<li><a href="http://other.invalid/page.html">external</a></li>
<li><a href="%s/secret.html">other port</a></li>
<li><a href="mailto:someone@other.invalid">mail</a></li>
<li><a href="javascript:void(0)">script link</a></li>
</ul>""" % self.other_origin,
            head='<meta name="Description" content="The home page\n of the test site.">'
            "<style>body { color: red; }</style><script>var hidden = 'not text';</script>",
        )
        about = page("About", '<h1>About us</h1><p>We test  crawlers.</p><a href="/index.html">Home</a>')
        guide = page(
            "Guide",
            f"""<h1>Guide</h1>
<h2 id="install">Install <a href="#install">#</a></h2>
<h3><a href="#x"><img src="x.png"></a></h3>
<p><a href="../index.html">Home</a> <a href="deep.html">Deep</a>
<a href="http://localhost:{self.port}/about.html">About under another host name</a></p>""",
        )
        deep = page("Deep", '<p>Deeper: <a href="deeper.html">go</a></p>')
        deeper = page("Deeper", "<p>The end.</p>")
        moved_target = page("Moved here", '<p><a href="deeper.html">relative to the new place</a></p>')
        return {
            "/index.html": (200, "text/html; charset=utf-8", index, (), 0),
            "/about.html": (200, "text/html", about, (), 0),
            "/docs/guide.html": (200, "text/html", guide, (), 0),
            "/docs/deep.html": (200, "text/html", deep, (), 0),
            "/docs/deeper.html": (200, "text/html", deeper, (), 0),
            "/docs/moved-target.html": (200, "text/html", moved_target, (), 0),
            "/data.json": (200, "application/json", '{"not": "html"}', (), 0),
            "/moved": (301, "text/html", "", (("Location", "/docs/moved-target.html"),), 0),
            "/old-about": (302, "text/html", "", (("Location", "/about.html"),), 0),
            "/away": (302, "text/html", "", (("Location", f"{self.other_origin}/secret.html"),), 0),
            "/slow.html": (200, "text/html", page("Slow", "<p>late</p>"), (), 2.5),
            "/untyped.html": (200, None, page("Untyped", "<p>HTML without a Content-Type</p>"), (), 0),
            "/untyped.txt": (200, None, "plain text without a Content-Type", (), 0),
        }

    def routes(self, path):
        if path.startswith("/chain/"):
            number = int(path.rsplit("/", 1)[1])
            body = page(f"Chain {number}", f'<p><a href="/chain/{number + 1}">next</a></p>')
            return (200, "text/html", body, (), self.chain_delay)
        return self.pages.get(path)

    def request_counts(self):
        counts = {}
        with self.lock:
            for request in self.requests:
                counts[request["path"]] = counts.get(request["path"], 0) + 1
        return counts


def free_closed_port():
    """Return a port on 127.0.0.1 that nothing listens on, for a connection-refused case."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def actor_environment(api, guard_dir, legacy_names=False, input_key=None):
    """Return the environment of one actor run.

    It has no proxy variables, and it loads the network guard from ``guard_dir``,
    so no request can leave 127.0.0.1.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(guard_dir),
        "SITE_CRAWLER_TEST_BLOCKED_LOG": str(Path(guard_dir) / "blocked-lookups.txt"),
        "APIFY_API_BASE_URL": api.origin,
        "APIFY_TOKEN": TOKEN,
    }
    prefix = "APIFY_" if legacy_names else "ACTOR_"
    env[prefix + "DEFAULT_KEY_VALUE_STORE_ID"] = api.key_value_store_id
    env[prefix + "DEFAULT_DATASET_ID"] = api.dataset_id
    env["APIFY_ACTOR_RUN_ID" if legacy_names else "ACTOR_RUN_ID"] = api.run_id
    if input_key is not None:
        env[prefix + "INPUT_KEY"] = input_key
    return env


def run_actor(env):
    return subprocess.run(
        [sys.executable, "-m", "src"],
        cwd=ACTOR_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=ACTOR_TIMEOUT_SECS,
    )


class OtherOriginSite(LoopbackServer):
    """A second site on another port, so another origin: the crawler must never request it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        super().__init__(SiteHandler)

    def routes(self, path):
        return None


class SiteCrawlerTest(unittest.TestCase):
    def setUp(self):
        self.other = OtherOriginSite()
        self.site = TestSite(self.other.origin)
        self.apis = []
        self.guard_dir = tempfile.TemporaryDirectory(prefix="site-crawler-test-")
        Path(self.guard_dir.name, "sitecustomize.py").write_text(NETWORK_GUARD_SOURCE)

    def tearDown(self):
        self.site.stop()
        self.other.stop()
        for api in self.apis:
            api.stop()
        self.guard_dir.cleanup()

    def environment(self, api, **options):
        return actor_environment(api, self.guard_dir.name, **options)

    def run_actor(self, env):
        result = run_actor(env)
        self.assert_no_blocked_lookups()
        return result

    def assert_no_blocked_lookups(self):
        blocked_log = Path(self.guard_dir.name, "blocked-lookups.txt")
        blocked = blocked_log.read_text().split() if blocked_log.exists() else []
        self.assertEqual(blocked, [], "the actor looked up a host name other than a loopback one")

    def start_api(self, input_value=None, **kwargs):
        api = FakeApi(input_value, **kwargs)
        self.apis.append(api)
        return api

    def url(self, path):
        return self.site.origin + path

    def crawl(self, input_value, **env_options):
        api = self.start_api(input_value)
        result = self.run_actor(self.environment(api, **env_options))
        return api, result

    def assert_exit_code(self, result, expected):
        self.assertEqual(result.returncode, expected, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    def items_by_url(self, api):
        return {item["url"]: item for item in api.items}

    def test_full_crawl_items_and_scope(self):
        api, result = self.crawl({"startUrls": [{"url": self.url("/index.html")}]})
        self.assert_exit_code(result, 0)
        items = self.items_by_url(api)

        expected_urls = [self.url(path) for path in (
            "/index.html", "/about.html", "/docs/guide.html", "/missing.html", "/moved", "/away",
            "/docs/deep.html", "/docs/deeper.html",
        )]
        self.assertEqual([item["url"] for item in api.items], expected_urls)
        self.assertEqual(api.status_messages[-1], "Finished: 8 pages")

        # Every page on the site was requested exactly once, and nothing else.
        self.assertEqual(self.site.request_counts(), {
            "/index.html": 1, "/about.html": 1, "/docs/guide.html": 1, "/missing.html": 1, "/data.json": 1,
            "/moved": 1, "/docs/moved-target.html": 1, "/old-about": 1, "/away": 1, "/docs/deep.html": 1,
            "/docs/deeper.html": 1,
        })
        hosts = {request["host"] for request in self.site.requests}
        self.assertEqual(hosts, {f"127.0.0.1:{self.site.port}"})
        self.assertEqual(self.other.requests, [])
        self.assertNotIn("other.invalid", result.stdout + result.stderr)

    def test_index_item_fields(self):
        api, result = self.crawl({"startUrls": [self.url("/index.html")], "maxPagesPerCrawl": 1})
        self.assert_exit_code(result, 0)
        self.assertEqual(len(api.items), 1)
        item = api.items[0]

        self.assertEqual(item["url"], self.url("/index.html"))
        self.assertEqual(item["loadedUrl"], self.url("/index.html"))
        self.assertEqual(item["httpStatus"], 200)
        self.assertIsNone(item["error"])
        self.assertEqual(item["depth"], 0)
        self.assertEqual(item["title"], "Example home")
        self.assertEqual(item["description"], "The home page of the test site.")
        self.assertEqual(item["headings"], [{"level": 1, "text": "Welcome home"}, {"level": 2, "text": "More"}])
        self.assertEqual(item["links"], [
            self.url("/about.html"),
            self.url("/docs/guide.html"),
            self.url("/index.html"),
            self.url("/missing.html"),
            self.url("/data.json"),
            self.url("/moved"),
            self.url("/old-about"),
            self.url("/away"),
            "http://other.invalid/page.html",
            self.other.origin + "/secret.html",
        ])
        self.assertEqual(item["linkCount"], 10)
        self.assertRegex(item["loadedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # Script, style and title text are not visible, so they do not count.
        visible = (
            "Welcome home Read the about page or the guide. More guide again top a broken link data "
            "moved old about away external other port mail script link"
        )
        self.assertEqual(item["textLength"], len(visible))

    def test_text_length_and_headings(self):
        api, result = self.crawl({"startUrls": [self.url("/about.html"), self.url("/docs/guide.html")], "maxDepth": 0})
        self.assert_exit_code(result, 0)
        items = self.items_by_url(api)

        about = items[self.url("/about.html")]
        self.assertEqual(about["textLength"], len("About us We test crawlers. Home"))
        self.assertIsNone(about["description"])
        guide = items[self.url("/docs/guide.html")]
        # The heading that contains only an image link has no text and is left out.
        self.assertEqual(guide["headings"], [{"level": 1, "text": "Guide"}, {"level": 2, "text": "Install #"}])
        self.assertIn(f"http://localhost:{self.site.port}/about.html", guide["links"])
        self.assertIn(self.url("/index.html"), guide["links"])

    def test_http_errors_give_items(self):
        api, result = self.crawl({"startUrls": [self.url("/missing.html"), self.url("/away")]})
        self.assert_exit_code(result, 0)
        items = self.items_by_url(api)

        missing = items[self.url("/missing.html")]
        self.assertEqual(missing["httpStatus"], 404)
        self.assertIn("404", missing["error"])
        self.assertEqual(missing["links"], [])
        self.assertEqual(missing["linkCount"], 0)
        away = items[self.url("/away")]
        self.assertEqual(away["httpStatus"], 302)
        self.assertIn("not followed", away["error"])
        self.assertEqual(self.other.requests, [])
        self.assertEqual(api.status_messages[-1], "Finished: 2 pages")

    def test_redirect_on_same_host_followed(self):
        api, result = self.crawl({"startUrls": [self.url("/moved")], "maxDepth": 1})
        self.assert_exit_code(result, 0)
        items = self.items_by_url(api)

        moved = items[self.url("/moved")]
        self.assertEqual(moved["loadedUrl"], self.url("/docs/moved-target.html"))
        self.assertEqual(moved["httpStatus"], 200)
        self.assertEqual(moved["title"], "Moved here")
        # Relative links resolve against the URL after the redirect.
        self.assertEqual(moved["links"], [self.url("/docs/deeper.html")])
        self.assertIn(self.url("/docs/deeper.html"), items)

    def test_missing_content_type_sniffed(self):
        start_urls = [self.url("/untyped.html"), self.url("/untyped.txt"), self.url("/data.json")]
        api, result = self.crawl({"startUrls": start_urls})
        self.assert_exit_code(result, 0)

        self.assertEqual([item["url"] for item in api.items], [self.url("/untyped.html")])
        self.assertEqual(api.items[0]["title"], "Untyped")
        self.assertIn("Content-Type (missing) is not HTML", result.stdout)
        self.assertIn("Content-Type application/json is not HTML", result.stdout)

    def test_connection_error_and_timeout(self):
        closed_url = f"http://127.0.0.1:{free_closed_port()}/"
        api, result = self.crawl({"startUrls": [closed_url, self.url("/slow.html")], "requestTimeoutSecs": 1})
        self.assert_exit_code(result, 0)
        items = self.items_by_url(api)

        refused = items[closed_url]
        self.assertIsNone(refused["httpStatus"])
        self.assertIn("request failed", refused["error"])
        slow = items[self.url("/slow.html")]
        self.assertIsNone(slow["httpStatus"])
        self.assertIn("timed out", slow["error"])
        self.assertIsNone(slow["textLength"])

    def test_max_pages_and_batches(self):
        api, result = self.crawl({"startUrls": [self.url("/chain/0")], "maxPagesPerCrawl": 25})
        self.assert_exit_code(result, 0)

        self.assertEqual(len(api.items), 25)
        self.assertEqual(len(self.site.requests), 25)
        self.assertEqual(api.push_sizes, [10, 10, 5])
        self.assertIn("Crawled 10 of at most 25 pages", api.status_messages)
        self.assertIn("Crawled 20 of at most 25 pages", api.status_messages)
        self.assertEqual(api.status_messages[-1], "Finished: 25 pages")
        self.assertEqual(api.items[24]["depth"], 24)

    def test_max_depth_limits_crawl(self):
        api, result = self.crawl({"startUrls": [{"url": self.url("/index.html")}], "maxDepth": 1})
        self.assert_exit_code(result, 0)

        self.assertEqual(
            sorted(item["url"] for item in api.items),
            sorted(self.url(path) for path in (
                "/index.html", "/about.html", "/docs/guide.html", "/missing.html", "/moved", "/away",
            )),
        )
        self.assertNotIn("/docs/deep.html", self.site.request_counts())
        self.assertNotIn("/docs/deeper.html", self.site.request_counts())

    def test_start_url_strings_and_objects(self):
        start_urls = [self.url("/about.html"), {"url": self.url("/index.html#top")}, self.url("/about.html")]
        api, result = self.crawl({"startUrls": start_urls, "maxDepth": 0})
        self.assert_exit_code(result, 0)

        self.assertEqual([item["url"] for item in api.items], [self.url("/about.html"), self.url("/index.html")])
        self.assertEqual([item["depth"] for item in api.items], [0, 0])

    def test_api_requests_carry_token(self):
        api, result = self.crawl({"startUrls": [self.url("/about.html")], "maxDepth": 0})
        self.assert_exit_code(result, 0)

        self.assertTrue(api.requests)
        for request in api.requests:
            self.assertEqual(request["authorization"], f"Bearer {TOKEN}")
        pushes = [request for request in api.requests if request["method"] == "POST"]
        self.assertEqual(len(pushes), 1)
        self.assertEqual(pushes[0]["content_type"], "application/json")
        self.assertNotIn(TOKEN, result.stdout + result.stderr)

    def test_legacy_environment_names(self):
        api = self.start_api({"startUrls": [self.url("/about.html")], "maxPagesPerCrawl": 1}, input_key="CRAWL_INPUT")
        result = self.run_actor(self.environment(api, legacy_names=True, input_key="CRAWL_INPUT"))
        self.assert_exit_code(result, 0)

        self.assertEqual([item["url"] for item in api.items], [self.url("/about.html")])
        self.assertEqual(api.status_messages[-1], "Finished: 1 page")

    def test_custom_input_key(self):
        api = self.start_api({"startUrls": [self.url("/about.html")], "maxDepth": 0}, input_key="OTHER")
        result = self.run_actor(self.environment(api, input_key="OTHER"))
        self.assert_exit_code(result, 0)
        self.assertEqual(len(api.items), 1)

    def test_missing_input_exits_nonzero(self):
        api, result = self.crawl(None)
        self.assert_exit_code(result, 1)
        self.assertIn("No input", result.stderr)
        self.assertIn("INPUT", result.stderr)
        self.assertEqual(api.items, [])
        self.assertEqual(self.site.requests, [])

    def test_invalid_input_exits_1(self):
        cases = [
            ({}, "startUrls is missing"),
            ({"startUrls": []}, "startUrls is empty"),
            ({"startUrls": "http://127.0.0.1/"}, "startUrls must be an array"),
            ({"startUrls": [{"href": "http://127.0.0.1/"}]}, "startUrls[0]"),
            ({"startUrls": ["ftp://127.0.0.1/file"]}, "not a valid http or https URL"),
            ({"startUrls": [self.url("/")], "maxPagesPerCrawl": 0}, "maxPagesPerCrawl must be at least 1"),
            ({"startUrls": [self.url("/")], "maxPagesPerCrawl": 10001}, "maxPagesPerCrawl must be at most 10000"),
            ({"startUrls": [self.url("/")], "maxPagesPerCrawl": "5"}, "maxPagesPerCrawl must be an integer"),
            ({"startUrls": [self.url("/")], "maxPagesPerCrawl": True}, "maxPagesPerCrawl must be an integer"),
            ({"startUrls": [self.url("/")], "maxDepth": -1}, "maxDepth must be at least 0"),
            ({"startUrls": [self.url("/")], "requestTimeoutSecs": 0}, "requestTimeoutSecs must be at least 1"),
            ([self.url("/")], "must be a JSON object"),
        ]
        for input_value, expected_message in cases:
            with self.subTest(input=input_value):
                api, result = self.crawl(input_value)
                self.assert_exit_code(result, 1)
                self.assertIn(expected_message, result.stderr)
                self.assertEqual(api.items, [])
        self.assertEqual(self.site.requests, [])

    def test_input_not_json_exits_1(self):
        api = self.start_api({})
        api.input_body = b"startUrls: nope"
        result = self.run_actor(self.environment(api))
        self.assert_exit_code(result, 1)
        self.assertIn("not valid JSON", result.stderr)

    def test_missing_base_url_exits_2(self):
        api = self.start_api({"startUrls": [self.url("/about.html")]})
        env = self.environment(api)
        del env["APIFY_API_BASE_URL"]
        result = self.run_actor(env)
        self.assert_exit_code(result, 2)
        self.assertIn("APIFY_API_BASE_URL", result.stderr)
        self.assertEqual(api.requests, [])

    def test_push_retried_after_503(self):
        api = self.start_api({"startUrls": [self.url("/about.html")], "maxDepth": 0})
        api.failing_pushes = 1
        result = self.run_actor(self.environment(api))
        self.assert_exit_code(result, 0)
        self.assertEqual(len(api.items), 1)
        self.assertIn("retrying", result.stderr)

    def test_push_failing_exits_2(self):
        api = self.start_api({"startUrls": [self.url("/about.html")], "maxDepth": 0})
        api.failing_pushes = 100
        result = self.run_actor(self.environment(api))
        self.assert_exit_code(result, 2)
        self.assertIn("HTTP 503", result.stderr)

    def test_sigterm_keeps_crawled_items(self):
        self.site.chain_delay = 0.3
        api = self.start_api({"startUrls": [self.url("/chain/0")], "maxPagesPerCrawl": 100})
        process = subprocess.Popen(
            [sys.executable, "-m", "src"], cwd=ACTOR_DIR, env=self.environment(api),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while len(self.site.requests) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

        self.assert_no_blocked_lookups()
        self.assertEqual(process.returncode, 128 + signal.SIGTERM, stderr)
        self.assertGreaterEqual(len(api.items), 2)
        self.assertLess(len(api.items), 100)
        self.assertTrue(api.status_messages[-1].startswith("Stopped: "), api.status_messages)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped - len(result.expectedFailures)
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
