"""Extraction of title, headings, description, links and text from one HTML page."""

from html.parser import HTMLParser

from .urls import normalize_url

HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

# Elements whose text a browser does not show as page content.
HIDDEN_TEXT_TAGS = {"script", "style", "template", "title"}

# Elements that a browser lays out on lines of their own. Their start and end
# separate words, so "<p>a</p><p>b</p>" counts as "a b", not "ab".
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul",
}


def collapse_whitespace(text):
    """Return ``text`` with each run of whitespace replaced by one space, stripped."""
    return " ".join(text.split())


class PageParser(HTMLParser):
    """Collects the parts of an HTML document that go into a dataset item.

    Feed the document with ``feed`` and call ``close``, then read the attributes.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = None
        self.description = None
        self.base_href = None
        self.hrefs = []
        self.headings = []
        self._visible_text = []
        self._title_text = None
        self._hidden_depth = 0
        self._heading_level = None
        self._heading_text = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)

        if tag == "a" and attributes.get("href") is not None:
            self.hrefs.append(attributes["href"])
        elif tag == "base" and self.base_href is None and attributes.get("href"):
            self.base_href = attributes["href"]
        elif tag == "meta" and self.description is None:
            name = (attributes.get("name") or "").strip().lower()
            if name == "description" and attributes.get("content") is not None:
                self.description = collapse_whitespace(attributes["content"])
        elif tag in HEADING_TAGS and self._heading_level is None:
            self._heading_level = HEADING_TAGS[tag]
            self._heading_text = []

        if tag == "title" and self.title is None and self._title_text is None:
            self._title_text = []
        if tag in HIDDEN_TEXT_TAGS:
            self._hidden_depth += 1
        if tag in BLOCK_TAGS:
            self._visible_text.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._visible_text.append(" ")
        if tag in HIDDEN_TEXT_TAGS and self._hidden_depth > 0:
            self._hidden_depth -= 1
        if tag == "title" and self._title_text is not None:
            self.title = collapse_whitespace("".join(self._title_text)) or None
            self._title_text = None
        if HEADING_TAGS.get(tag) == self._heading_level and self._heading_level is not None:
            self._finish_heading()

    def handle_data(self, data):
        if self._title_text is not None:
            self._title_text.append(data)
        if self._hidden_depth > 0:
            return
        self._visible_text.append(data)
        if self._heading_level is not None:
            self._heading_text.append(data)

    def close(self):
        super().close()
        # A document may end inside an unclosed heading or title.
        if self._heading_level is not None:
            self._finish_heading()
        if self._title_text is not None:
            self.title = collapse_whitespace("".join(self._title_text)) or None
            self._title_text = None

    def _finish_heading(self):
        text = collapse_whitespace("".join(self._heading_text))
        # Headings that contain only an anchor or an image carry no text to report.
        if text:
            self.headings.append({"level": self._heading_level, "text": text})
        self._heading_level = None
        self._heading_text = []

    def text_length(self):
        """Return the number of visible text characters.

        A run of whitespace, and the boundary of a block element, counts as one space.
        Leading and trailing whitespace does not count.
        """
        return len(collapse_whitespace("".join(self._visible_text)))


def parse_page(html, page_url):
    """Parse an HTML document loaded from ``page_url``.

    Returns a dict with "title", "headings", "description", "links" (absolute http(s)
    URLs without fragments, deduplicated, in document order) and "textLength".
    Relative links are resolved against the document's <base href> if it has one.
    """
    parser = PageParser()
    parser.feed(html)
    parser.close()

    base_url = page_url
    if parser.base_href is not None:
        base_url = normalize_url(parser.base_href, page_url) or page_url

    links = []
    seen = set()
    for href in parser.hrefs:
        link = normalize_url(href, base_url)
        if link is not None and link not in seen:
            seen.add(link)
            links.append(link)

    return {
        "title": parser.title,
        "headings": parser.headings,
        "description": parser.description,
        "links": links,
        "textLength": parser.text_length(),
    }
