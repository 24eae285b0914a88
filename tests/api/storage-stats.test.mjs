// The `stats` of datasets and key-value stores. The stored bytes and the
// write and delete counts change with each push, record write, replace
// and delete, and lists carry the same numbers. A data dir from before
// these counters gets its sizes computed when actord opens it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';

import { ActordServer, expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

async function createStorage(collection, name = uniqueName('stats')) {
  return expectStatus(await server.api('POST', `/v2/${collection}?name=${name}`), 201).data;
}

async function getStats(collection, id, on = server) {
  return expectStatus(await on.api('GET', `/v2/${collection}/${id}`), 200).data.stats;
}

async function putRecord(storeId, key, body, headers = { 'content-type': 'text/plain' }) {
  expectStatus(await server.api('PUT', `/v2/key-value-stores/${storeId}/records/${key}`, { body, headers }), 201);
}

async function deleteRecord(storeId, key) {
  expectStatus(await server.api('DELETE', `/v2/key-value-stores/${storeId}/records/${key}`), 204);
}

describe('dataset stats', () => {
  test('new dataset has zero counters', async () => {
    const dataset = await createStorage('datasets');
    assert.deepEqual(dataset.stats, { readCount: 0, writeCount: 0, storageBytes: 0, s3StorageBytes: 0 });
  });

  test('pushes add the compact size of the items', async () => {
    const dataset = await createStorage('datasets');
    const push = (body) => server.api('POST', `/v2/datasets/${dataset.id}/items`, { body });
    // Whitespace outside strings is not stored: {"a":1} and {"b":"x y"}.
    expectStatus(await push('[ {"a": 1},\n {"b" : "x y"} ]'), 201);
    const firstBytes = '{"a":1}'.length + '{"b":"x y"}'.length;
    let stats = await getStats('datasets', dataset.id);
    assert.equal(stats.storageBytes, firstBytes);
    assert.equal(stats.s3StorageBytes, stats.storageBytes);
    assert.equal(stats.writeCount, 1);

    // One object, with a two-byte character: sizes count bytes.
    expectStatus(await push({ city: 'Zürich' }), 201);
    stats = await getStats('datasets', dataset.id);
    assert.equal(stats.storageBytes, firstBytes + Buffer.byteLength('{"city":"Zürich"}'));
    assert.equal(stats.writeCount, 2);
    assert.equal(stats.readCount, 0);

    // An empty array stores nothing but is a write request.
    expectStatus(await push([]), 201);
    stats = await getStats('datasets', dataset.id);
    assert.equal(stats.storageBytes, firstBytes + Buffer.byteLength('{"city":"Zürich"}'));
  });

  test('rejected push changes nothing', async () => {
    const dataset = await createStorage('datasets');
    expectStatus(await server.api('POST', `/v2/datasets/${dataset.id}/items`, { body: '[{"a":1}, 2]' }), 400);
    assert.deepEqual(await getStats('datasets', dataset.id), { readCount: 0, writeCount: 0, storageBytes: 0, s3StorageBytes: 0 });
  });

  test('list items carry the stats', async () => {
    const dataset = await createStorage('datasets');
    expectStatus(await server.api('POST', `/v2/datasets/${dataset.id}/items`, { body: [{ n: 1 }] }), 201);
    const list = expectStatus(await server.api('GET', '/v2/datasets?desc=1'), 200).data;
    const listed = list.items.find((item) => item.id === dataset.id);
    assert.ok(listed, `dataset ${dataset.id} is in the list`);
    assert.deepEqual(listed.stats, await getStats('datasets', dataset.id));
    assert.equal(listed.stats.s3StorageBytes, '{"n":1}'.length);
  });
});

describe('key-value store stats', () => {
  test('new store has zero counters', async () => {
    const store = await createStorage('key-value-stores');
    assert.deepEqual(store.stats, {
      readCount: 0, writeCount: 0, deleteCount: 0, listCount: 0, storageBytes: 0, s3StorageBytes: 0,
    });
  });

  test('put, replace and delete keep the size', async () => {
    const store = await createStorage('key-value-stores');
    await putRecord(store.id, 'a', 'hello');
    let stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, 5);
    assert.equal(stats.writeCount, 1);

    await putRecord(store.id, 'a', 'hello, world');
    stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, 12, 'a replaced record counts once, with its new size');
    assert.equal(stats.writeCount, 2);

    await putRecord(store.id, 'b', Buffer.from([0, 1, 2]), { 'content-type': 'application/octet-stream' });
    stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, 15);
    assert.equal(stats.writeCount, 3);

    await deleteRecord(store.id, 'a');
    stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, 3);
    assert.equal(stats.deleteCount, 1);

    // Deleting a missing key frees nothing but is a delete request.
    await deleteRecord(store.id, 'a');
    stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, 3);
    assert.equal(stats.deleteCount, 2);
    assert.equal(stats.writeCount, 3);
    assert.equal(stats.readCount, 0);
    assert.equal(stats.listCount, 0);
  });

  test('a record kept compressed counts its stored size', async () => {
    const store = await createStorage('key-value-stores');
    const text = 'compressible '.repeat(1000);
    const gzipped = zlib.gzipSync(text);
    await putRecord(store.id, 'big', gzipped, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    const stats = await getStats('key-value-stores', store.id);
    assert.equal(stats.storageBytes, gzipped.length);
    const keys = expectStatus(await server.api('GET', `/v2/key-value-stores/${store.id}/keys`), 200).data;
    assert.equal(keys.items[0].size, stats.storageBytes, 'the key list reports the same size');
  });

  test('run INPUT record counts in the default store', async () => {
    const { task } = await server.deployTask('write-record', { input: { note: 'x' } });
    await server.runSyncItems(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    const stats = await getStats('key-value-stores', run.defaultKeyValueStoreId);
    const keys = expectStatus(await server.api('GET', `/v2/key-value-stores/${run.defaultKeyValueStoreId}/keys`), 200).data;
    assert.ok(keys.items.some((item) => item.key === 'INPUT'));
    assert.equal(stats.storageBytes, keys.items.reduce((sum, item) => sum + item.size, 0));
    assert.equal(stats.writeCount, keys.items.length, 'INPUT and each record the actor wrote once');
  });

  test('list items carry the stats', async () => {
    const store = await createStorage('key-value-stores');
    await putRecord(store.id, 'k', 'four');
    const list = expectStatus(await server.api('GET', '/v2/key-value-stores?desc=1'), 200).data;
    const listed = list.items.find((item) => item.id === store.id);
    assert.ok(listed, `store ${store.id} is in the list`);
    assert.equal(listed.stats.s3StorageBytes, 4);
    assert.deepEqual(listed.stats, await getStats('key-value-stores', store.id));
  });
});

