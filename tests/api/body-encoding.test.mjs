// Request bodies with Content-Encoding: gzip, deflate (zlib and raw) and br
// are decoded while they are read, on the push route and on a sync run's
// input. The size limit applies to the decoded body, so a small body that
// inflates past it is 413. Other encodings are 415, and data that is not
// valid for its encoding is 400.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { MAX_PAYLOAD_BYTES, expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();
let datasetId;
let echoTaskId;

const ENCODERS = {
  gzip: (data) => zlib.gzipSync(data),
  deflate: (data) => zlib.deflateSync(data),
  br: (data) => zlib.brotliCompressSync(data),
};

before(async () => {
  const { task } = await server.deployTask('echo-input', { input: { from: 'task' } });
  echoTaskId = task.id;
  await server.runSyncItems(echoTaskId);
  datasetId = (await server.lastRun(echoTaskId)).defaultDatasetId;
});

/** POSTs items to the dataset as body, with the given Content-Encoding. */
function pushEncoded(body, encoding) {
  return server.api('POST', `/v2/datasets/${datasetId}/items`, {
    body,
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
  });
}

async function itemCount() {
  return expectStatus(await server.api('GET', `/v2/datasets/${datasetId}`), 200).data.itemCount;
}

async function lastItems(count) {
  const res = await server.api('GET', `/v2/datasets/${datasetId}/items?desc=1&limit=${count}`);
  return expectStatus(res, 200).json.reverse();
}

describe('compressed request bodies', () => {
  for (const [encoding, encode] of Object.entries(ENCODERS)) {
    test(`push decodes ${encoding}`, async () => {
      const items = [{ encoding, text: 'Žluťoučký kůň 😀 '.repeat(200) }, { encoding, n: 2 }];
      const res = await pushEncoded(encode(Buffer.from(JSON.stringify(items))), encoding);
      expectStatus(res, 201);
      assert.deepEqual(await lastItems(2), items);
    });
  }

  test('push decodes raw deflate and upper-case names', async () => {
    const items = [{ raw: true }];
    expectStatus(await pushEncoded(zlib.deflateRawSync(JSON.stringify(items)), 'deflate'), 201);
    assert.deepEqual(await lastItems(1), items);
    expectStatus(await pushEncoded(zlib.gzipSync(JSON.stringify([{ upper: 1 }])), 'GZIP'), 201);
    assert.deepEqual(await lastItems(1), [{ upper: 1 }]);
  });

  test('sync input decodes br', async () => {
    const input = { from: 'br', padding: 'x'.repeat(5000) };
    const items = await server.runSyncItems(echoTaskId, {
      body: zlib.brotliCompressSync(JSON.stringify(input)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
    });
    assert.equal(items[0].input.from, 'br');
    assert.equal(items[0].input.padding.length, 5000);
  });

  test('identity and empty names are plain', async () => {
    for (const encoding of ['identity', '']) {
      expectStatus(await pushEncoded(JSON.stringify([{ plain: encoding }]), encoding), 201);
      assert.deepEqual(await lastItems(1), [{ plain: encoding }]);
    }
  });

  test('other encodings are 415', async () => {
    for (const encoding of ['zstd', 'compress', 'gzip, br', 'x-unknown']) {
      const before = await itemCount();
      const res = await pushEncoded(JSON.stringify([{ a: 1 }]), encoding);
      expectError(res, 415, 'unsupported-content-encoding');
      assert.match(res.json.error.message, /gzip, deflate, br/);
      assert.ok(res.json.error.message.includes(encoding), res.json.error.message);
      assert.equal(await itemCount(), before);
    }
  });

  test('invalid data is 400', async () => {
    const valid = zlib.gzipSync(JSON.stringify([{ a: 1 }]));
    const cases = [
      ['gzip', Buffer.from('this is not gzip data at all')],
      ['gzip', valid.subarray(0, valid.length - 6)],
      ['gzip', Buffer.concat([valid, Buffer.from('trailing')])],
      ['br', Buffer.from('not brotli either, but long enough to fail')],
      ['deflate', Buffer.from([0x78])],
    ];
    for (const [encoding, body] of cases) {
      const before = await itemCount();
      const res = await pushEncoded(body, encoding);
      expectError(res, 400, 'invalid-request');
      assert.ok(res.json.error.message.includes(`not valid ${encoding} data`), res.json.error.message);
      assert.equal(await itemCount(), before, 'nothing is stored from an invalid body');
    }
  });

  test('decoded size limit', async () => {
    // A JSON array padded with spaces to exactly the limit, then one byte more.
    const fits = Buffer.alloc(MAX_PAYLOAD_BYTES, ' ');
    fits.write('[{"big":1}', 0);
    fits.write(']', MAX_PAYLOAD_BYTES - 1);
    for (const [encoding, encode] of Object.entries(ENCODERS)) {
      expectStatus(await pushEncoded(encode(fits), encoding), 201);
      const over = Buffer.concat([Buffer.from(' '), fits]);
      const res = await pushEncoded(encode(over), encoding);
      expectError(res, 413, 'request-too-large');
    }
  });

  test('compression bomb is 413', async () => {
    // 1 GiB of zeros compresses to about 1 MB of gzip; actord must stop at
    // the limit rather than inflate it.
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bomb = zlib.gzipSync(Buffer.concat(Array(16).fill(zeros)), { level: 9 });
    assert.ok(bomb.length < 2 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
    const res = await pushEncoded(bomb, 'gzip');
    expectError(res, 413, 'request-too-large');
    assert.match(res.json.error.message, /decoded/);
    server.assertHealthy();
    expectStatus(await server.api('GET', `/v2/datasets/${datasetId}`), 200);
  });

  test('empty body with an encoding is empty', async () => {
    const res = await server.api('POST', `/v2/actor-tasks/${echoTaskId}/run-sync-get-dataset-items`, {
      body: '',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expectStatus(res, 201);
    assert.equal(res.json[0].input.from, 'task', 'the task input is used');
  });
});
