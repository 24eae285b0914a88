// Datasets as an actor uses them: read the dataset, push items, list items
// with format, offset, limit and desc.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { NO_LIMIT, expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();

let task;

before(async () => {
  ({ task } = await server.deployTask('push-items', { input: { count: 0 } }));
});

/** Runs the task once, pushing nothing, and returns its empty default dataset's ID. */
async function emptyDataset() {
  await server.runSyncItems(task.id, { body: {} });
  return (await server.lastRun(task.id)).defaultDatasetId;
}

async function pushItems(datasetId, body, headers) {
  return server.api('POST', `/v2/datasets/${datasetId}/items`, { body, headers });
}

async function listItems(datasetId, query = {}) {
  const search = new URLSearchParams(query).toString();
  return server.api('GET', `/v2/datasets/${datasetId}/items${search ? `?${search}` : ''}`);
}

describe('dataset object', () => {
  test('GET returns the dataset', async () => {
    await server.runSyncItems(task.id, { body: { count: 4 } });
    const run = await server.lastRun(task.id);
    const res = expectStatus(await server.api('GET', `/v2/datasets/${run.defaultDatasetId}`), 200);
    assert.equal(res.data.id, run.defaultDatasetId);
    assert.equal(res.data.itemCount, 4);
  });

  test('unknown dataset is 404', async () => {
    expectError(await server.api('GET', '/v2/datasets/NoSuchDataset123'), 404, 'record-not-found');
    expectError(await listItems('NoSuchDataset123'), 404, 'record-not-found');
    expectError(await pushItems('NoSuchDataset123', { a: 1 }), 404, 'record-not-found');
  });
});

describe('push', () => {
  test('one object is 201', async () => {
    const datasetId = await emptyDataset();
    expectStatus(await pushItems(datasetId, { a: 1 }), 201);
    const res = expectStatus(await listItems(datasetId), 200);
    assert.deepEqual(res.json, [{ a: 1 }]);
  });

  test('array of objects is 201', async () => {
    const datasetId = await emptyDataset();
    expectStatus(await pushItems(datasetId, [{ a: 1 }, { b: { c: [1, 2] } }]), 201);
    expectStatus(await pushItems(datasetId, [{ d: null }]), 201);
    const res = expectStatus(await listItems(datasetId), 200);
    assert.deepEqual(res.json, [{ a: 1 }, { b: { c: [1, 2] } }, { d: null }]);
    const dataset = expectStatus(await server.api('GET', `/v2/datasets/${datasetId}`), 200).data;
    assert.equal(dataset.itemCount, 3);
  });

  test('invalid items are 400', async () => {
    const datasetId = await emptyDataset();
    const cases = [
      ['a string', '"text"'],
      ['a number', '42'],
      ['null', 'null'],
      ['a boolean', 'true'],
      ['array of numbers', '[1, 2]'],
      ['array with a string', '[{"a": 1}, "b"]'],
      ['nested arrays', '[[{"a": 1}]]'],
      ['array with null', '[{"a": 1}, null]'],
      ['not JSON', '{"a": '],
      ['trailing garbage', '{"a": 1} x'],
      ['empty body', ''],
    ];
    for (const [label, body] of cases) {
      const res = await pushItems(datasetId, body, { 'content-type': 'application/json' });
      assert.equal(res.status, 400, `${label}: ${res.describe()}`);
      assert.equal(res.json?.error?.type, 'invalid-input', `${label}: ${res.describe()}`);
    }
    const res = expectStatus(await listItems(datasetId), 200);
    assert.deepEqual(res.json, [], 'a rejected push stored items');
  });

  test('Unicode and escapes round-trip', async () => {
    const datasetId = await emptyDataset();
    const item = {
      text: 'Grüße, 你好, 🙂',
      escapes: 'tab\there\nnewline "quoted" back\\slash \u0001 \u2028',
      'key with spaces and ✓': true,
    };
    expectStatus(await pushItems(datasetId, item), 201);
    const res = expectStatus(await listItems(datasetId), 200);
    assert.deepEqual(res.json, [item]);
  });

  test('another user cannot push', async () => {
    const datasetId = await emptyDataset();
    const otherToken = await server.addUser('dataset-outsider');
    const res = await server.api('POST', `/v2/datasets/${datasetId}/items`, { token: otherToken, body: { a: 1 } });
    expectError(res, 403, 'permission-denied');
    assert.deepEqual(expectStatus(await listItems(datasetId), 200).json, []);
  });
});

describe('list items', () => {
  let datasetId;

  before(async () => {
    datasetId = await emptyDataset();
    const items = Array.from({ length: 10 }, (_, index) => ({ index }));
    expectStatus(await pushItems(datasetId, items), 201);
  });

  test('GET is 200 with headers', async () => {
    const res = expectStatus(await listItems(datasetId), 200);
    assert.match(res.header('content-type') ?? '', /^application\/json(;\s*charset=utf-8)?$/i);
    assert.equal(res.json.length, 10);
    assert.equal(res.header('x-apify-pagination-offset'), '0');
    assert.equal(res.header('x-apify-pagination-limit'), NO_LIMIT);
    assert.equal(res.header('x-apify-pagination-count'), '10');
    assert.equal(res.header('x-apify-pagination-total'), '10');
    assert.match(res.header('x-apify-pagination-desc') ?? '', /^(false|0)$/);
  });

  test('offset, limit and desc', async () => {
    const res = expectStatus(await listItems(datasetId, { offset: '1', limit: '2', desc: '1' }), 200);
    assert.deepEqual(res.json, [{ index: 8 }, { index: 7 }]);
    assert.equal(res.header('x-apify-pagination-offset'), '1');
    assert.equal(res.header('x-apify-pagination-limit'), '2');
    assert.equal(res.header('x-apify-pagination-count'), '2');
    assert.equal(res.header('x-apify-pagination-total'), '10');
    assert.match(res.header('x-apify-pagination-desc') ?? '', /^(true|1)$/);
  });

  test('jsonl format', async () => {
    const res = expectStatus(await listItems(datasetId, { format: 'jsonl', limit: '3' }), 200);
    assert.match(res.header('content-type') ?? '', /^application\/jsonl(;\s*charset=utf-8)?$/i);
    assert.equal(res.text, '{"index":0}\n{"index":1}\n{"index":2}\n');
  });

  test('bad parameters are 400', async () => {
    for (const [name, value] of [
      ['limit', 'ten'],
      ['offset', '-1'],
      ['format', 'pdf'],
    ]) {
      const error = expectError(await listItems(datasetId, { [name]: value }), 400, 'invalid-input');
      assert.ok(error.message.includes(name), `the message does not name ${name}: ${error.message}`);
    }
  });

  test('new items appear at the end', async () => {
    const otherId = await emptyDataset();
    expectStatus(await pushItems(otherId, [{ n: 1 }, { n: 2 }]), 201);
    expectStatus(await pushItems(otherId, { n: 3 }), 201);
    const res = expectStatus(await listItems(otherId, { offset: '2' }), 200);
    assert.deepEqual(res.json, [{ n: 3 }]);
    assert.equal(res.header('x-apify-pagination-total'), '3');
  });
});
