// Dataset export formats: golden files for a fixture of scraped items, and
// the rules of each format. These cover content types, BOM, csv quoting and
// delimiters, table columns, html, xlsx cells, xml names, the rss channel
// and attachment. Each rule runs on GET /v2/datasets/:id/items and on
// run-sync-get-dataset-items.

import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';

import {
  CONTENT_TYPES,
  ExportSession,
  FORMATS,
  MAX_TABLE_COLUMNS,
  RULE_ENDPOINTS,
  SUCCESS_STATUS,
  TABLE_FORMATS,
  TEXT_FORMATS,
  UTF8_BOM,
  XLSX_MAX_CELL_CHARS,
  XML_DECLARATION,
  assertXmllint,
  expectInvalidInput,
  paginationHeaders,
  libreOfficeCsv,
  parseCsv,
  readExportFixture,
  readHtmlTable,
  readTable,
  readXlsx,
  readXml,
  splitBom,
} from './lib/export-helpers.mjs';
import { NO_LIMIT, useServer } from './lib/harness.mjs';

const server = useServer();
const session = new ExportSession(server);

before(async () => {
  await session.deploy();
});

// Realistic scraped items: nested objects and arrays, Unicode and emoji,
// keys missing in some items and in different orders, null, false, 0,
// long text, # fields and keys that are not XML names.
const SCRAPED_ITEMS = readExportFixture('scraped-items.json');

// Rows of an xlsx worksheet, the header row included.
const XLSX_MAX_ROWS = 1_048_576;

const EXTENSIONS = { json: 'json', jsonl: 'jsonl', csv: 'csv', html: 'html', xlsx: 'xlsx', xml: 'xml', rss: 'rss' };

/** Returns the child elements of an XML tree node with the given tag. */
function childrenNamed(node, tag) {
  return node.children.filter((child) => child.tag === tag);
}

/** Returns the one child element with the given tag, asserting there is exactly one. */
function onlyChild(node, tag) {
  const found = childrenNamed(node, tag);
  assert.equal(found.length, 1, `<${node.tag}> should have one <${tag}>: ${JSON.stringify(node).slice(0, 800)}`);
  return found[0];
}

describe('golden files', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    for (const format of TEXT_FORMATS) {
      test(`${format} golden (${endpoint})`, async () => {
        const res = await session.export(endpoint, SCRAPED_ITEMS, { format });
        let expected = readExportFixture(`scraped-items.golden.${format}`, null).toString('utf8');
        expected = expected.replaceAll('{{datasetId}}', res.datasetId).replaceAll('{{baseUrl}}', server.url);
        assert.equal(res.body.toString('utf8'), expected, `${format} export differs from the golden file`);
      });
    }

    test(`xlsx golden (${endpoint})`, async () => {
      const res = await session.export(endpoint, SCRAPED_ITEMS, { format: 'xlsx' });
      const expected = JSON.parse(readExportFixture('scraped-items.golden.xlsx.json'));
      assert.deepEqual(readXlsx(res.body), expected);
    });

    test(`xlsx golden opens in LibreOffice (${endpoint})`, async () => {
      const res = await session.export(endpoint, SCRAPED_ITEMS, { format: 'xlsx' });
      const [sheet] = JSON.parse(readExportFixture('scraped-items.golden.xlsx.json'));
      const rows = parseCsv(libreOfficeCsv(res.body));
      assert.equal(rows.length, sheet.rows.length, 'LibreOffice reads every row');
      sheet.rows.forEach((row, r) => {
        row.forEach((cell, c) => {
          const got = rows[r][c] ?? '';
          const where = `row ${r + 1} column ${c + 1}`;
          if (cell === null) assert.equal(got, '', where);
          else if (cell.type === 'n') assert.equal(Number(got), Number(cell.value), where);
          else if (cell.type === 'b') assert.equal(got, cell.value ? 'TRUE' : 'FALSE', where);
          // Calc (7.4) drops CR from cell text, however the file writes it.
          else assert.equal(got, cell.value.replaceAll('\r\n', '\n'), where);
        });
      });
    });

    test(`xml and rss goldens pass xmllint (${endpoint})`, async () => {
      for (const format of ['xml', 'rss']) {
        const res = await session.export(endpoint, SCRAPED_ITEMS, { format });
        assertXmllint(res.body);
      }
      const html = await session.export(endpoint, SCRAPED_ITEMS, { format: 'html' });
      assertXmllint(html.body, { html: true });
    });
  }
});

