// restartOnError: a run that fails starts again in place, with the same
// id, storages and log, at most 3 times in 60 s, counted in
// stats.restartCount; the process gets ACTOR_RESTART_ON_ERROR=1.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

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
