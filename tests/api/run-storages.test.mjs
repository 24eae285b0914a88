// The storage aliases of a run: /v2/actor-runs/:runId/dataset and
// /key-value-store, and the runs/last forms of tasks and actors, reach the
// run's default storages and respond as the storage routes do.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();

let task;
let run;

before(async () => {
  ({ task } = await server.deployTask('write-record', { input: { note: 'alias' } }));
  await server.runSyncItems(task.id, { body: {} });
  run = await server.lastRun(task.id);
});

describe('/v2/actor-runs/:runId aliases', () => {
  test('dataset object, push, statistics', async () => {
    const base = `/v2/actor-runs/${run.id}/dataset`;
    assert.equal(expectStatus(await server.api('GET', base), 200).data.id, run.defaultDatasetId);
    const before = expectStatus(await server.api('GET', base), 200).data.itemCount;
    expectStatus(await server.api('POST', `${base}/items`, { body: [{ via: 'alias' }] }), 201);
    const after = expectStatus(await server.api('GET', `/v2/datasets/${run.defaultDatasetId}`), 200).data;
    assert.equal(after.itemCount, before + 1);
    expectStatus(await server.api('GET', `${base}/statistics`), 200);
  });

  test('key-value store object, keys and records', async () => {
    const base = `/v2/actor-runs/${run.id}/key-value-store`;
    assert.equal(expectStatus(await server.api('GET', base), 200).data.id, run.defaultKeyValueStoreId);
    const keys = expectStatus(await server.api('GET', `${base}/keys`), 200).data.items.map((i) => i.key);
    assert.ok(keys.includes('INPUT') && keys.includes('OUTPUT'), `keys: ${keys}`);

    const input = expectStatus(await server.api('GET', `${base}/records/INPUT`), 200);
    assert.deepEqual(input.json, { note: 'alias' });

    expectStatus(await server.api('PUT', `${base}/records/via-run`, { body: { a: 1 } }), 201);
    const stored = expectStatus(await server.api('GET', `/v2/key-value-stores/${run.defaultKeyValueStoreId}/records/via-run`), 200);
    assert.deepEqual(stored.json, { a: 1 });
    expectStatus(await server.api('DELETE', `${base}/records/via-run`), 204);
    expectError(await server.api('GET', `${base}/records/via-run`), 404, 'record-not-found');
  });

  test('request queue object', async () => {
    const res = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/request-queue`), 200);
    assert.equal(res.data.id, run.defaultRequestQueueId);
  });

  test('unknown run is 404; another user is 403', async () => {
    expectError(await server.api('GET', '/v2/actor-runs/NoSuchRun12345678/dataset'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actor-runs/NoSuchRun12345678/key-value-store/records/INPUT'), 404, 'record-not-found');
    const other = await server.addUser('alias-other');
    expectError(await server.api('GET', `/v2/actor-runs/${run.id}/key-value-store/records/INPUT`, { token: other }), 403, 'permission-denied');
  });
});

describe('runs/last aliases', () => {
  test('of a task', async () => {
    const base = `/v2/actor-tasks/${task.id}/runs/last`;
    assert.equal(expectStatus(await server.api('GET', `${base}/dataset`), 200).data.id, run.defaultDatasetId);
    assert.equal(expectStatus(await server.api('GET', `${base}/key-value-store`), 200).data.id, run.defaultKeyValueStoreId);
    const keys = expectStatus(await server.api('GET', `${base}/key-value-store/keys`), 200).data;
    assert.ok(keys.items.some((i) => i.key === 'OUTPUT'));
    const output = expectStatus(await server.api('GET', `${base}/key-value-store/records/OUTPUT?status=SUCCEEDED`), 200);
    assert.deepEqual(output.json, { ok: true, count: 3 });
    expectError(await server.api('GET', `${base}/dataset?status=ABORTED`), 404, 'record-not-found');
  });

  test('of an actor', async () => {
    const base = `/v2/acts/${task.actId}/runs/last`;
    assert.equal(expectStatus(await server.api('GET', `${base}/dataset`), 200).data.id, run.defaultDatasetId);
    const output = expectStatus(await server.api('GET', `${base}/key-value-store/records/OUTPUT`), 200);
    assert.deepEqual(output.json, { ok: true, count: 3 });
    assert.equal(expectStatus(await server.api('GET', `/v2/actors/${task.actId}/runs/last/key-value-store`), 200).data.id, run.defaultKeyValueStoreId);
  });
});

// Last, since it starts the task's newest run.
describe('a deleted default storage', () => {
  test('is 404 through the run, not a server error', async () => {
    await server.runSyncItems(task.id, { body: {} });
    const fresh = await server.lastRun(task.id);
    expectStatus(await server.api('DELETE', `/v2/actor-runs/${fresh.id}/dataset`), 204);
    expectError(await server.api('GET', `/v2/actor-runs/${fresh.id}/dataset`), 404, 'record-not-found');
    expectError(await server.api('GET', `/v2/actor-runs/${fresh.id}/dataset/items`), 404, 'record-not-found');
    expectStatus(await server.api('DELETE', `/v2/actor-runs/${fresh.id}/key-value-store`), 204);
    expectError(await server.api('GET', `/v2/actor-runs/${fresh.id}/key-value-store/records/INPUT`), 404, 'record-not-found');
  });
});
