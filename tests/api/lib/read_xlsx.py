"""Print the worksheets of the xlsx file on stdin as JSON, cell for cell.

Reads the file with zipfile and xml.etree only. Output:
[{"name": SHEET_NAME, "rows": [[CELL or null, ...], ...]}, ...] where CELL
is {"type": "s", "value": TEXT} for inline, shared and formula strings,
{"type": "b", "value": true|false} for booleans, and
{"type": "n", "value": TEXT} for numbers, with the text of the <v> element.
Row and column positions come from the cell references, so a gap in the
sheet is a null cell or an empty row.
"""

import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
NS = {"m": MAIN}


def unescape(text):
    """Decode the _xHHHH_ escapes that OOXML strings use for characters such as CR."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def string_of(node):
    """Join the <t> runs of a string item (<is> or <si>), skipping phonetic runs."""
    parts = []
    for child in node:
        if child.tag == "{%s}t" % MAIN:
            parts.append(child.text or "")
        elif child.tag == "{%s}r" % MAIN:
            parts.extend(t.text or "" for t in child.findall("m:t", NS))
    return unescape("".join(parts))


def column_index(reference):
    letters = re.match(r"[A-Z]+", reference).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def read_sheet(xml_bytes, shared):
    cell_tag = "{%s}c" % MAIN
    value_tag = "{%s}v" % MAIN
    inline_tag = "{%s}is" % MAIN
    rows = []
    sheet_data = ET.fromstring(xml_bytes).find("m:sheetData", NS)
    for row in sheet_data.findall("m:row", NS):
        row_index = int(row.get("r")) - 1
        while len(rows) <= row_index:
            rows.append([])
        cells = rows[row_index]
        for cell in row:
            if cell.tag != cell_tag:
                continue
            col = column_index(cell.get("r"))
            while len(cells) <= col:
                cells.append(None)
            kind = cell.get("t", "n")
            # Look the children up by tag directly: ElementPath is slow for a million cells.
            value = None
            inline = None
            for child in cell:
                if child.tag == value_tag:
                    value = child
                elif child.tag == inline_tag:
                    inline = child
            if kind == "inlineStr":
                cells[col] = {"type": "s", "value": string_of(inline)}
            elif kind == "s":
                cells[col] = {"type": "s", "value": shared[int(value.text)]}
            elif kind == "str":
                cells[col] = {"type": "s", "value": unescape(value.text or "")}
            elif kind == "b":
                cells[col] = {"type": "b", "value": value.text == "1"}
            elif value is not None:
                cells[col] = {"type": "n", "value": value.text}
    return rows


def main():
    book = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
    workbook = ET.fromstring(book.read("xl/workbook.xml"))
    relationships = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in relationships}
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        shared_root = ET.fromstring(book.read("xl/sharedStrings.xml"))
        shared = [string_of(item) for item in shared_root.findall("m:si", NS)]
    sheets = []
    for sheet in workbook.find("m:sheets", NS).findall("m:sheet", NS):
        target = targets[sheet.get(RELATIONSHIP_ID)]
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        sheets.append({"name": sheet.get("name"), "rows": read_sheet(book.read(path), shared)})
    # json.dumps uses the C encoder; json.dump to a stream does not.
    sys.stdout.write(json.dumps(sheets, ensure_ascii=False))


main()
