// Dataset export transformations and their order: page, skipFailedPages,
// fields/omit/outputFields, unwind, flatten, skipHidden, skipEmpty, clean,
// simplified and desc. Also the pagination headers and parameter
// validation. Each case runs on GET /v2/datasets/:id/items and on
// run-sync-get-dataset-items. Expected items are compared as JSON text, so
// key order counts.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { ExportSession, RULE_ENDPOINTS, expectInvalidInput, paginationHeaders } from './lib/export-helpers.mjs';
import { NO_LIMIT, useServer } from './lib/harness.mjs';

const server = useServer();
const session = new ExportSession(server);

before(async () => {
  await session.deploy();
});

/**
 * Exports `items` as JSON with `query` and compares the result with
 * `expected` as JSON text, so that key order counts.
 */
async function expectItems(endpoint, items, query, expected) {
  const res = await session.export(endpoint, items, query);
  assert.notEqual(res.json, undefined, `body is not JSON: ${res.describe()}`);
  assert.equal(JSON.stringify(res.json), JSON.stringify(expected), `query ${JSON.stringify(query)}`);
  return res;
}

/** Defines one test per rule endpoint for each case of { name, items, query, expected }. */
function itemCases(cases) {
  for (const endpoint of RULE_ENDPOINTS) {
    for (const c of cases) {
      test(`${c.name} (${endpoint})`, async () => {
        await expectItems(endpoint, c.items, c.query, c.expected);
      });
    }
  }
}

const numbered = (count) => Array.from({ length: count }, (_, i) => ({ n: i + 1 }));

describe('order of steps', () => {
  itemCases([
    {
      name: 'page before skipFailedPages',
      items: [{ n: 1 }, { n: 2, errorInfo: { message: 'failed' } }, { n: 3 }, { n: 4 }],
      query: { offset: '1', limit: '2', skipFailedPages: '1' },
      expected: [{ n: 3 }],
    },
    {
      name: 'page before skipEmpty',
      items: [{}, { a: 1 }, {}, { a: 2 }],
      query: { limit: '2', skipEmpty: '1' },
      expected: [{ a: 1 }],
    },
    {
      name: 'fields before unwind',
      items: [{ id: 1, list: [{ x: 1 }, { x: 2, y: 3 }], other: 9 }],
      query: { fields: 'id,list', unwind: 'list' },
      expected: [
        { id: 1, x: 1 },
        { id: 1, x: 2, y: 3 },
      ],
    },
    {
      name: 'omit before unwind',
      items: [{ id: 1, list: [{ x: 1 }] }],
      query: { omit: 'list', unwind: 'list' },
      expected: [{ id: 1 }],
    },
    {
      name: 'unwind before flatten',
      items: [{ list: [{ o: { p: 1 } }, { o: { p: 2 } }] }],
      query: { unwind: 'list', flatten: 'o' },
      expected: [{ 'o.p': 1 }, { 'o.p': 2 }],
    },
    {
      name: 'unwind before skipHidden',
      items: [{ id: 1, list: [{ '#h': 1, v: 2 }] }],
      query: { unwind: 'list', skipHidden: '1' },
      expected: [{ id: 1, v: 2 }],
    },
    {
      name: 'flatten of a hidden field',
      items: [{ '#meta': { a: 1 }, b: { '#x': 1 } }],
      query: { flatten: '#meta,b', skipHidden: '1' },
      expected: [{ 'b.#x': 1 }],
    },
    {
      name: 'unwind before skipEmpty',
      items: [{ list: [] }, { list: [{ a: 1 }] }],
      query: { unwind: 'list', skipEmpty: '1' },
      expected: [{ a: 1 }],
    },
    {
      name: 'fields before skipEmpty',
      items: [{ a: 1 }, { b: 2 }],
      query: { fields: 'a', skipEmpty: '1' },
      expected: [{ a: 1 }],
    },
    {
      name: 'skipHidden before skipEmpty',
      items: [{ '#h': 1 }, { a: 1 }],
      query: { skipHidden: '1', skipEmpty: '1' },
      expected: [{ a: 1 }],
    },
  ]);
});

