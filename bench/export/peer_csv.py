"""The csv peer of the export benchmark: converts the items file (JSON Lines)
to CSV with the csv module, producing what actord's csv export produces.

Usage: python3 peer_csv.py ITEMS.jsonl OUT.csv

Like actord, it reads the items twice: the first pass collects the columns,
the second writes one row per item. A column is the path of a leaf (null,
boolean, number or string), parts joined by '/', array elements by their
index. Columns are in order of first appearance. Cells follow actord's
rules: null and absent are empty, booleans are true and false, and numbers
keep their source text (parse_float=str). The file starts with a UTF-8 BOM
and rows end in LF.
"""

import csv
import json
import sys


def walk_leaves(value, prefix, visit):
    """Call visit(path, leaf) for each leaf of value, whose path is prefix."""
    if isinstance(value, dict):
        for key, child in value.items():
            walk_leaves(child, prefix + "/" + key, visit)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            walk_leaves(child, prefix + "/" + str(index), visit)
    else:
        visit(prefix, value)


def walk_item(item, visit):
    for key, value in item.items():
        walk_leaves(value, key, visit)


def read_items(path):
    with open(path, "rb") as items:
        for line in items:
            if line.strip():
                yield json.loads(line, parse_float=str)


def cell_text(leaf):
    if leaf is None:
        return ""
    if leaf is True:
        return "true"
    if leaf is False:
        return "false"
    return leaf if isinstance(leaf, str) else str(leaf)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 peer_csv.py ITEMS.jsonl OUT.csv")
    input_path, output_path = sys.argv[1:]

    columns = {}

    def add_column(path, _leaf):
        if path not in columns:
            columns[path] = len(columns)

    for item in read_items(input_path):
        walk_item(item, add_column)

    count = 0
    with open(output_path, "w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for item in read_items(input_path):
            row = [""] * len(columns)

            def put_cell(path, leaf):
                row[columns[path]] = cell_text(leaf)

            walk_item(item, put_cell)
            writer.writerow(row)
            count += 1
    print(count)


if __name__ == "__main__":
    main()
