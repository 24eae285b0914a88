// Runs: the actor process environment, working directory and process group,
// the run log, the status message and the fields of the run object.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const LOG_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\s/;
// The values of meta.origin and generalAccess in the Apify API v2.
const RUN_ORIGINS = ['DEVELOPMENT', 'WEB', 'API', 'SCHEDULER', 'TEST', 'WEBHOOK', 'ACTOR', 'CLI', 'CI', 'STANDBY', 'MCP'];
const GENERAL_ACCESS_VALUES = ['ANYONE_WITH_ID_CAN_READ', 'ANYONE_WITH_NAME_CAN_READ', 'FOLLOW_USER_SETTING', 'RESTRICTED'];

describe('process environment', () => {
  let deployment;
  let item;
  let run;

  before(async () => {
    deployment = await server.deployTask('print-env', { options: { timeoutSecs: 120, memoryMbytes: 2048 } });
    const items = await server.runSyncItems(deployment.task.id, { body: {} });
    assert.equal(items.length, 1);
    item = items[0];
    run = await server.lastRun(deployment.task.id);
  });

  test('platform variables are set', () => {
    const { env } = item;
    const expected = {
      APIFY_IS_AT_HOME: '1',
      APIFY_API_BASE_URL: server.url,
      ACTOR_ID: deployment.actor.id,
      ACTOR_RUN_ID: run.id,
      ACTOR_TASK_ID: deployment.task.id,
      ACTOR_BUILD_ID: deployment.build.id,
      ACTOR_BUILD_NUMBER: '0.1.1',
      ACTOR_DEFAULT_DATASET_ID: run.defaultDatasetId,
      ACTOR_DEFAULT_KEY_VALUE_STORE_ID: run.defaultKeyValueStoreId,
      ACTOR_DEFAULT_REQUEST_QUEUE_ID: run.defaultRequestQueueId,
      ACTOR_INPUT_KEY: 'INPUT',
      ACTOR_MEMORY_MBYTES: '2048',
    };
    for (const [name, value] of Object.entries(expected)) {
      assert.equal(env[name], value, `${name} in ${JSON.stringify(env, null, 1)}`);
    }
  });

  test('public base URL and token are set', () => {
    const { env } = item;
    assert.match(env.APIFY_API_PUBLIC_BASE_URL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/?$/, 'APIFY_API_PUBLIC_BASE_URL');
    assert.ok(!/\/v2\/?$/.test(env.APIFY_API_BASE_URL), 'APIFY_API_BASE_URL must not end in /v2');
    assert.ok((env.APIFY_TOKEN ?? '').length > 0, 'APIFY_TOKEN is empty');
    assert.equal(item.tokenUser.username, 'admin', 'APIFY_TOKEN must act as the run owner');
  });

  test('start and timeout times', () => {
    const { env } = item;
    assert.match(env.ACTOR_STARTED_AT ?? '', ISO_UTC, 'ACTOR_STARTED_AT');
    assert.match(env.ACTOR_TIMEOUT_AT ?? '', ISO_UTC, 'ACTOR_TIMEOUT_AT');
    const startedAt = Date.parse(env.ACTOR_STARTED_AT);
    const timeoutAt = Date.parse(env.ACTOR_TIMEOUT_AT);
    assert.ok(Math.abs(timeoutAt - startedAt - 120_000) < 2000, `timeout ${env.ACTOR_TIMEOUT_AT} is not 120 s after ${env.ACTOR_STARTED_AT}`);
    assert.ok(Math.abs(startedAt - Date.parse(run.startedAt)) < 2000, `ACTOR_STARTED_AT ${env.ACTOR_STARTED_AT} vs run ${run.startedAt}`);
  });

  test('legacy APIFY_ aliases', () => {
    const { env } = item;
    const aliases = {
      APIFY_ACTOR_ID: deployment.actor.id,
      APIFY_ACTOR_RUN_ID: run.id,
      APIFY_ACTOR_TASK_ID: deployment.task.id,
      APIFY_ACTOR_BUILD_ID: deployment.build.id,
      APIFY_ACTOR_BUILD_NUMBER: '0.1.1',
      APIFY_DEFAULT_DATASET_ID: run.defaultDatasetId,
      APIFY_DEFAULT_KEY_VALUE_STORE_ID: run.defaultKeyValueStoreId,
      APIFY_DEFAULT_REQUEST_QUEUE_ID: run.defaultRequestQueueId,
      APIFY_INPUT_KEY: 'INPUT',
      APIFY_MEMORY_MBYTES: '2048',
      APIFY_STARTED_AT: env.ACTOR_STARTED_AT,
      APIFY_TIMEOUT_AT: env.ACTOR_TIMEOUT_AT,
    };
    for (const [name, value] of Object.entries(aliases)) {
      assert.equal(env[name], value, `${name} in ${JSON.stringify(env, null, 1)}`);
    }
  });

  test('default storages exist at start', () => {
    assert.deepEqual(item.storages, {
      datasets: run.defaultDatasetId,
      'key-value-stores': run.defaultKeyValueStoreId,
      'request-queues': run.defaultRequestQueueId,
    });
  });

  test('cwd holds the build files', () => {
    assert.ok(item.files.includes('main.py'), `files in ${item.cwd}: ${item.files}`);
    assert.ok(item.files.includes('.actor/actor.json'), `files in ${item.cwd}: ${item.files}`);
    assert.ok(item.files.includes('Dockerfile'), `files in ${item.cwd}: ${item.files}`);
  });

  test('runs in its own process group', async () => {
    const serverGroup = await server.processGroupId();
    assert.notEqual(item.pgid, serverGroup, 'the actor shares actord’s process group');
    assert.notEqual(item.pgid, 0);
  });

  test('memory override reaches the process', async () => {
    const items = await server.runSyncItems(deployment.task.id, { body: {}, query: { memory: '512', timeout: '30' } });
    assert.equal(items[0].env.ACTOR_MEMORY_MBYTES, '512');
    const overridden = await server.lastRun(deployment.task.id);
    assert.equal(overridden.options.memoryMbytes, 512);
    assert.equal(overridden.options.timeoutSecs, 30);
    const startedAt = Date.parse(items[0].env.ACTOR_STARTED_AT);
    const timeoutAt = Date.parse(items[0].env.ACTOR_TIMEOUT_AT);
    assert.ok(Math.abs(timeoutAt - startedAt - 30_000) < 2000, 'timeout=30 must set ACTOR_TIMEOUT_AT 30 s after the start');
  });
});

