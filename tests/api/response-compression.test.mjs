// Compressed responses: Accept-Encoding chooses gzip or br, bodies decode
// to exactly the uncompressed body, xlsx and small bodies go as they are,
// and a large streamed export stays streamed and bounded in memory. The
// client is node:http, which sends no Accept-Encoding of its own and does
// not decode, so each test reads the bytes actord sent.

import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';

import { ExportSession, pushInBatches, sampleMemory, timedRequest } from './lib/export-helpers.mjs';
import { useServer } from './lib/harness.mjs';

const server = useServer();
const session = new ExportSession(server);

// Items in the large dataset, about 300 bytes of JSON each.
const BIG_ITEM_COUNT = 100_000;
// Resident memory that a compressed export may add, in KiB, as for
// uncompressed exports in export-stream.test.mjs.
const EXPORT_MEMORY_LIMIT_KIB = 64 * 1024;

function bigItem(index) {
  return {
    url: `https://shop.example.com/p/${index}`,
    title: `Product ${index} – Kávovar ☕`,
    price: (index % 1000) + 0.5,
    tags: ['kitchen', `tag-${index % 10}`],
    seller: { name: 'Café & Co.', city: index % 2 ? 'Brno' : 'Praha' },
    description: `Item ${index}: espresso "latte" <b>bold</b>\nsecond line ${'x'.repeat(60)}`,
  };
}

// 60 items of about 200 bytes: a body well over the 1 KiB threshold.
const SMALL_DATASET_ITEMS = Array.from({ length: 60 }, (_, index) => bigItem(index));

let datasetId;
let bigDatasetId;

before(async () => {
  await session.deploy();
  ({ datasetId } = await session.dataset(SMALL_DATASET_ITEMS));
  ({ datasetId: bigDatasetId } = await session.runWithItems([]));
  await pushInBatches(server, bigDatasetId, BIG_ITEM_COUNT, bigItem);
});

/** GET (or `method`) target with this Accept-Encoding (none when null); the raw response. */
function get(target, acceptEncoding, { method = 'GET', ...options } = {}) {
  const headers = acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding };
  return timedRequest(server, target, { method, headers, ...options });
}

/** Decodes a body by its Content-Encoding header. */
function decode(res) {
  const coding = res.headers['content-encoding'];
  if (coding === undefined) return res.body;
  if (coding === 'gzip') return zlib.gunzipSync(res.body);
  if (coding === 'br') return zlib.brotliDecompressSync(res.body);
  throw new Error(`unexpected Content-Encoding ${coding}`);
}

const itemsPath = (id, query) => `/v2/datasets/${id}/items?${new URLSearchParams(query)}`;

describe('compressed bodies decode exactly', () => {
  for (const format of ['json', 'jsonl', 'csv', 'html', 'xml']) {
    test(`${format} export in gzip and br`, async () => {
      const plain = await get(itemsPath(datasetId, { format }), null);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.body.length > 1024, `the export should be over 1 KiB: ${plain.body.length}`);
      for (const coding of ['gzip', 'br']) {
        const res = await get(itemsPath(datasetId, { format }), coding);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-encoding'], coding);
        assert.equal(res.headers.vary, 'Accept-Encoding');
        assert.equal(res.headers['content-type'], plain.headers['content-type']);
        assert.equal(res.headers['x-apify-pagination-total'], plain.headers['x-apify-pagination-total']);
        assert.ok(res.body.length < plain.body.length / 2, `${coding} body of ${res.body.length} bytes`);
        assert.ok(decode(res).equals(plain.body), `${coding} body decodes to the plain body`);
      }
    });
  }

  test('xlsx is never compressed', async () => {
    for (const coding of ['gzip', 'br', 'identity;q=0, gzip']) {
      const res = await get(itemsPath(datasetId, { format: 'xlsx' }), coding);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined, coding);
      assert.equal(res.headers.vary, undefined, coding);
      assert.equal(res.body.subarray(0, 2).toString('latin1'), 'PK', 'the body is the zip archive itself');
    }
  });

  test('large error body compressed', async () => {
    const format = 'x'.repeat(2000);
    const plain = await get(itemsPath(datasetId, { format }), null);
    assert.equal(plain.status, 400);
    const res = await get(itemsPath(datasetId, { format }), 'gzip');
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const body = decode(res);
    assert.ok(body.equals(plain.body));
    assert.equal(JSON.parse(body.toString('utf8')).error.type, 'invalid-input');
    assert.equal(Number(res.headers['content-length']), res.body.length);
  });

  test('small body stays plain', async () => {
    const res = await get('/v2/users/me', 'gzip, br');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.equal(JSON.parse(res.body.toString('utf8')).data.username, 'admin');
  });

  test('small body compressed when identity refused', async () => {
    const plain = await get('/v2/users/me', null);
    for (const [header, coding] of [
      ['identity;q=0, gzip', 'gzip'],
      ['br, identity;q=0', 'br'],
    ]) {
      const res = await get('/v2/users/me', header);
      assert.equal(res.headers['content-encoding'], coding, header);
      assert.ok(decode(res).equals(plain.body), header);
    }
  });

  test('small error compressed when identity refused', async () => {
    const res = await get('/v2/datasets/noSuchDataset/items', '*;q=0, gzip');
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(decode(res).toString('utf8')).error.type, 'record-not-found');
  });

  test('fetch decodes transparently', async () => {
    const res = await server.api('GET', itemsPath(datasetId, { format: 'json' }), {
      headers: { 'accept-encoding': 'br' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.header('content-encoding'), 'br');
    assert.deepEqual(res.json, SMALL_DATASET_ITEMS);
  });
});

