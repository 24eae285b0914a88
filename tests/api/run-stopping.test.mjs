// A run being stopped shows it: TIMING-OUT after its timeout, ABORTING
// after an abort, until the grace period (--kill-grace-secs) ends in a
// SIGKILL. The fixture actor ignores SIGTERM, so the states last.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectStatus, sleep, useServer } from './lib/harness.mjs';

const GRACE_SECS = 3;
const server = useServer({ killGraceSecs: GRACE_SECS });
let taskId;

before(async () => {
  taskId = (await server.deployTask('ignore-term')).task.id;
});

/** Polls the run until its status is `status`; returns the run then. */
async function waitForStatus(runId, status, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = expectStatus(await server.api('GET', `/v2/actor-runs/${runId}`), 200).data;
    if (run.status === status) return run;
    assert.ok(Date.now() < deadline, `run ${runId} is ${run.status}, never ${status}`);
    await sleep(100);
  }
}

/** Waits until the actor has set SIGTERM aside, which its log shows. */
async function waitForIgnoring(runId) {
  for (let i = 0; i < 150; i++) {
    const log = await server.api('GET', `/v2/actor-runs/${runId}/log`);
    if (log.text.includes('ignore-term: ignoring SIGTERM')) return;
    await sleep(100);
  }
  assert.fail(`run ${runId} never logged that it ignores SIGTERM`);
}

async function startRun(query = {}) {
  const search = new URLSearchParams(query).toString();
  const res = await server.api('POST', `/v2/actor-tasks/${taskId}/runs?${search}`, { body: {} });
  return expectStatus(res, 201).data;
}

describe('stopping states', () => {
  test('TIMING-OUT, then TIMED-OUT after the grace period', async () => {
    const run = await startRun({ timeout: '2' });
    await waitForStatus(run.id, 'TIMING-OUT');
    const seenAt = Date.now();
    const done = await waitForStatus(run.id, 'TIMED-OUT');
    assert.ok(Date.now() - seenAt >= (GRACE_SECS - 1) * 1000, 'TIMED-OUT came before the grace period ended');
    assert.ok(done.finishedAt);
  });

  test('graceful abort is ABORTING until the grace period ends', async () => {
    const run = await startRun();
    await waitForIgnoring(run.id);
    const res = await server.api('POST', `/v2/actor-runs/${run.id}/abort?gracefully=true`);
    assert.equal(expectStatus(res, 200).data.status, 'ABORTING');
    await sleep(1000);
    assert.equal(expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}`), 200).data.status, 'ABORTING');
    const done = await waitForStatus(run.id, 'ABORTED');
    assert.equal(done.statusMessage, 'The run was aborted.');
  });

  test('abort without grace kills at once', async () => {
    const run = await startRun();
    await waitForIgnoring(run.id);
    const started = Date.now();
    expectStatus(await server.api('POST', `/v2/actor-runs/${run.id}/abort`), 200);
    await waitForStatus(run.id, 'ABORTED');
    assert.ok(Date.now() - started < (GRACE_SECS - 1) * 1000, `took ${Date.now() - started} ms`);
  });
});
