"""URL normalization and the origin rule that decides which links the crawler follows."""

from urllib.parse import quote, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters left as they are when a path or query is percent-encoded. "%" is
# among them so that an already encoded URL is not encoded twice.
PATH_SAFE_CHARS = "/%:@!$&'()*+,;=-._~"
QUERY_SAFE_CHARS = PATH_SAFE_CHARS + "?"


def normalize_url(url, base=None):
    """Return ``url`` as an absolute, canonical http(s) URL, or None if it is not one.

    A relative ``url`` is resolved against ``base``. The fragment is dropped, scheme and
    host are lower-cased, the default port is removed and an empty path becomes "/".
    Characters that may not appear in a request line, such as spaces and non-ASCII
    letters, are percent-encoded. So two spellings of the same page compare equal.
    """
    url = url.strip()
    if base is not None:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        # Raised for an invalid port or a malformed IPv6 address.
        return None

    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if ":" in host:
        host = f"[{host}]"

    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username
        if parts.password is not None:
            userinfo += ":" + parts.password
        netloc = f"{userinfo}@{netloc}"

    path = quote(parts.path or "/", safe=PATH_SAFE_CHARS)
    query = quote(parts.query, safe=QUERY_SAFE_CHARS)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_origin(url):
    """Return the (scheme, host, port) triple of a URL from ``normalize_url``.

    The port is filled in from the scheme when the URL has none, so
    "http://a/" and "http://a:80/" have the same origin.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return (scheme, parts.hostname, parts.port or DEFAULT_PORTS[scheme])


def format_origin(origin):
    """Return an origin triple as "scheme://host:port" for log lines."""
    scheme, host, port = origin
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"