describe('fields and omit', () => {
  itemCases([
    {
      name: 'fields keep and order keys',
      items: [{ a: 1, b: 2, c: 3 }, { c: 4, d: 5, a: 6 }],
      query: { fields: 'c,a' },
      expected: [
        { c: 3, a: 1 },
        { c: 4, a: 6 },
      ],
    },
    {
      name: 'fields names trimmed',
      items: [{ a: 1, b: 2, c: 3 }],
      query: 'fields=%20c%20,%20a',
      expected: [{ c: 3, a: 1 }],
    },
    {
      name: 'list names trimmed everywhere',
      items: [{ a: 1, b: 2, list: [{ o: { p: 1 } }] }],
      query: 'omit=%20b%20&unwind=%20list%20&flatten=%20o%20',
      expected: [{ a: 1, 'o.p': 1 }],
    },
    {
      name: 'fields keep nested values whole',
      items: [{ a: { x: [1, { y: 2 }] }, b: 1 }],
      query: { fields: 'a' },
      expected: [{ a: { x: [1, { y: 2 }] } }],
    },
    {
      name: 'fields skip absent keys',
      items: [{ a: 1 }, { b: 2 }],
      query: { fields: 'a,b' },
      expected: [{ a: 1 }, { b: 2 }],
    },
    {
      name: 'omit drops keys',
      items: [{ a: 1, b: 2, c: 3 }],
      query: { omit: 'b,zz' },
      expected: [{ a: 1, c: 3 }],
    },
    {
      name: 'omit wins over fields',
      items: [{ a: 1, b: 2, c: 3 }],
      query: { fields: 'b,a', omit: 'b' },
      expected: [{ a: 1 }],
    },
    {
      name: 'omit is top-level only',
      items: [{ a: { b: 1 }, b: 2 }],
      query: { omit: 'b' },
      expected: [{ a: { b: 1 } }],
    },
    {
      name: 'outputFields rename by position',
      items: [{ a: 1, b: 2, c: 3 }],
      query: { fields: 'c,a', outputFields: 'C,A' },
      expected: [{ C: 3, A: 1 }],
    },
    {
      name: 'outputFields then unwind',
      items: [{ id: 1, list: [{ x: 1 }] }],
      query: { fields: 'id,list', outputFields: 'ID,L', unwind: 'list' },
      expected: [{ ID: 1, L: [{ x: 1 }] }],
    },
  ]);
});

describe('unwind', () => {
  itemCases([
    {
      name: 'unwind array of objects',
      items: [{ id: 1, offers: [{ p: 1 }, { p: 2, id: 7 }], z: 0 }],
      query: { unwind: 'offers' },
      expected: [
        { id: 1, z: 0, p: 1 },
        { id: 7, z: 0, p: 2 },
      ],
    },
    {
      name: 'unwind object merges',
      items: [{ a: 1, obj: { b: 2, a: 5 }, c: 3 }],
      query: { unwind: 'obj' },
      expected: [{ a: 5, c: 3, b: 2 }],
    },
    {
      name: 'unwind array of scalars',
      items: [{ id: 1, tags: ['a', 'b'], z: 0 }],
      query: { unwind: 'tags' },
      expected: [
        { id: 1, tags: 'a', z: 0 },
        { id: 1, tags: 'b', z: 0 },
      ],
    },
    {
      name: 'unwind mixed elements',
      items: [{ id: 1, v: [{ x: 1 }, 's', null, 0, false] }],
      query: { unwind: 'v' },
      expected: [
        { id: 1, x: 1 },
        { id: 1, v: 's' },
        { id: 1, v: null },
        { id: 1, v: 0 },
        { id: 1, v: false },
      ],
    },
    {
      name: 'unwind empty array',
      items: [{ id: 1, list: [], z: 2 }],
      query: { unwind: 'list' },
      expected: [{ id: 1, z: 2 }],
    },
    {
      name: 'unwind keeps missing and scalars',
      items: [{ id: 1 }, { id: 2, list: 5 }, { id: 3, list: null }, { id: 4, list: 's' }, { id: 5, list: true }],
      query: { unwind: 'list' },
      expected: [{ id: 1 }, { id: 2, list: 5 }, { id: 3, list: null }, { id: 4, list: 's' }, { id: 5, list: true }],
    },
    {
      name: 'unwind ignores desc',
      items: [
        { n: 1, l: [{ x: 1 }, { x: 2 }] },
        { n: 2, l: [{ x: 3 }, { x: 4 }] },
      ],
      query: { unwind: 'l', desc: '1' },
      expected: [
        { n: 2, x: 3 },
        { n: 2, x: 4 },
        { n: 1, x: 1 },
        { n: 1, x: 2 },
      ],
    },
    {
      name: 'unwind fields in listed order',
      items: [{ a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] }],
      query: { unwind: 'a,b' },
      expected: [{ c: 1 }, { c: 2 }, { c: 3 }],
    },
    {
      name: 'unwind order matters',
      items: [{ a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] }],
      query: { unwind: 'b,a' },
      expected: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }],
    },
    {
      name: 'unwind two fields',
      items: [{ id: 1, colors: ['red', 'blue'], sizes: ['S', 'M'] }],
      query: { unwind: 'colors,sizes' },
      expected: [
        { id: 1, colors: 'red', sizes: 'S' },
        { id: 1, colors: 'red', sizes: 'M' },
        { id: 1, colors: 'blue', sizes: 'S' },
        { id: 1, colors: 'blue', sizes: 'M' },
      ],
    },
    {
      name: 'unwind nested arrays stay',
      items: [{ id: 1, list: [{ inner: [1, 2] }] }],
      query: { unwind: 'list' },
      expected: [{ id: 1, inner: [1, 2] }],
    },
  ]);
});