describe('Accept-Encoding negotiation', () => {
  const cases = [
    [null, undefined],
    ['', undefined],
    ['identity', undefined],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    [' Br ', 'br'],
    ['gzip, deflate, br', 'br'],
    ['deflate', undefined],
    ['*', 'br'],
    ['gzip;q=0, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['*;q=0', undefined],
    ['*;q=0, gzip', 'gzip'],
    ['gzip;q=0.5, br;q=0.4', 'gzip'],
    ['gzip ; q=0.9 , br ; q=0.9', 'br'],
    ['br;q=1.000, gzip', 'br'],
    ['identity;q=1, gzip;q=0.5', undefined],
    ['identity;q=0.5, gzip', 'gzip'],
    ['br;q=2, gzip;q=0.1', 'gzip'],
    ['br;q=abc', undefined],
    ['compress, zstd', undefined],
  ];
  for (const [header, expected] of cases) {
    test(`Accept-Encoding ${JSON.stringify(header)}`, async () => {
      const res = await get(itemsPath(datasetId, { format: 'json' }), header);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], expected);
      assert.equal(res.headers.vary, 'Accept-Encoding');
      assert.deepEqual(JSON.parse(decode(res).toString('utf8')), SMALL_DATASET_ITEMS);
    });
  }
});

describe('HEAD', () => {
  test('HEAD of an export has the GET headers', async () => {
    const target = itemsPath(datasetId, { format: 'csv' });
    for (const coding of ['gzip', 'br']) {
      const getRes = await get(target, coding);
      // fetch, because libmicrohttpd 0.9.75 ends a chunked HEAD response
      // with a last chunk that node:http rejects as data after the head.
      const head = await server.api('HEAD', target, { headers: { 'accept-encoding': coding } });
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      for (const name of ['content-encoding', 'vary', 'content-type', 'x-apify-pagination-count']) {
        assert.equal(head.header(name), getRes.headers[name] ?? null, `${coding}: ${name}`);
      }
    }
  });

  test('HEAD of a whole body has its compressed length', async () => {
    const target = '/v2/users/me';
    const getRes = await get(target, 'identity;q=0, br');
    const head = await get(target, 'identity;q=0, br', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-encoding'], 'br');
    assert.equal(head.headers.vary, 'Accept-Encoding');
    assert.equal(head.headers['content-length'], String(getRes.body.length));
  });
});

describe('streamed export', () => {
  for (const coding of ['gzip', 'br']) {
    test(`large json export in ${coding}`, async () => {
      const target = itemsPath(bigDatasetId, { format: 'json' });
      await get(target, coding, { keepBody: false });
      const { result: res, baselineKiB, peakKiB } = await sampleMemory(server.process.pid, () => get(target, coding));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], coding);
      assert.equal(res.headers['content-length'], undefined);
      assert.ok(
        peakKiB - baselineKiB < EXPORT_MEMORY_LIMIT_KIB,
        `resident memory grew by ${peakKiB - baselineKiB} KiB for a ${res.body.length}-byte ${coding} export`,
      );
      // Chunks compressed and flushed one by one leave long before the end.
      assert.ok(
        res.firstChunkMs < res.totalMs * 0.5,
        `first chunk after ${res.firstChunkMs.toFixed(0)} ms of ${res.totalMs.toFixed(0)} ms`,
      );
      const items = JSON.parse(decode(res).toString('utf8'));
      assert.equal(items.length, BIG_ITEM_COUNT);
      assert.deepEqual(items[0], bigItem(0));
      assert.deepEqual(items.at(-1), bigItem(BIG_ITEM_COUNT - 1));
    });
  }

  test('client leaving a compressed export', async () => {
    for (const coding of ['gzip', 'br']) {
      const res = await get(itemsPath(bigDatasetId, { format: 'csv' }), coding, { abortAfterFirstChunk: true });
      assert.ok(res.aborted, coding);
    }
    server.assertHealthy();
    const later = await get(itemsPath(bigDatasetId, { format: 'jsonl', limit: '2' }), 'gzip');
    assert.equal(decode(later).toString('utf8'), `${JSON.stringify(bigItem(0))}\n${JSON.stringify(bigItem(1))}\n`);
  });
});
