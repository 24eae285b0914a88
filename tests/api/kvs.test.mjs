// Key-value stores as an actor uses them: the store object, the INPUT
// record, and records stored and served with their Content-Type.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();

let run;

before(async () => {
  const { task } = await server.deployTask('write-record', { input: { note: 'kept in INPUT' } });
  const items = await server.runSyncItems(task.id, { body: {} });
  assert.deepEqual(items, [{ keys: ['OUTPUT', 'greeting.txt', 'blob'] }]);
  run = await server.lastRun(task.id);
});

function recordPath(key, storeId = run.defaultKeyValueStoreId) {
  return `/v2/key-value-stores/${storeId}/records/${encodeURIComponent(key)}`;
}

describe('store object', () => {
  test('GET returns the store', async () => {
    const res = expectStatus(await server.api('GET', `/v2/key-value-stores/${run.defaultKeyValueStoreId}`), 200);
    assert.equal(res.data.id, run.defaultKeyValueStoreId);
  });

  test('unknown store is 404', async () => {
    expectError(await server.api('GET', '/v2/key-value-stores/NoSuchStore12345'), 404, 'record-not-found');
    expectError(await server.api('GET', recordPath('INPUT', 'NoSuchStore12345')), 404, 'record-not-found');
  });
});

describe('records written by the actor', () => {
  test('INPUT record holds the input', async () => {
    const res = expectStatus(await server.api('GET', recordPath('INPUT')), 200);
    assert.match(res.header('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json, { note: 'kept in INPUT' });
  });

  test('JSON record', async () => {
    const res = expectStatus(await server.api('GET', recordPath('OUTPUT')), 200);
    assert.match(res.header('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json, { ok: true, count: 3 });
  });

  test('text record', async () => {
    const res = expectStatus(await server.api('GET', recordPath('greeting.txt')), 200);
    assert.match(res.header('content-type') ?? '', /^text\/plain/);
    assert.equal(res.text, 'hello from the actor');
  });

  test('binary record', async () => {
    const res = expectStatus(await server.api('GET', recordPath('blob')), 200);
    assert.match(res.header('content-type') ?? '', /^application\/octet-stream/);
    assert.deepEqual(res.body, Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  });

  test('missing record is 404', async () => {
    expectError(await server.api('GET', recordPath('NO_SUCH_KEY')), 404, 'record-not-found');
  });
});

describe('records written over the API', () => {
  async function put(key, body, contentType) {
    return server.api('PUT', recordPath(key), { body, headers: { 'content-type': contentType } });
  }

  test('PUT then GET keeps bytes and type', async () => {
    const cases = [
      ['api-json', '{"b": [1, 2.50, "x"]}', 'application/json; charset=utf-8'],
      ['api-text', 'plain text, ünïcödé', 'text/plain; charset=utf-8'],
      ['api-html', '<p>Hello</p>', 'text/html'],
      ['api-binary', Buffer.from([0, 255, 1, 254, 0, 0, 10, 13]), 'application/octet-stream'],
      ['api-image', Buffer.from('89504e470d0a1a0a0000', 'hex'), 'image/png'],
    ];
    for (const [key, body, contentType] of cases) {
      expectStatus(await put(key, body, contentType), 201);
      const res = expectStatus(await server.api('GET', recordPath(key)), 200);
      assert.equal(res.header('content-type'), contentType, `Content-Type of ${key}`);
      assert.deepEqual(res.body, Buffer.from(body), `body of ${key}`);
    }
  });

  test('PUT overwrites a record', async () => {
    expectStatus(await put('overwritten', 'first', 'text/plain'), 201);
    expectStatus(await put('overwritten', '{"second": true}', 'application/json'), 201);
    const res = expectStatus(await server.api('GET', recordPath('overwritten')), 200);
    assert.match(res.header('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json, { second: true });
  });

  test('empty record', async () => {
    expectStatus(await put('empty', '', 'text/plain'), 201);
    const res = expectStatus(await server.api('GET', recordPath('empty')), 200);
    assert.equal(res.body.length, 0);
  });

  test('key with allowed punctuation', async () => {
    const key = 'a-b_c.d!e(f)g\'h';
    expectStatus(await put(key, 'punctuated', 'text/plain'), 201);
    const res = expectStatus(await server.api('GET', recordPath(key)), 200);
    assert.equal(res.text, 'punctuated');
  });

  test('another user cannot write', async () => {
    const otherToken = await server.addUser('kvs-outsider');
    const res = await server.api('PUT', recordPath('OUTPUT'), {
      token: otherToken,
      body: '{"stolen": true}',
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 403, 'permission-denied');
    const unchanged = expectStatus(await server.api('GET', recordPath('OUTPUT')), 200);
    assert.deepEqual(unchanged.json, { ok: true, count: 3 });
  });
});
