// The xlsx peer of the export benchmark: converts the items file (JSON
// Lines) to an xlsx workbook with exceljs's streaming WorkbookWriter, with
// the columns actord's xlsx export has.
//
// Usage: node peer-xlsx.mjs ITEMS.jsonl OUT.xlsx
//
// Like actord, it reads the items twice: the first pass collects the
// columns, the second writes one row per item. A column is the path of a
// leaf (null, boolean, number or string), parts joined by '/', array
// elements by their index: {"price":{"amount":1},"tags":["a"]} gives
// "price/amount" and "tags/0". Columns are in order of first appearance.

import ExcelJS from 'exceljs';

import { readItems } from './lines.mjs';

/** Calls visit(path, leaf) for each leaf of value, whose path is prefix. */
function walkLeaves(value, prefix, visit) {
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walkLeaves(value[i], `${prefix}/${i}`, visit);
    } else {
      for (const key of Object.keys(value)) walkLeaves(value[key], `${prefix}/${key}`, visit);
    }
    return;
  }
  visit(prefix, value);
}

function walkItem(item, visit) {
  for (const key of Object.keys(item)) walkLeaves(item[key], key, visit);
}

async function collectColumns(input) {
  const columns = new Map();
  const addColumn = (path) => {
    if (!columns.has(path)) columns.set(path, columns.size);
  };
  for await (const item of readItems(input)) walkItem(item, addColumn);
  return columns;
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node peer-xlsx.mjs ITEMS.jsonl OUT.xlsx\n');
    process.exit(2);
  }

  const columns = await collectColumns(input);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: output,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('Items');
  sheet.addRow([...columns.keys()]).commit();

  let count = 0;
  for await (const item of readItems(input)) {
    // A null leaf stays an empty cell, as in actord's export.
    const cells = new Array(columns.size).fill(null);
    walkItem(item, (path, leaf) => {
      cells[columns.get(path)] = leaf;
    });
    sheet.addRow(cells).commit();
    count += 1;
  }
  sheet.commit();
  await workbook.commit();
  process.stdout.write(`${count}\n`);
}

await main();