describe('run object', () => {
  let deployment;
  let run;

  before(async () => {
    deployment = await server.deployTask('push-items', { input: { count: 2 } });
    await server.runSyncItems(deployment.task.id, { body: {} });
    run = await server.lastRun(deployment.task.id);
  });

  test('has every required field', async () => {
    const me = await server.me();
    const res = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}`), 200);
    const data = res.data;

    assert.equal(data.id, run.id);
    assert.equal(data.actId, deployment.actor.id);
    assert.equal(data.userId, me.id);
    assert.equal(data.actorTaskId, deployment.task.id);

    assert.match(data.startedAt, ISO_UTC);
    assert.match(data.finishedAt, ISO_UTC);
    assert.ok(Date.parse(data.finishedAt) >= Date.parse(data.startedAt));
    assert.equal(data.status, 'SUCCEEDED');
    assert.ok('statusMessage' in data, 'statusMessage missing');
    assert.ok(RUN_ORIGINS.includes(data.meta?.origin), `meta.origin: ${JSON.stringify(data.meta)}`);
    assert.equal(typeof data.stats, 'object');
    assert.notEqual(data.stats, null);

    // The requested tag or the number it resolved to.
    assert.ok(['latest', '0.1.1'].includes(data.options.build), `options.build: ${data.options.build}`);
    assert.equal(data.options.timeoutSecs, 60);
    assert.equal(data.options.memoryMbytes, 1024);
    assert.equal(typeof data.options.diskMbytes, 'number');

    assert.equal(data.buildId, deployment.build.id);
    assert.equal(data.buildNumber, '0.1.1');
    assert.equal(data.exitCode, 0);
    for (const field of ['defaultDatasetId', 'defaultKeyValueStoreId', 'defaultRequestQueueId']) {
      assert.equal(typeof data[field], 'string', field);
      assert.ok(data[field].length > 0, field);
    }
    assert.ok(GENERAL_ACCESS_VALUES.includes(data.generalAccess), `generalAccess: ${data.generalAccess}`);
  });

  test('each run has its own storages', async () => {
    await server.runSyncItems(deployment.task.id, { body: {} });
    const second = await server.lastRun(deployment.task.id);
    assert.notEqual(second.id, run.id);
    assert.notEqual(second.defaultDatasetId, run.defaultDatasetId);
    assert.notEqual(second.defaultKeyValueStoreId, run.defaultKeyValueStoreId);
    assert.notEqual(second.defaultRequestQueueId, run.defaultRequestQueueId);
  });

  test('unknown run is 404', async () => {
    expectError(await server.api('GET', '/v2/actor-runs/NoSuchRunId12345'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actor-runs/NoSuchRunId12345/log'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/logs/NoSuchRunId12345'), 404, 'record-not-found');
  });
});

describe('exit codes', () => {
  let task;

  before(async () => {
    ({ task } = await server.deployTask('fail-exit'));
  });

  test('exit 1 is FAILED', async () => {
    await server.runSync(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exitCode, 1);
    assert.match(run.finishedAt, ISO_UTC);
  });

  test('exit 3 is FAILED with code 3', async () => {
    await server.runSync(task.id, { body: { exitCode: 3 } });
    const run = await server.lastRun(task.id);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exitCode, 3);
  });

  test('exit 0 is SUCCEEDED', async () => {
    const items = await server.runSyncItems(task.id, { body: { exitCode: 0 } });
    assert.deepEqual(items, [{ pushedBeforeFailure: true }]);
    const run = await server.lastRun(task.id);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.exitCode, 0);
  });
});

describe('run timeout', () => {
  test('timeout ends the run TIMED-OUT', async () => {
    const { task } = await server.deployTask('sleep', { input: { seconds: 30 } });
    const started = Date.now();
    const res = await server.runSync(task.id, { body: {}, query: { timeout: '1' } });
    const run = await server.lastRun(task.id);
    const error = expectError(res, 400, 'run-failed');
    assert.equal(error.message, `Actor run did not succeed (run ID: ${run.id}, status: TIMED-OUT)`);
    assert.equal(run.status, 'TIMED-OUT');
    assert.ok(Date.now() - started < 20_000, 'a 1 s timeout took over 20 s to end the run');
  });
});

describe('log', () => {
  let run;

  before(async () => {
    const { task } = await server.deployTask('print-env');
    await server.runSyncItems(task.id, { body: {} });
    run = await server.lastRun(task.id);
  });

  test('holds stdout and stderr', async () => {
    for (const target of [`/v2/actor-runs/${run.id}/log`, `/v2/logs/${run.id}`]) {
      const res = expectStatus(await server.api('GET', target), 200);
      assert.match(res.header('content-type') ?? '', /^text\/plain/, res.describe());
      assert.match(res.text, /print-env: stdout marker line/, `${target}: ${res.text}`);
      assert.match(res.text, /print-env: stderr marker line/, `${target}: ${res.text}`);
    }
  });

  test('lines start with a UTC timestamp', async () => {
    const res = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log`), 200);
    const lines = res.text.split('\n').filter((line) => line.length > 0);
    assert.ok(lines.length >= 2, res.text);
    for (const line of lines) {
      assert.match(line, LOG_LINE, `log line without a timestamp: ${JSON.stringify(line)}`);
    }
    const marker = lines.find((line) => line.includes('print-env: stdout marker line'));
    const stamp = Date.parse(marker.split(/\s/)[0]);
    assert.ok(Math.abs(stamp - Date.parse(run.startedAt)) < 10_000, `log time ${marker} vs start ${run.startedAt}`);
  });

  test('failed run log has stderr', async () => {
    const { task } = await server.deployTask('fail-exit');
    await server.runSync(task.id, { body: {} });
    const failed = await server.lastRun(task.id);
    const res = expectStatus(await server.api('GET', `/v2/logs/${failed.id}`), 200);
    assert.match(res.text, /fail-exit: exiting with code 1/);
    assert.match(res.text, /fail-exit: about to fail/);
  });
});