describe('flatten', () => {
  itemCases([
    {
      name: 'flatten recursive, in position',
      items: [{ id: 1, foo: { bar: { q: 1 }, z: 2 }, tail: 3 }],
      query: { flatten: 'foo' },
      expected: [{ id: 1, 'foo.bar.q': 1, 'foo.z': 2, tail: 3 }],
    },
    {
      name: 'flatten keeps arrays',
      items: [{ foo: { list: [{ a: { b: 1 } }], n: null } }],
      query: { flatten: 'foo' },
      expected: [{ 'foo.list': [{ a: { b: 1 } }], 'foo.n': null }],
    },
    {
      name: 'flatten empty objects',
      items: [{ foo: {}, bar: { e: {}, x: 1 } }],
      query: { flatten: 'foo,bar' },
      expected: [{ foo: {}, 'bar.e': {}, 'bar.x': 1 }],
    },
    {
      name: 'flatten only named fields',
      items: [{ a: { x: 1 }, b: { y: 2 } }],
      query: { flatten: 'a' },
      expected: [{ 'a.x': 1, b: { y: 2 } }],
    },
    {
      name: 'flatten skips non-objects',
      items: [{ a: 5, b: [{ x: 1 }], c: null, d: 's' }],
      query: { flatten: 'a,b,c,d,missing' },
      expected: [{ a: 5, b: [{ x: 1 }], c: null, d: 's' }],
    },
  ]);
});

describe('hidden and empty', () => {
  itemCases([
    {
      name: 'skipHidden is top-level only',
      items: [{ '#a': 1, b: { '#c': 2 }, d: [{ '#e': 3 }], f: 4 }],
      query: { skipHidden: '1' },
      expected: [{ b: { '#c': 2 }, d: [{ '#e': 3 }], f: 4 }],
    },
    {
      name: 'hidden fields kept by default',
      items: [{ '#a': 1, b: 2 }],
      query: {},
      expected: [{ '#a': 1, b: 2 }],
    },
    {
      name: 'fields keep a # field',
      items: [{ '#a': 1, b: 2, c: 3 }],
      query: { fields: '#a,b' },
      expected: [{ '#a': 1, b: 2 }],
    },
    {
      name: 'fields and skipHidden drop it',
      items: [{ '#a': 1, b: 2, c: 3 }],
      query: { fields: '#a,b', skipHidden: '1' },
      expected: [{ b: 2 }],
    },
    {
      name: 'fields and clean drop it',
      items: [{ '#a': 1, b: 2, c: 3 }],
      query: { fields: '#a,b', clean: '1' },
      expected: [{ b: 2 }],
    },
    {
      name: 'skipHidden keeps empty items',
      items: [{ '#h': 1 }, { a: 1 }],
      query: { skipHidden: '1' },
      expected: [{}, { a: 1 }],
    },
    {
      name: 'skipEmpty alone keeps hidden-only',
      items: [{ '#h': 1 }, {}, { a: 1 }],
      query: { skipEmpty: '1' },
      expected: [{ '#h': 1 }, { a: 1 }],
    },
    {
      name: 'clean skips hidden and empty',
      items: [{ '#h': 1 }, {}, { a: 1, '#b': 2 }],
      query: { clean: '1' },
      expected: [{ a: 1 }],
    },
    {
      name: 'clean=true',
      items: [{ '#h': 1 }, { a: 1 }],
      query: { clean: 'true' },
      expected: [{ a: 1 }],
    },
    {
      name: 'clean=0 changes nothing',
      items: [{ '#h': 1 }, {}],
      query: { clean: '0' },
      expected: [{ '#h': 1 }, {}],
    },
    {
      name: 'item with null is not empty',
      items: [{ a: null }, { b: {} }, { c: [] }],
      query: { skipEmpty: '1' },
      expected: [{ a: null }, { b: {} }, { c: [] }],
    },
  ]);
});