describe('data dir from before the counters', () => {
  test('sizes are computed once when the column is added', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-stats-'));
    let second;
    try {
      const first = new ActordServer({ dataDir });
      await first.start();
      const dataset = expectStatus(await first.api('POST', '/v2/datasets?name=old-items'), 201).data;
      expectStatus(await first.api('POST', `/v2/datasets/${dataset.id}/items`, { body: [{ a: 1 }, { b: 22 }] }), 201);
      const store = expectStatus(await first.api('POST', '/v2/key-value-stores?name=old-records'), 201).data;
      const headers = { 'content-type': 'text/plain' };
      expectStatus(await first.api('PUT', `/v2/key-value-stores/${store.id}/records/r1`, { body: 'abc', headers }), 201);
      expectStatus(await first.api('PUT', `/v2/key-value-stores/${store.id}/records/r2`, { body: 'defgh', headers }), 201);
      await first.stop({ removeDataDir: false });

      // Make the file look like one of an actord without the columns.
      const script = [
        'import sqlite3, sys',
        'db = sqlite3.connect(sys.argv[1])',
        'for column in ("storage_bytes", "write_count", "delete_count"):',
        '    db.execute("ALTER TABLE storages DROP COLUMN " + column)',
        'db.commit()',
      ].join('\n');
      await promisify(execFile)('python3', ['-c', script, path.join(dataDir, 'actord.sqlite3')]);

      second = new ActordServer({ dataDir, token: first.token });
      await second.start();
      assert.match(second.output, /added column storages\.storage_bytes/);
      const datasetStats = await getStats('datasets', dataset.id, second);
      assert.equal(datasetStats.storageBytes, '{"a":1}'.length + '{"b":22}'.length);
      assert.equal(datasetStats.writeCount, 0, 'writes before the column are not known');
      const storeStats = await getStats('key-value-stores', store.id, second);
      assert.equal(storeStats.storageBytes, 8);

      // Later writes go on from the computed size.
      expectStatus(await second.api('DELETE', `/v2/key-value-stores/${store.id}/records/r1`), 204);
      assert.equal((await getStats('key-value-stores', store.id, second)).storageBytes, 5);
    } finally {
      if (second) await second.stop({ removeDataDir: false });
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