describe('content type', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    for (const format of FORMATS) {
      test(`${format} content type (${endpoint})`, async () => {
        const res = await session.export(endpoint, [{ a: 1 }], { format });
        assert.equal(res.header('content-type'), CONTENT_TYPES[format], res.describe());
        assert.equal(res.header('content-disposition'), null, 'no Content-Disposition without attachment');
      });
    }

    test(`json is the default (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1 }], '');
      assert.equal(res.header('content-type'), CONTENT_TYPES.json);
      assert.deepEqual(res.json, [{ a: 1 }]);
    });

    test(`unknown format is 400 (${endpoint})`, async () => {
      for (const format of ['yaml', 'xls', 'txt']) {
        const res = await session.request(endpoint, [{ a: 1 }], { format });
        expectInvalidInput(res, 'format');
        for (const accepted of FORMATS) {
          assert.ok(res.json.error.message.includes(accepted), `message should list ${accepted}: ${res.describe()}`);
        }
      }
    });
  }
});

describe('bom', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    test(`csv has a BOM by default (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1 }], { format: 'csv' });
      assert.ok(splitBom(res.body).bom, `csv should start with EF BB BF: ${res.body.subarray(0, 8).toString('hex')}`);
      assert.equal(splitBom(res.body).text, 'a\n1\n');
    });

    test(`csv bom=0 removes the BOM (${endpoint})`, async () => {
      for (const value of ['0', 'false']) {
        const res = await session.export(endpoint, [{ a: 1 }], { format: 'csv', bom: value });
        assert.equal(res.body.toString('utf8'), 'a\n1\n', `bom=${value}`);
      }
    });

    test(`csv bom=1 keeps the BOM (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1 }], { format: 'csv', bom: '1' });
      assert.ok(res.body.subarray(0, 3).equals(UTF8_BOM));
    });

    test(`other text formats: BOM only with bom=1 (${endpoint})`, async () => {
      for (const format of ['json', 'jsonl', 'html', 'xml', 'rss']) {
        const plain = await session.export(endpoint, [{ a: 1 }], { format });
        assert.ok(!splitBom(plain.body).bom, `${format} should have no BOM by default`);
        const off = await session.export(endpoint, [{ a: 1 }], { format, bom: '0' });
        assert.ok(!splitBom(off.body).bom, `${format} should have no BOM with bom=0`);
        const on = await session.export(endpoint, [{ a: 1 }], { format, bom: '1' });
        assert.ok(splitBom(on.body).bom, `${format} should start with a BOM with bom=1`);
        // rss names the dataset, which is a new one on each sync request.
        const onText = splitBom(on.body).text.replaceAll(on.datasetId, plain.datasetId);
        assert.equal(onText, plain.text, `${format}: bom=1 only adds the BOM`);
      }
    });

    test(`xlsx never has a BOM (${endpoint})`, async () => {
      for (const bom of ['1', '0']) {
        const res = await session.export(endpoint, [{ a: 1 }], { format: 'xlsx', bom });
        assert.equal(res.body.subarray(0, 2).toString('latin1'), 'PK', `xlsx with bom=${bom} must start with PK`);
        assert.equal(readXlsx(res.body)[0].rows[1][0].value, '1');
      }
    });
  }
});

describe('csv', () => {
  const awkward = [
    { a: 'x,y', b: 'say "hi"', c: 'line1\nline2', d: 'cr\rhere', e: 'plain', f: ' spaced ', g: 'semi;colon', h: 'tab\there' },
  ];

  for (const endpoint of RULE_ENDPOINTS) {
    test(`csv quotes special cells (${endpoint})`, async () => {
      const res = await session.export(endpoint, awkward, 'format=csv&bom=0');
      assert.equal(
        res.text,
        'a,b,c,d,e,f,g,h\n"x,y","say ""hi""","line1\nline2","cr\rhere",plain, spaced ,semi;colon,tab\there\n',
      );
    });

    test(`csv quotes header cells (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ 'a,b': 1, 'say "x"': 2, 'two\nlines': 3 }], 'format=csv&bom=0');
      assert.equal(res.text, '"a,b","say ""x""","two\nlines"\n1,2,3\n');
    });

    test(`csv uses LF line ends (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }], 'format=csv&bom=0');
      assert.equal(res.text, 'a,b\n1,2\n3,4\n5,6\n');
      assert.ok(!res.text.includes('\r'), 'no CR outside values');
    });

    test(`csv semicolon delimiter (${endpoint})`, async () => {
      const res = await session.export(endpoint, awkward, 'format=csv&bom=0&delimiter=%3B');
      assert.equal(
        res.text,
        'a;b;c;d;e;f;g;h\nx,y;"say ""hi""";"line1\nline2";"cr\rhere";plain; spaced ;"semi;colon";tab\there\n',
      );
    });

    test(`csv tab delimiter (${endpoint})`, async () => {
      const res = await session.export(endpoint, awkward, 'format=csv&bom=0&delimiter=%09');
      assert.equal(
        res.text,
        'a\tb\tc\td\te\tf\tg\th\nx,y\t"say ""hi"""\t"line1\nline2"\t"cr\rhere"\tplain\t spaced \tsemi;colon\t"tab\there"\n',
      );
    });

    test(`csv other ASCII delimiters (${endpoint})`, async () => {
      for (const [encoded, delimiter] of [
        ['%7C', '|'],
        ['%20', ' '],
        ['x', 'x'],
      ]) {
        const res = await session.export(endpoint, [{ a: 'p q', b: 'x|y' }], `format=csv&bom=0&delimiter=${encoded}`);
        const records = parseCsv(res.text, delimiter);
        assert.deepEqual(records, [['a', 'b'], ['p q', 'x|y']], `delimiter ${JSON.stringify(delimiter)}: ${res.text}`);
      }
    });

    test(`csv invalid delimiter is 400 (${endpoint})`, async () => {
      for (const encoded of ['ab', '%3B%3B', '%22', '%0A', '%0D', '%C3%A9', '%E2%82%AC']) {
        const res = await session.request(endpoint, [{ a: 1 }], `format=csv&delimiter=${encoded}`);
        expectInvalidInput(res, 'delimiter');
      }
    });

    test(`csv skipHeaderRow (${endpoint})`, async () => {
      const items = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }];
      for (const value of ['1', 'true']) {
        const res = await session.export(endpoint, items, `format=csv&bom=0&skipHeaderRow=${value}`);
        assert.equal(res.text, '1,x\n2,y\n', `skipHeaderRow=${value}`);
      }
      for (const value of ['0', 'false']) {
        const res = await session.export(endpoint, items, `format=csv&bom=0&skipHeaderRow=${value}`);
        assert.equal(res.text, 'a,b\n1,x\n2,y\n', `skipHeaderRow=${value}`);
      }
    });

    test(`csv skipHeaderRow keeps the BOM (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1 }], 'format=csv&skipHeaderRow=1');
      assert.ok(splitBom(res.body).bom);
      assert.equal(splitBom(res.body).text, '1\n');
    });
  }
});

