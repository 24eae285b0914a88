// Key-value store records sent with a Content-Encoding are kept as sent.
// A client that accepts the encoding gets the stored bytes, not compressed
// a second time, and any other client gets them decoded.

import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();

let storeId;

before(async () => {
  const res = await server.api('POST', '/v2/key-value-stores?name=encoded', { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  storeId = expectStatus(res, 201).data.id;
});

/** One request over node:http, which decodes nothing: returns status, headers and raw bytes. */
function rawRequest(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.token}`, ...headers },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function recordPath(key) {
  return `/v2/key-value-stores/${storeId}/records/${key}`;
}

// Pretty-printed JSON, long enough that actord would compress it itself.
const pretty = JSON.stringify({ list: Array.from({ length: 200 }, (_, i) => ({ i, text: 'kept as sent' })) }, null, 2);

const codings = {
  br: { encode: zlib.brotliCompressSync, decode: zlib.brotliDecompressSync },
  gzip: { encode: zlib.gzipSync, decode: zlib.gunzipSync },
  deflate: { encode: zlib.deflateSync, decode: zlib.inflateSync },
};

describe('records stored with their Content-Encoding', () => {
  for (const [coding, { encode, decode }] of Object.entries(codings)) {
    test(`${coding}: served as sent when accepted, decoded when not`, async () => {
      await server.starting;
      const encoded = encode(Buffer.from(pretty));
      const put = await rawRequest('PUT', recordPath(`pretty-${coding}`), {
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': coding },
        body: encoded,
      });
      assert.equal(put.status, 201, put.body.toString());

      const asSent = await rawRequest('GET', recordPath(`pretty-${coding}`), { headers: { 'accept-encoding': `${coding}, identity` } });
      assert.equal(asSent.status, 200);
      assert.equal(asSent.headers['content-encoding'], coding);
      assert.match(asSent.headers['content-type'], /^application\/json/);
      assert.deepEqual(asSent.body, encoded, 'the stored bytes, not compressed again');
      assert.equal(decode(asSent.body).toString(), pretty);

      const plain = await rawRequest('GET', recordPath(`pretty-${coding}`));
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body.toString(), pretty, 'decoded, with its whitespace');

      const notAccepted = await rawRequest('GET', recordPath(`pretty-${coding}`), { headers: { 'accept-encoding': `${coding};q=0` } });
      assert.equal(notAccepted.status, 200);
      assert.notEqual(notAccepted.headers['content-encoding'], coding);
    });
  }

  test('a client accepting another coding gets the record in that coding', async () => {
    await server.starting;
    const put = await rawRequest('PUT', recordPath('other-coding'), {
      headers: { 'content-type': 'text/plain', 'content-encoding': 'br' },
      body: zlib.brotliCompressSync(Buffer.from(pretty)),
    });
    assert.equal(put.status, 201);
    const res = await rawRequest('GET', recordPath('other-coding'), { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    const body = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(res.body) : res.body;
    assert.equal(body.toString(), pretty);
  });

  test('HEAD has the encoding header and no body', async () => {
    await server.starting;
    const res = await rawRequest('HEAD', recordPath('pretty-gzip'), { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.body.length, 0);
  });

  test('a body that does not decode is 400 and nothing is stored', async () => {
    await server.starting;
    const res = await rawRequest('PUT', recordPath('broken'), {
      headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
    });
    assert.equal(res.status, 400);
    expectError(await server.api('GET', recordPath('broken')), 404, 'record-not-found');
  });

  test('plain records keep their bytes; attachment=true adds Content-Disposition', async () => {
    expectStatus(await server.api('PUT', recordPath('plain'), { body: pretty, headers: { 'content-type': 'application/json' } }), 201);
    const res = expectStatus(await server.api('GET', `${recordPath('plain')}?attachment=true`), 200);
    assert.equal(res.text, pretty);
    assert.match(res.header('content-disposition') ?? '', /^attachment; filename="plain"/);
    assert.equal(expectStatus(await server.api('GET', recordPath('plain')), 200).header('content-disposition'), null);
  });
});
