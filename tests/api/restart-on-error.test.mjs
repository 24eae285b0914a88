// restartOnError: a run that fails starts again in place, with the same
// id, storages and log, at most 3 times in 60 s, counted in
// stats.restartCount; the process gets ACTOR_RESTART_ON_ERROR=1. After a
// crash of actord, the next start restarts its runs that have the option
// and ends the others.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { ActordServer, expectError, expectStatus, sleep, useServer } from './lib/harness.mjs';

const server = useServer();
let taskId;

before(async () => {
  taskId = (await server.deployTask('flaky')).task.id;
});

describe('restartOnError', () => {
  test('a failing run restarts until it succeeds', async () => {
    const items = await server.runSyncItems(taskId, { query: { restartOnError: 'true' }, body: { succeedOn: 3 } });
    assert.deepEqual(items, [{ attempt: 3, restartOnError: '1' }]);
    const run = await server.lastRun(taskId);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.stats.restartCount, 2);
    const log = await server.api('GET', `/v2/actor-runs/${run.id}/log`);
    assert.equal(log.text.match(/flaky: attempt \d/g).length, 3, log.text);
    assert.match(log.text, /restarting it, restart 2 of at most 3/);
  });

  test('at most 3 restarts', async () => {
    const res = await server.runSync(taskId, { query: { restartOnError: '1' }, body: { succeedOn: 0 } });
    expectError(res, 400, 'run-failed');
    const run = await server.lastRun(taskId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.stats.restartCount, 3);
  });

  test('without the option a failure is final', async () => {
    const res = await server.runSync(taskId, { body: { succeedOn: 2 } });
    expectError(res, 400, 'run-failed');
    const run = await server.lastRun(taskId);
    assert.equal(run.stats.restartCount, 0);
    const bad = await server.runSync(taskId, { query: { restartOnError: 'yes' }, body: {} });
    expectError(bad, 400, 'invalid-input');
  });

  test('the task option turns it on', async () => {
    const { actor } = await server.deployTask('flaky');
    const task = await server.createTask(actor.id, { options: { restartOnError: true } });
    const items = await server.runSyncItems(task.id, { body: { succeedOn: 2 } });
    assert.equal(items[0].attempt, 2);
    expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}`), 200);
  });
});

/** Starts a run of a task without waiting for it; returns the run. */
async function startRun(server, taskId, { query = {}, body = {} } = {}) {
  const search = new URLSearchParams(query).toString();
  const res = await server.api('POST', `/v2/actor-tasks/${taskId}/runs${search ? `?${search}` : ''}`, { body });
  return expectStatus(res, 201).data;
}

/** Polls a run until it has the status; returns the run. */
async function waitForStatus(server, runId, status) {
  let run = null;
  for (let i = 0; i < 200 && run?.status !== status; i++) {
    if (run) await sleep(50);
    run = await server.getRun(runId);
  }
  assert.equal(run.status, status, `run ${runId}`);
  return run;
}

describe('after an actord crash', () => {
  test('restartOnError runs start again', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-crash-'));
    // Two runs at once, so a third waits READY; a long grace period keeps
    // an aborted run that ignores SIGTERM in ABORTING.
    const first = new ActordServer({ dataDir, killGraceSecs: 60, args: ['--max-concurrent-runs', '3'] });
    let second;
    try {
      await first.start();
      const { task: sleeper } = await first.deployTask('sleep');
      const { task: stubborn } = await first.deployTask('ignore-term');
      const restarting = await startRun(first, sleeper.id, { query: { restartOnError: '1' }, body: { seconds: 4 } });
      const plain = await startRun(first, sleeper.id, { body: { seconds: 60 } });
      const aborting = await startRun(first, stubborn.id);
      const queued = await startRun(first, sleeper.id, { query: { restartOnError: 'true' }, body: { seconds: 0 } });
      await waitForStatus(first, restarting.id, 'RUNNING');
      await waitForStatus(first, plain.id, 'RUNNING');
      await waitForStatus(first, aborting.id, 'RUNNING');
      // SIGTERM ends the actor until it has set its handler.
      for (let i = 0; i < 200; i++) {
        const log = await first.api('GET', `/v2/actor-runs/${aborting.id}/log`);
        if (log.text.includes('ignoring SIGTERM')) break;
        await sleep(50);
      }
      // The restarted run must have started its process before the crash.
      for (let i = 0; i < 200; i++) {
        const log = await first.api('GET', `/v2/actor-runs/${restarting.id}/log`);
        if (log.text.includes('sleeping 4 s')) break;
        await sleep(50);
      }
      expectStatus(await first.api('POST', `/v2/actor-runs/${aborting.id}/abort?gracefully=true`), 200);
      await waitForStatus(first, aborting.id, 'ABORTING');
      assert.equal((await first.getRun(queued.id)).status, 'READY');

      first.process.kill('SIGKILL');
      await first.exited;
      first.process = null;

      second = new ActordServer({ dataDir, token: first.token });
      await second.start();

      const restarted = await second.waitForRun(restarting.id);
      assert.equal(restarted.status, 'SUCCEEDED');
      assert.equal(restarted.stats.restartCount, 1);
      const items = await second.api('GET', `/v2/datasets/${restarted.defaultDatasetId}/items`);
      assert.deepEqual(items.json, [{ sleptSecs: 4 }]);
      const log = await second.api('GET', `/v2/actor-runs/${restarting.id}/log`);
      assert.match(log.text, /actord restarted while the run was in progress; restarting the run \(restartOnError\), restart 1 of at most 3/);
      assert.equal(log.text.match(/sleep: sleeping 4 s/g).length, 2, log.text);

      const waited = await second.waitForRun(queued.id);
      assert.equal(waited.status, 'SUCCEEDED');
      assert.equal(waited.stats.restartCount, 0);
      const queuedLog = await second.api('GET', `/v2/actor-runs/${queued.id}/log`);
      assert.match(queuedLog.text, /actord restarted before the run started; queueing it again/);

      const failed = await second.getRun(plain.id);
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.statusMessage, 'The run was interrupted because actord stopped while it was in progress.');
      assert.equal(failed.stats.restartCount, 0);
      const failedLog = await second.api('GET', `/v2/actor-runs/${plain.id}/log`);
      assert.match(failedLog.text, /actord restarted while the run was unfinished; the run is now FAILED\./);

      const aborted = await second.getRun(aborting.id);
      assert.equal(aborted.status, 'ABORTED');
      assert.equal(aborted.statusMessage, 'The run was aborted.');
      const abortedLog = await second.api('GET', `/v2/actor-runs/${aborting.id}/log`);
      assert.match(abortedLog.text, /the run is now ABORTED\./);
      assert.match(second.output, /runs left unfinished by a previous actord have ended .*: 2/);
    } finally {
      if (first.process) first.process.kill('SIGKILL');
      if (second) await second.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