describe('table columns', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    for (const format of TABLE_FORMATS) {
      const label = `${format}, ${endpoint}`;

      test(`columns in first-appearance order (${label})`, async () => {
        const items = [{ a: 1, b: 2 }, { b: 3, c: 4 }, { d: 5 }];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['a', 'b', 'c', 'd']);
        assert.deepEqual(table.rows, [
          ['1', '2', '', ''],
          ['', '3', '4', ''],
          ['', '', '', '5'],
        ]);
      });

      test(`key only in last item (${label})`, async () => {
        const items = [{ a: 1 }, { a: 2 }, { a: 3, late: { x: 'y' } }];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['a', 'late/x']);
        assert.deepEqual(table.rows.at(-1), ['3', 'y']);
      });

      test(`values follow keys, not order (${label})`, async () => {
        const items = [
          { a: 'A1', b: 'B1', c: { x: 'X1', y: 'Y1' } },
          { c: { y: 'Y2', x: 'X2' }, b: 'B2', a: 'A2' },
        ];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['a', 'b', 'c/x', 'c/y']);
        assert.deepEqual(table.rows, [
          ['A1', 'B1', 'X1', 'Y1'],
          ['A2', 'B2', 'X2', 'Y2'],
        ]);
      });

      test(`nested paths and array indexes (${label})`, async () => {
        const items = [{ id: 'p1', author: { name: 'Ann', address: { city: 'Brno' } }, tags: ['x', 'y'], offers: [{ p: 'a' }, { p: 'b' }] }];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['id', 'author/name', 'author/address/city', 'tags/0', 'tags/1', 'offers/0/p', 'offers/1/p']);
        assert.deepEqual(table.rows, [['p1', 'Ann', 'Brno', 'x', 'y', 'a', 'b']]);
      });

      test(`null and absent are empty (${label})`, async () => {
        const items = [{ a: null, b: false, c: 0, d: 'd1' }, { d: 'd2' }];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['a', 'b', 'c', 'd']);
        assert.deepEqual(table.rows, [
          ['', 'false', '0', 'd1'],
          ['', '', '', 'd2'],
        ]);
      });

      test(`Unicode and emoji kept (${label})`, async () => {
        const items = [{ 'název': 'Žluťoučký kůň 🐎', 日本: '東京 🍣', mix: 'a\u00a0b 👨‍👩‍👧' }];
        const table = readTable(format, await session.export(endpoint, items, { format }));
        assert.deepEqual(table.header, ['název', '日本', 'mix']);
        assert.deepEqual(table.rows, [['Žluťoučký kůň 🐎', '東京 🍣', 'a\u00a0b 👨‍👩‍👧']]);
      });

      test(`fields fix the columns (${label})`, async () => {
        const items = [{ a: 1, b: { x: 1, y: 2 }, c: 3 }, { b: { z: 3 }, a: 2, d: 4 }];
        const table = readTable(format, await session.export(endpoint, items, { format, fields: 'c,b,a' }));
        assert.deepEqual(table.header, ['c', 'b/x', 'b/y', 'b/z', 'a']);
        assert.deepEqual(table.rows, [
          ['3', '1', '2', '', '1'],
          ['', '', '', '3', '2'],
        ]);
      });

      test(`columns follow unwind output (${label})`, async () => {
        const items = [{ id: 'i1', offers: [{ shop: 's1' }, { price: 2, shop: 's2' }] }];
        const table = readTable(format, await session.export(endpoint, items, { format, unwind: 'offers' }));
        assert.deepEqual(table.header, ['id', 'shop', 'price']);
        assert.deepEqual(table.rows, [
          ['i1', 's1', ''],
          ['i1', 's2', '2'],
        ]);
      });

      test(`columns follow flatten output (${label})`, async () => {
        const items = [{ id: 'i1', meta: { a: { b: 'deep' }, list: ['l0'] } }];
        const table = readTable(format, await session.export(endpoint, items, { format, flatten: 'meta' }));
        assert.deepEqual(table.header, ['id', 'meta.a.b', 'meta.list/0']);
        assert.deepEqual(table.rows, [['i1', 'deep', 'l0']]);
      });

      test(`2000 columns are allowed (${label})`, async () => {
        const item = Object.fromEntries(Array.from({ length: MAX_TABLE_COLUMNS }, (_, i) => [`k${i}`, i]));
        const table = readTable(format, await session.export(endpoint, [item], { format }));
        assert.equal(table.header.length, MAX_TABLE_COLUMNS);
        assert.equal(table.header.at(-1), `k${MAX_TABLE_COLUMNS - 1}`);
        assert.equal(table.rows[0].at(-1), String(MAX_TABLE_COLUMNS - 1));
      });

      test(`over 2000 columns is 400 (${label})`, async () => {
        const wide = Object.fromEntries(Array.from({ length: MAX_TABLE_COLUMNS + 1 }, (_, i) => [`k${i}`, i]));
        expectInvalidInput(await session.request(endpoint, [wide], { format }), 'fields');

        // The union counts: two items of 1500 different columns each.
        const first = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`a${i}`, i]));
        const second = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`b${i}`, i]));
        expectInvalidInput(await session.request(endpoint, [first, second], { format }), 'fields');
      });

      test(`fields avoid the column limit (${label})`, async () => {
        const wide = Object.fromEntries(Array.from({ length: MAX_TABLE_COLUMNS + 1 }, (_, i) => [`k${i}`, i]));
        const table = readTable(format, await session.export(endpoint, [wide], { format, fields: 'k5,k2000' }));
        assert.deepEqual(table.header, ['k5', 'k2000']);
        assert.deepEqual(table.rows, [['5', '2000']]);
      });
    }

    test(`json has no column limit (${endpoint})`, async () => {
      const wide = Object.fromEntries(Array.from({ length: MAX_TABLE_COLUMNS + 1 }, (_, i) => [`k${i}`, i]));
      const items = await session.exportJson(endpoint, [wide], { format: 'json' });
      assert.equal(Object.keys(items[0]).length, MAX_TABLE_COLUMNS + 1);
    });

    test(`numbers printed as pushed (csv, html, ${endpoint})`, async () => {
      const text = '[{"a":1.50,"b":1e3,"c":12345678901234567890,"d":-0.0,"e":0.1,"f":2E-7,"g":-17}]';
      const expected = ['1.50', '1e3', '12345678901234567890', '-0.0', '0.1', '2E-7', '-17'];
      for (const format of ['csv', 'html']) {
        const table = readTable(format, await session.export(endpoint, text, { format }));
        assert.deepEqual(table.rows, [expected], format);
      }
    });
  }
});