describe('skipFailedPages and simplified', () => {
  itemCases([
    {
      name: 'skipFailedPages drops errorInfo items',
      items: [{ n: 1 }, { n: 2, errorInfo: { message: 'x' } }, { n: 3, errorInfo: null }, { n: 4, nested: { errorInfo: 1 } }],
      query: { skipFailedPages: '1' },
      expected: [{ n: 1 }, { n: 4, nested: { errorInfo: 1 } }],
    },
    {
      name: 'skipFailedPages=0 keeps them',
      items: [{ n: 1 }, { n: 2, errorInfo: { message: 'x' } }],
      query: { skipFailedPages: '0' },
      expected: [{ n: 1 }, { n: 2, errorInfo: { message: 'x' } }],
    },
    {
      name: 'skipFailedPages before fields',
      items: [{ n: 1, errorInfo: 'e' }, { n: 2 }],
      query: { skipFailedPages: '1', fields: 'n' },
      expected: [{ n: 2 }],
    },
    {
      name: 'simplified',
      items: [
        { url: 'u1', other: 5, pageFunctionResult: [{ t: 1 }, { t: 2 }] },
        { errorInfo: { m: 'x' }, url: 'u2', pageFunctionResult: { t: 3 } },
        { url: 'u3', pageFunctionResult: 'plain' },
      ],
      query: { simplified: '1' },
      expected: [
        { url: 'u1', t: 1 },
        { url: 'u1', t: 2 },
        { url: 'u2', errorInfo: { m: 'x' }, t: 3 },
        { url: 'u3', pageFunctionResult: 'plain' },
      ],
    },
    {
      name: 'simplified with skipFailedPages',
      items: [
        { url: 'u1', pageFunctionResult: [{ t: 1 }] },
        { url: 'u2', errorInfo: { m: 'x' }, pageFunctionResult: [{ t: 2 }] },
      ],
      query: { simplified: 'true', skipFailedPages: 'true' },
      expected: [{ url: 'u1', t: 1 }],
    },
  ]);
});

describe('desc and paging', () => {
  itemCases([
    { name: 'offset and limit', items: numbered(5), query: { offset: '1', limit: '2' }, expected: [{ n: 2 }, { n: 3 }] },
    { name: 'desc reverses', items: numbered(4), query: { desc: '1' }, expected: [{ n: 4 }, { n: 3 }, { n: 2 }, { n: 1 }] },
    {
      name: 'desc=true reverses',
      items: numbered(3),
      query: { desc: 'true' },
      expected: [{ n: 3 }, { n: 2 }, { n: 1 }],
    },
    { name: 'desc=0 keeps order', items: numbered(3), query: { desc: '0' }, expected: numbered(3) },
    {
      name: 'desc offset from newest',
      items: numbered(5),
      query: { desc: '1', offset: '1', limit: '2' },
      expected: [{ n: 4 }, { n: 3 }],
    },
    { name: 'desc offset near the end', items: numbered(5), query: { desc: '1', offset: '3', limit: '5' }, expected: [{ n: 2 }, { n: 1 }] },
    { name: 'limit=0 is no limit', items: numbered(3), query: { limit: '0' }, expected: numbered(3) },
    { name: 'offset past the end', items: numbered(3), query: { offset: '10' }, expected: [] },
    { name: 'limit past the end', items: numbered(3), query: { offset: '2', limit: '10' }, expected: [{ n: 3 }] },
  ]);
});