describe('status message', () => {
  test('actor sets its status message', async () => {
    const { task } = await server.deployTask('status-message');
    const items = await server.runSyncItems(task.id, { body: { message: 'Crawled 5 of 7 pages' } });
    assert.deepEqual(items, [{ statusMessage: 'Crawled 5 of 7 pages' }]);
    const run = await server.lastRun(task.id);
    assert.equal(run.statusMessage, 'Crawled 5 of 7 pages');
  });

  test('PUT sets the status message', async () => {
    const { task } = await server.deployTask('push-items', { input: { count: 1 } });
    await server.runSyncItems(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    const put = await server.api('PUT', `/v2/actor-runs/${run.id}`, { body: { statusMessage: 'Checked by hand' } });
    expectStatus(put, 200);
    assert.equal(put.data.statusMessage, 'Checked by hand');
    const got = await server.getRun(run.id);
    assert.equal(got.statusMessage, 'Checked by hand');
    assert.equal(got.status, 'SUCCEEDED');
  });
});

describe('runs/last', () => {
  test('status picks the last run of that status', async () => {
    const { actor, task } = await server.deployTask('fail-exit');
    await server.runSync(task.id, { body: { exitCode: 0 } });
    const succeeded = await server.lastRun(task.id);
    await server.runSync(task.id, { body: { exitCode: 2 } });
    const failed = await server.lastRun(task.id);
    assert.equal(succeeded.status, 'SUCCEEDED');
    assert.equal(failed.status, 'FAILED');

    for (const base of [`/v2/actor-tasks/${task.id}`, `/v2/acts/${actor.id}`]) {
      const last = expectStatus(await server.api('GET', `${base}/runs/last`), 200);
      assert.equal(last.data.id, failed.id, base);
      const lastOk = expectStatus(await server.api('GET', `${base}/runs/last?status=SUCCEEDED`), 200);
      assert.equal(lastOk.data.id, succeeded.id, base);
      const items = expectStatus(await server.api('GET', `${base}/runs/last/dataset/items?status=SUCCEEDED`), 200);
      assert.deepEqual(items.json, [{ pushedBeforeFailure: true }], base);
      expectError(await server.api('GET', `${base}/runs/last?status=ABORTED`), 404, 'record-not-found');
      const bad = expectError(await server.api('GET', `${base}/runs/last?status=DONE`), 400, 'invalid-input');
      assert.match(bad.message, /'status'.*'DONE'/, base);
    }
  });

  test('an actor without runs is 404', async () => {
    const { actor } = await server.deployTask('fail-exit');
    expectError(await server.api('GET', `/v2/acts/${actor.id}/runs/last`), 404, 'record-not-found');
    expectError(await server.api('GET', `/v2/actors/${actor.id}/runs/last`), 404, 'record-not-found');
  });
});