describe('html', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    test(`html is a complete document (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1, b: 'x' }, { a: 2 }], { format: 'html' });
      const html = res.text;
      assert.match(html, /^<!DOCTYPE html>/i);
      assert.match(html, /<html[\s>][\s\S]*<head[\s>][\s\S]*<\/head>[\s\S]*<body[\s>][\s\S]*<\/body>[\s\S]*<\/html>\s*$/);
      assertXmllint(res.body, { html: true });
      const table = readHtmlTable(html);
      assert.deepEqual(table.header, ['a', 'b']);
      assert.deepEqual(table.rows, [
        ['1', 'x'],
        ['2', ''],
      ]);
    });

    test(`html escapes values and headers (${endpoint})`, async () => {
      const nasty = '<script>alert("x&y")</script> \'q\'';
      const res = await session.export(endpoint, [{ '<k>&"': nasty, plain: '&amp;' }], { format: 'html' });
      assert.ok(!res.text.includes('<script>'), 'a value must not become markup');
      assert.ok(!res.text.includes('<k>'), 'a header must not become markup');
      assertXmllint(res.body, { html: true });
      const table = readHtmlTable(res.text);
      assert.deepEqual(table.header, ['<k>&"', 'plain']);
      assert.deepEqual(table.rows, [[nasty, '&amp;']]);
    });

    test(`html one row per record (${endpoint})`, async () => {
      const items = Array.from({ length: 25 }, (_, i) => ({ n: i }));
      const res = await session.export(endpoint, items, { format: 'html' });
      const table = readHtmlTable(res.text);
      assert.equal(table.rows.length, 25);
      assert.deepEqual(table.rows.map((row) => row[0]), items.map((item) => String(item.n)));
    });
  }
});

describe('xlsx', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    test(`xlsx has one sheet named Items (${endpoint})`, async () => {
      const sheets = readXlsx((await session.export(endpoint, [{ a: 'x', b: 1 }], { format: 'xlsx' })).body);
      assert.equal(sheets.length, 1);
      assert.equal(sheets[0].name, 'Items');
      assert.deepEqual(sheets[0].rows[0], [
        { type: 's', value: 'a' },
        { type: 's', value: 'b' },
      ]);
    });

    test(`xlsx cell types (${endpoint})`, async () => {
      const text =
        '[{"int":42,"float":1.5,"neg":-0.25,"exp":1e3,"zero":0,"t":true,"f":false,' +
        '"s":"text","digits":"0042","numlike":"1.50","below":9007199254740991}]';
      const sheets = readXlsx((await session.export(endpoint, text, { format: 'xlsx' })).body);
      const [header, row] = sheets[0].rows;
      const cells = Object.fromEntries(header.map((cell, i) => [cell.value, row[i]]));
      assert.deepEqual(cells.int, { type: 'n', value: '42' });
      assert.deepEqual(cells.float, { type: 'n', value: '1.5' });
      assert.deepEqual(cells.neg, { type: 'n', value: '-0.25' });
      assert.equal(cells.exp.type, 'n');
      assert.equal(Number(cells.exp.value), 1000);
      assert.deepEqual(cells.zero, { type: 'n', value: '0' });
      assert.deepEqual(cells.t, { type: 'b', value: true });
      assert.deepEqual(cells.f, { type: 'b', value: false });
      assert.deepEqual(cells.s, { type: 's', value: 'text' });
      assert.deepEqual(cells.digits, { type: 's', value: '0042' });
      assert.deepEqual(cells.numlike, { type: 's', value: '1.50' });
      assert.equal(cells.below.type, 'n');
      assert.equal(Number(cells.below.value), 9007199254740991);
    });

    test(`xlsx exact strings for big numbers (${endpoint})`, async () => {
      const text =
        '[{"over":9007199254740993,"under":-9007199254740993,"huge":12345678901234567890123,' +
        '"inf":1e400,"tiny":1.5e-400}]';
      const sheets = readXlsx((await session.export(endpoint, text, { format: 'xlsx' })).body);
      const [header, row] = sheets[0].rows;
      const cells = Object.fromEntries(header.map((cell, i) => [cell.value, row[i]]));
      assert.deepEqual(cells.over, { type: 's', value: '9007199254740993' });
      assert.deepEqual(cells.under, { type: 's', value: '-9007199254740993' });
      assert.deepEqual(cells.huge, { type: 's', value: '12345678901234567890123' });
      assert.deepEqual(cells.inf, { type: 's', value: '1e400' });
      assert.deepEqual(cells.tiny, { type: 's', value: '1.5e-400' });
    });

    test(`xlsx truncates long text (${endpoint})`, async () => {
      const long = 'abcdefghij'.repeat(4000);
      const fits = 'z'.repeat(XLSX_MAX_CELL_CHARS);
      // Excel counts UTF-16 code units, as JavaScript's length does.
      const emoji = '😀'.repeat(20000);
      const items = [{ long, fits, emoji }];
      const sheets = readXlsx((await session.export(endpoint, items, { format: 'xlsx' })).body);
      const row = sheets[0].rows[1];
      assert.equal(row[0].value.length, XLSX_MAX_CELL_CHARS);
      assert.equal(row[0].value, long.slice(0, XLSX_MAX_CELL_CHARS));
      assert.equal(row[1].value, fits);
      assert.equal(row[2].value, '😀'.repeat(16383));
    });

    test(`xlsx drops control characters (${endpoint})`, async () => {
      const items = [{ ctrl: 'a\u0001b\u0008c\u000bd\u001fe', kept: 'tab\tnew\nline', ['key\u0002']: 'v' }];
      const sheets = readXlsx((await session.export(endpoint, items, { format: 'xlsx' })).body);
      const [header, row] = sheets[0].rows;
      assert.deepEqual(header.map((cell) => cell.value), ['ctrl', 'kept', 'key']);
      assert.equal(row[0].value, 'abcde');
      assert.equal(row[1].value, 'tab\tnew\nline');
      assert.equal(row[2].value, 'v');
    });

    test(`xlsx over the sheet's rows is 400 (${endpoint})`, async () => {
      // A worksheet has 1048576 rows, the header among them. Unwind turns
      // one stored item into that many output rows.
      const text = `[{"id":1,"l":[${Array(XLSX_MAX_ROWS).fill('0').join(',')}]}]`;
      const res = await session.request(endpoint, text, { format: 'xlsx', unwind: 'l' });
      assert.equal(res.status, 400, res.describe());
      assert.equal(res.json?.error?.type, 'invalid-input', res.describe());
    });

    test(`xlsx keeps strings exactly (${endpoint})`, async () => {
      const values = ['_x0041_', '  padded  ', '=1+1', 'Žluť 😀', '<&>"\'', 'cr\r\nlf'];
      const item = Object.fromEntries(values.map((value, i) => [`s${i}`, value]));
      const sheets = readXlsx((await session.export(endpoint, [item], { format: 'xlsx' })).body);
      assert.deepEqual(
        sheets[0].rows[1],
        values.map((value) => ({ type: 's', value })),
      );
    });
  }
});