describe('pagination headers', () => {
  const headerCases = [
    {
      name: 'headers without paging',
      items: numbered(4),
      query: {},
      headers: { offset: '0', limit: NO_LIMIT, count: '4', total: '4', desc: 'false' },
    },
    {
      name: 'headers with offset and limit',
      items: numbered(5),
      query: { offset: '1', limit: '2' },
      headers: { offset: '1', limit: '2', count: '2', total: '5', desc: 'false' },
    },
    {
      name: 'headers with limit=0',
      items: numbered(3),
      query: { limit: '0' },
      headers: { offset: '0', limit: NO_LIMIT, count: '3', total: '3', desc: 'false' },
    },
    {
      name: 'headers with desc',
      items: numbered(5),
      query: { desc: '1', offset: '1', limit: '3' },
      headers: { offset: '1', limit: '3', count: '3', total: '5', desc: 'true' },
    },
    {
      name: 'count before skipEmpty',
      items: [{}, { a: 1 }, {}],
      query: { skipEmpty: '1' },
      headers: { offset: '0', limit: NO_LIMIT, count: '3', total: '3', desc: 'false' },
    },
    {
      name: 'count before skipFailedPages',
      items: [{ errorInfo: 1 }, { a: 1 }, { errorInfo: 2 }],
      query: { skipFailedPages: '1', limit: '2' },
      headers: { offset: '0', limit: '2', count: '2', total: '3', desc: 'false' },
    },
    {
      name: 'count ignores unwind',
      items: [{ l: [1, 2, 3] }, { l: [4] }],
      query: { unwind: 'l' },
      headers: { offset: '0', limit: NO_LIMIT, count: '2', total: '2', desc: 'false' },
    },
    {
      name: 'count past the end',
      items: numbered(3),
      query: { offset: '5', limit: '2' },
      headers: { offset: '5', limit: '2', count: '0', total: '3', desc: 'false' },
    },
    {
      name: 'headers on csv',
      items: numbered(4),
      query: { format: 'csv', offset: '3' },
      headers: { offset: '3', limit: NO_LIMIT, count: '1', total: '4', desc: 'false' },
    },
  ];

  for (const endpoint of RULE_ENDPOINTS) {
    for (const c of headerCases) {
      test(`${c.name} (${endpoint})`, async () => {
        const res = await session.export(endpoint, c.items, c.query);
        assert.deepEqual(paginationHeaders(res), c.headers, res.describe());
      });
    }
  }
});

describe('parameter validation', () => {
  const booleans = ['clean', 'skipHidden', 'skipEmpty', 'desc', 'attachment', 'bom', 'skipHeaderRow', 'simplified', 'skipFailedPages'];
  const fieldLists = ['fields', 'omit', 'unwind', 'flatten'];

  for (const endpoint of RULE_ENDPOINTS) {
    test(`booleans accept true, 1, false, 0 (${endpoint})`, async () => {
      for (const name of booleans) {
        for (const value of ['true', '1', 'false', '0']) {
          const res = await session.request(endpoint, [{ a: 1 }], { format: 'csv', [name]: value });
          assert.ok(res.status < 400, `${name}=${value}: ${res.describe()}`);
        }
      }
    });

    test(`other boolean values are 400 (${endpoint})`, async () => {
      for (const name of booleans) {
        for (const value of ['yes', '2', 'TRUE', 'on', '-1', 'truex']) {
          expectInvalidInput(await session.request(endpoint, [{ a: 1 }], { [name]: value }), name);
        }
      }
    });

    test(`bad offset and limit are 400 (${endpoint})`, async () => {
      for (const name of ['offset', 'limit']) {
        for (const value of ['-1', 'abc', '1.5', '1e2', '0x10']) {
          const res = await session.request(endpoint, [{ a: 1 }], `${name}=${value}`);
          expectInvalidInput(res, name);
        }
        const huge = await session.request(endpoint, [{ a: 1 }], `${name}=9223372036854775808`);
        expectInvalidInput(huge, name);
        assert.match(huge.json.error.message, /at most 9223372036854775807/);
      }
    });

    test(`empty field names are 400 (${endpoint})`, async () => {
      for (const name of fieldLists) {
        for (const value of ['a,,b', 'a,', ',a', ',', 'a,%20,b']) {
          expectInvalidInput(await session.request(endpoint, [{ a: 1 }], `${name}=${value}`), name);
        }
      }
      expectInvalidInput(await session.request(endpoint, [{ a: 1 }], 'fields=a&outputFields=A,'), 'outputFields');
    });

    test(`outputFields needs matching fields (${endpoint})`, async () => {
      for (const query of ['outputFields=x', 'fields=a&outputFields=x,y', 'fields=a,b&outputFields=x']) {
        expectInvalidInput(await session.request(endpoint, [{ a: 1, b: 2 }], query), 'outputFields');
      }
    });
  }
});
