// Rate limits per user and resource: a burst of up to the limit passes,
// the requests after it are 429 rate-limit-exceeded with Retry-After,
// every response has X-RateLimit-Limit, and other resources and other
// users have buckets of their own. actord's defaults are those of the
// platform: 60, 200 for records, 400 for runs and pushes. This server uses
// small ones, so that a burst fits in much less than a second.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, runActordCli, useServer } from './lib/harness.mjs';

const LIMITS = { standard: 5, records: 8, runs: 3 };
const server = useServer({ rateLimits: LIMITS });
let datasetId;
let kvsId;
let taskId;

before(async () => {
  const { task } = await server.deployTask('echo-input');
  taskId = task.id;
  await server.runSyncItems(taskId, { body: {} });
  const run = await server.lastRun(taskId);
  datasetId = run.defaultDatasetId;
  kvsId = run.defaultKeyValueStoreId;
  // The setup used up part of the buckets; they refill in a second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
});

/** Sends count requests at once; returns the responses. */
async function burst(count, send) {
  const results = await Promise.all(Array.from({ length: count }, () => send()));
  return results;
}

function statuses(results) {
  return results.map((res) => res.status).sort();
}

describe('rate limits', () => {
  test('burst over the standard limit', async () => {
    const results = await burst(12, () => server.api('GET', `/v2/datasets/${datasetId}`));
    const ok = results.filter((res) => res.status === 200);
    const limited = results.filter((res) => res.status === 429);
    assert.ok(ok.length >= LIMITS.standard, `statuses ${statuses(results)}`);
    assert.ok(ok.length < 12, `statuses ${statuses(results)}`);
    assert.ok(limited.length > 0, `statuses ${statuses(results)}`);
    for (const res of results) assert.equal(res.header('x-ratelimit-limit'), String(LIMITS.standard));
    const error = expectError(limited[0], 429, 'rate-limit-exceeded');
    assert.match(error.message, /5 requests per second/);
    assert.equal(limited[0].header('retry-after'), '1');
  });

  test('bucket refills', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expectStatus(await server.api('GET', `/v2/datasets/${datasetId}`), 200);
  });

  test('records and runs have their own limits', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const records = await burst(16, () => server.api('GET', `/v2/key-value-stores/${kvsId}/records/INPUT`));
    assert.equal(records[0].header('x-ratelimit-limit'), String(LIMITS.records));
    assert.ok(records.some((res) => res.status === 429), `statuses ${statuses(records)}`);
    assert.ok(records.filter((res) => res.status === 200).length >= LIMITS.records);

    const pushes = await burst(8, () => server.api('POST', `/v2/datasets/${datasetId}/items`, { body: [{ a: 1 }] }));
    assert.equal(pushes[0].header('x-ratelimit-limit'), String(LIMITS.runs));
    assert.ok(pushes.some((res) => res.status === 429), `statuses ${statuses(pushes)}`);
  });

  test('other resources and users are separate', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await burst(12, () => server.api('GET', `/v2/datasets/${datasetId}`));
    // Same user, another resource: a bucket of its own.
    expectStatus(await server.api('GET', `/v2/key-value-stores/${kvsId}`), 200);
    // Another user, the same dataset (readable by id): a bucket of its own.
    const token = await server.addUser(`limited${Date.now()}`);
    const other = await server.api('GET', `/v2/datasets/${datasetId}`, { token });
    assert.notEqual(other.status, 429, other.describe());
  });

  test('limits are checked at start', async () => {
    const result = await runActordCli(['serve', '--rate-limit', 'fast']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--rate-limit must be an integer/);
  });
});