describe('xml', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    test(`xml declaration, root and rows (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ a: 1 }, { a: 2 }], { format: 'xml' });
      assert.ok(res.text.startsWith(`${XML_DECLARATION}\n`), res.text.slice(0, 80));
      assertXmllint(res.body);
      const root = readXml(res.text);
      assert.equal(root.tag, 'items');
      assert.deepEqual(root.children.map((child) => child.tag), ['item', 'item']);
      assert.deepEqual(root.children.map((child) => onlyChild(child, 'a').text), ['1', '2']);
    });

    test(`xmlRoot and xmlRow override (${endpoint})`, async () => {
      for (const [xmlRoot, xmlRow] of [
        ['products', 'product'],
        ['položky', 'položka'],
        ['_r.x-1', 'row_2'],
      ]) {
        const res = await session.export(endpoint, [{ a: 1 }, { a: 2 }], { format: 'xml', xmlRoot, xmlRow });
        assertXmllint(res.body);
        const root = readXml(res.text);
        assert.equal(root.tag, xmlRoot);
        assert.deepEqual(root.children.map((child) => child.tag), [xmlRow, xmlRow]);
      }
    });

    test(`invalid xmlRoot or xmlRow is 400 (${endpoint})`, async () => {
      for (const name of ['a:b', '1x', 'a b', '<x>', '-x', '.x', 'a&b', '😀', 'x\u2070']) {
        expectInvalidInput(await session.request(endpoint, [{ a: 1 }], { format: 'xml', xmlRoot: name }), 'xmlRoot');
        expectInvalidInput(await session.request(endpoint, [{ a: 1 }], { format: 'xml', xmlRow: name }), 'xmlRow');
      }
    });

    test(`xml arrays repeat the element (${endpoint})`, async () => {
      const items = [{ tags: ['a', 'b', 'c'], offers: [{ p: 1 }, { p: 2 }], empty: [] }];
      const res = await session.export(endpoint, items, { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.deepEqual(childrenNamed(item, 'tags').map((node) => node.text), ['a', 'b', 'c']);
      assert.deepEqual(childrenNamed(item, 'offers').map((node) => onlyChild(node, 'p').text), ['1', '2']);
      assert.equal(childrenNamed(item, 'empty').length, 0, 'an empty array gives no element');
    });

    test(`xml null is an empty element (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ street: null, nested: { zip: null } }], { format: 'xml' });
      assertXmllint(res.body);
      assert.ok(res.text.includes('<street/>'), res.text);
      assert.ok(res.text.includes('<zip/>'), res.text);
    });

    test(`xml scalars and objects (${endpoint})`, async () => {
      const text = '[{"n":1.50,"t":true,"f":false,"z":0,"s":"x","o":{"p":{"q":"deep"}},"e":{}}]';
      const res = await session.export(endpoint, text, { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.deepEqual(item.children.map((child) => child.tag), ['n', 't', 'f', 'z', 's', 'o', 'e']);
      assert.equal(onlyChild(item, 'n').text, '1.50');
      assert.equal(onlyChild(item, 't').text, 'true');
      assert.equal(onlyChild(item, 'f').text, 'false');
      assert.equal(onlyChild(item, 'z').text, '0');
      assert.equal(onlyChild(onlyChild(onlyChild(item, 'o'), 'p'), 'q').text, 'deep');
      const empty = onlyChild(item, 'e');
      assert.equal(empty.children.length, 0);
      assert.equal(empty.text, '');
    });

    test(`xml @ is attributes, # is text (${endpoint})`, async () => {
      const items = [{ price: { '@': { currency: 'CZK', note: 'a<b & "c"' }, '#': '12.50' }, title: 'T' }];
      const res = await session.export(endpoint, items, { format: 'xml' });
      assertXmllint(res.body);
      const price = onlyChild(readXml(res.text).children[0], 'price');
      assert.deepEqual(price.attributes, [
        ['currency', 'CZK'],
        ['note', 'a<b & "c"'],
      ]);
      assert.equal(price.text, '12.50');
      assert.equal(price.children.length, 0);
    });

    test(`xml @ and # on the item (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ '@': { id: 'p1' }, '#': 'text' }], { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.deepEqual(item.attributes, [['id', 'p1']]);
      assert.equal(item.text, 'text');
    });

    test(`xml invalid key names (${endpoint})`, async () => {
      const items = [
        {
          '1st': 1,
          'og:title': 2,
          '': 3,
          'a b': 4,
          '#h': 5,
          'ok-name.x': 6,
          'é': 7,
          '-dash': 8,
          'price (EUR)': 9,
          'a\u0001b': 10,
          '🔥 Hot': 11,
          'x\u2070': 12,
          '\u01c5': 13,
          '名前': 14,
        },
      ];
      const res = await session.export(endpoint, items, { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.deepEqual(
        item.children.map((child) => [child.tag, child.text]),
        [
          ['_1st', '1'],
          ['og_title', '2'],
          ['_', '3'],
          ['a_b', '4'],
          ['_h', '5'],
          ['ok-name.x', '6'],
          ['é', '7'],
          ['_-dash', '8'],
          ['price__EUR_', '9'],
          ['a_b', '10'],
          // Python's parser (expat) follows XML 1.0 fourth edition names.
          ['__Hot', '11'],
          ['x_', '12'],
          ['_', '13'],
          ['名前', '14'],
        ],
      );
    });

    test(`xml key outside the BMP (${endpoint})`, async () => {
      // XML 1.0 (fifth edition) allows U+10000..U+EFFFF in names, but parsers
      // that follow the fourth edition (expat) do not, so only xmllint decides.
      const res = await session.export(endpoint, [{ '😀': 1, 'a😀': 2 }], { format: 'xml' });
      assertXmllint(res.body);
    });

    test(`xml escapes text (${endpoint})`, async () => {
      const value = 'a<b & c > d "q" \'s\' ]]> end';
      const res = await session.export(endpoint, [{ v: value, cr: 'x\r\ny' }], { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.equal(onlyChild(item, 'v').text, value);
      assert.equal(onlyChild(item, 'cr').text, 'x\r\ny');
    });

    test(`xml drops characters XML cannot hold (${endpoint})`, async () => {
      const items = [{ ctrl: 'a\u0001b\u0008c\u001fd', attrs: { '@': { k: 'x\u0002y' } } }];
      const res = await session.export(endpoint, items, { format: 'xml' });
      assertXmllint(res.body);
      const item = readXml(res.text).children[0];
      assert.equal(onlyChild(item, 'ctrl').text, 'abcd');
      assert.deepEqual(onlyChild(item, 'attrs').attributes, [['k', 'xy']]);
    });
  }
});

describe('rss', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    test(`rss channel defaults (${endpoint})`, async () => {
      const res = await session.export(endpoint, [{ title: 'first', a: 1 }, { title: 'second' }], { format: 'rss' });
      assert.ok(res.text.startsWith(`${XML_DECLARATION}\n`), res.text.slice(0, 80));
      assertXmllint(res.body);
      const rss = readXml(res.text);
      assert.equal(rss.tag, 'rss');
      assert.deepEqual(rss.attributes, [['version', '2.0']]);
      assert.equal(rss.children.length, 1);
      const channel = onlyChild(rss, 'channel');
      assert.deepEqual(channel.children.map((child) => child.tag), ['title', 'link', 'description', 'item', 'item']);
      assert.equal(onlyChild(channel, 'title').text, `Dataset ${res.datasetId}`);
      assert.equal(onlyChild(channel, 'description').text, `Items of the dataset ${res.datasetId}`);
      assert.ok(onlyChild(channel, 'link').text.length > 0, 'the channel needs a link');
    });

    test(`rss feedTitle and feedDescription (${endpoint})`, async () => {
      const feedTitle = 'Shop & <News> "daily" 😀';
      const feedDescription = 'New products, prices < 100 € & more';
      const res = await session.export(endpoint, [{ a: 1 }], { format: 'rss', feedTitle, feedDescription });
      assertXmllint(res.body);
      const channel = onlyChild(readXml(res.text), 'channel');
      assert.equal(onlyChild(channel, 'title').text, feedTitle);
      assert.equal(onlyChild(channel, 'description').text, feedDescription);
    });

    test(`rss items are written as in xml (${endpoint})`, async () => {
      const items = [
        { title: 'T', tags: ['a', 'b'], price: { '@': { currency: 'EUR' }, '#': '5' }, gone: null, '1st': 1 },
        { link: 'https://example.com/x', nested: { deep: [{ v: 1 }] } },
      ];
      const rssRes = await session.export(endpoint, items, { format: 'rss' });
      const xmlRes = await session.export(endpoint, items, { format: 'xml' });
      assertXmllint(rssRes.body);
      const rssItems = childrenNamed(onlyChild(readXml(rssRes.text), 'channel'), 'item');
      assert.deepEqual(rssItems, readXml(xmlRes.text).children);
    });
  }
});

describe('attachment', () => {
  for (const endpoint of RULE_ENDPOINTS) {
    for (const format of FORMATS) {
      test(`${format} attachment=1 (${endpoint})`, async () => {
        const res = await session.export(endpoint, [{ a: 1 }], { format, attachment: '1' });
        assert.equal(
          res.header('content-disposition'),
          `attachment; filename="${res.datasetId}.${EXTENSIONS[format]}"`,
          res.describe(),
        );
      });
    }

    test(`attachment=true and attachment=0 (${endpoint})`, async () => {
      const on = await session.export(endpoint, [{ a: 1 }], { format: 'csv', attachment: 'true' });
      assert.equal(on.header('content-disposition'), `attachment; filename="${on.datasetId}.csv"`);
      for (const value of ['0', 'false']) {
        const off = await session.export(endpoint, [{ a: 1 }], { format: 'csv', attachment: value });
        assert.equal(off.header('content-disposition'), null, `attachment=${value}`);
      }
    });
  }
});

describe('HEAD', () => {
  for (const format of FORMATS) {
    test(`HEAD ${format} has headers, no body`, async () => {
      const items = [{ a: 1 }, { a: 2 }, { a: 3 }];
      const query = { format, attachment: '1', offset: '1', limit: '1' };
      const head = await session.request('dataset', items, query, { method: 'HEAD' });
      const get = await session.request('dataset', items, query, { method: 'GET' });
      assert.equal(head.status, 200, head.describe());
      assert.equal(head.body.length, 0, 'HEAD must not send a body');
      assert.equal(head.header('content-type'), CONTENT_TYPES[format]);
      assert.equal(head.header('content-disposition'), get.header('content-disposition'));
      assert.deepEqual(paginationHeaders(head), paginationHeaders(get));
      assert.deepEqual(paginationHeaders(head), { offset: '1', limit: '1', count: '1', total: '3', desc: 'false' });
    });
  }

  // A HEAD response must end with its headers: a byte after them would be
  // read as the start of the next response on a keep-alive connection.
  test('HEAD sends nothing after the headers', async () => {
    const { datasetId } = await session.dataset([{ a: 1 }, { a: 2 }]);
    for (const format of FORMATS) {
      for (const coding of ['identity', 'gzip']) {
        const received = await new Promise((resolve, reject) => {
          const socket = net.connect(server.port, '127.0.0.1');
          const chunks = [];
          socket.on('data', (chunk) => chunks.push(chunk));
          socket.on('error', reject);
          socket.write(
            `HEAD /v2/datasets/${datasetId}/items?format=${format} HTTP/1.1\r\n` +
              `Host: 127.0.0.1\r\nAuthorization: Bearer ${server.token}\r\n` +
              `Accept-Encoding: ${coding}\r\n\r\n`,
          );
          setTimeout(() => {
            socket.destroy();
            resolve(Buffer.concat(chunks).toString('latin1'));
          }, 300);
        });
        const end = received.indexOf('\r\n\r\n');
        assert.ok(end > 0, `${format} ${coding}: no complete header: ${JSON.stringify(received)}`);
        assert.match(received, /^HTTP\/1\.1 200 /, `${format} ${coding}`);
        assert.equal(received.slice(end + 4), '', `${format} ${coding}: bytes after the headers`);
      }
    }
  });

  test('HEAD rejects too many columns', async () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_TABLE_COLUMNS + 1 }, (_, i) => [`k${i}`, i]));
    for (const format of TABLE_FORMATS) {
      const head = await session.request('dataset', [wide], { format }, { method: 'HEAD' });
      assert.equal(head.status, 400, `${format}: ${head.describe()}`);
      assert.equal(head.body.length, 0, 'HEAD must not send a body');
    }
  });

  test('HEAD validates parameters', async () => {
    const res = await session.request('dataset', [{ a: 1 }], { format: 'yaml' }, { method: 'HEAD' });
    assert.equal(res.status, 400);
    assert.equal(res.body.length, 0, 'HEAD must not send a body');
  });
});

describe('routes', () => {
  const items = [
    { id: 1, tags: ['a', 'b'], '#h': 'x' },
    { id: 2, tags: ['c'] },
    { id: 3, tags: [] },
  ];
  const queries = [
    { format: 'csv', bom: '0', unwind: 'tags', desc: '1' },
    { format: 'json', clean: '1', offset: '1', limit: '2' },
    { format: 'xml', fields: 'tags,id' },
  ];

  for (const query of queries) {
    test(`every route exports ${query.format} alike`, async () => {
      const reference = await session.export('dataset', items, query);
      for (const endpoint of Object.keys(SUCCESS_STATUS)) {
        const res = await session.request(endpoint, items, query);
        assert.equal(res.status, SUCCESS_STATUS[endpoint], `${endpoint}: ${res.describe()}`);
        assert.equal(res.header('content-type'), CONTENT_TYPES[query.format], endpoint);
        assert.equal(res.text, reference.text, `${endpoint} body`);
        assert.deepEqual(paginationHeaders(res), paginationHeaders(reference), `${endpoint} pagination headers`);
      }
    });
  }

  test('every route rejects a bad parameter', async () => {
    for (const endpoint of Object.keys(SUCCESS_STATUS)) {
      expectInvalidInput(await session.request(endpoint, items, { format: 'csv', delimiter: ';;' }), 'delimiter');
    }
  });

  test('limit header without a limit', async () => {
    for (const endpoint of RULE_ENDPOINTS) {
      const res = await session.export(endpoint, items, { format: 'csv' });
      assert.equal(res.header('x-apify-pagination-limit'), NO_LIMIT, endpoint);
    }
  });
});
