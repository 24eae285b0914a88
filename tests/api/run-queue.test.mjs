// Runs past --max-concurrent-runs or --memory-total-mbytes wait as READY
// and start in the order they were made. A run that needs more memory
// than the whole total fails at once. An abort takes a waiting run out.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ActordServer, expectStatus, sleep } from './lib/harness.mjs';

/** Starts a run of the task (input seconds) with the given query. */
async function startRun(server, taskId, seconds, query = {}) {
  const search = new URLSearchParams(query).toString();
  const res = await server.api('POST', `/v2/actor-tasks/${taskId}/runs?${search}`, { body: { seconds } });
  return expectStatus(res, 201).data.id;
}

async function statusOf(server, runId) {
  return expectStatus(await server.api('GET', `/v2/actor-runs/${runId}`), 200).data.status;
}

/** Polls until the run has `status`. */
async function waitFor(server, runId, status, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await statusOf(server, runId);
    if (now === status) return;
    assert.ok(Date.now() < deadline, `run ${runId} is ${now}, never ${status}`);
    await sleep(100);
  }
}

describe('at most one run at a time', () => {
  const server = new ActordServer({ args: ['--max-concurrent-runs', '1'] });
  let taskId;

  before(async () => {
    await server.start();
    taskId = (await server.deployTask('sleep')).task.id;
  });
  after(() => server.stop());

  test('runs wait and start in order', async () => {
    const first = await startRun(server, taskId, 2);
    const second = await startRun(server, taskId, 1);
    const third = await startRun(server, taskId, 0);
    await waitFor(server, first, 'RUNNING');
    assert.equal(await statusOf(server, second), 'READY');
    assert.equal(await statusOf(server, third), 'READY');
    await waitFor(server, second, 'RUNNING');
    assert.equal(await statusOf(server, first), 'SUCCEEDED');
    assert.equal(await statusOf(server, third), 'READY');
    await waitFor(server, third, 'SUCCEEDED');
  });

  test('abort takes a waiting run out', async () => {
    const running = await startRun(server, taskId, 3);
    const waiting = await startRun(server, taskId, 0);
    await waitFor(server, running, 'RUNNING');
    expectStatus(await server.api('POST', `/v2/actor-runs/${waiting}/abort`), 200);
    await waitFor(server, waiting, 'ABORTED');
    assert.equal(await statusOf(server, running), 'RUNNING', 'the running run goes on');
    await waitFor(server, running, 'SUCCEEDED');
  });
});

describe('memory total', () => {
  const server = new ActordServer({ args: ['--memory-total-mbytes', '1024'] });
  let taskId;

  before(async () => {
    await server.start();
    taskId = (await server.deployTask('sleep')).task.id;
  });
  after(() => server.stop());

  test('runs that fit start, the next waits', async () => {
    const a = await startRun(server, taskId, 2, { memory: '512' });
    const b = await startRun(server, taskId, 2, { memory: '512' });
    const c = await startRun(server, taskId, 0, { memory: '256' });
    await waitFor(server, a, 'RUNNING');
    await waitFor(server, b, 'RUNNING');
    assert.equal(await statusOf(server, c), 'READY');
    await waitFor(server, c, 'SUCCEEDED');
  });

  test('a run larger than the total fails', async () => {
    const big = await startRun(server, taskId, 0, { memory: '2048' });
    await waitFor(server, big, 'FAILED');
    const run = expectStatus(await server.api('GET', `/v2/actor-runs/${big}`), 200).data;
    assert.match(run.statusMessage, /2048 MB of memory, more than the 1024 MB/);
  });
});
