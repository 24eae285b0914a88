"""Print the XML document on stdin as a JSON tree.

Each element becomes {"tag", "attributes", "text", "children"}, where
"text" is all character data directly inside the element (its text and the
tails of its children, joined) and "attributes" keeps document order.
Exits with status 1 and the parser's message when the document is not
well-formed.
"""

import json
import sys
import xml.etree.ElementTree as ET


def to_tree(element):
    text = element.text or ""
    children = []
    for child in element:
        children.append(to_tree(child))
        text += child.tail or ""
    return {
        "tag": element.tag,
        "attributes": [[name, value] for name, value in element.attrib.items()],
        "text": text,
        "children": children,
    }


try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as error:
    print(f"not well-formed XML: {error}", file=sys.stderr)
    sys.exit(1)
sys.stdout.write(json.dumps(to_tree(root), ensure_ascii=False))
