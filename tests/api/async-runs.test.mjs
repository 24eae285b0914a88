// Asynchronous runs: POST /v2/actor-tasks/:id/runs and /v2/acts/:id/runs
// return 201 with the run and a Location header, and GET /v2/actor-runs/:id?waitForFinish=N
// keeps the request open until the run ends or N seconds (at most 60) pass.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();
let sleepTaskId;
let sleepActor;

before(async () => {
  const { actor, task } = await server.deployTask('sleep', { input: { seconds: 1 } });
  sleepTaskId = task.id;
  sleepActor = actor;
});

function startRun(taskId, { query = {}, body } = {}) {
  const search = new URLSearchParams(query).toString();
  return server.api('POST', `/v2/actor-tasks/${taskId}/runs${search ? `?${search}` : ''}`, { body });
}

async function timed(promise) {
  const started = Date.now();
  const res = await promise;
  return { res, ms: Date.now() - started };
}

describe('POST task runs', () => {
  test('answers at once with the run', async () => {
    const { res, ms } = await timed(startRun(sleepTaskId, { body: { seconds: 2 } }));
    const run = expectStatus(res, 201).data;
    assert.ok(ms < 1500, `answered after ${ms} ms`);
    assert.ok(['READY', 'RUNNING'].includes(run.status), run.status);
    assert.equal(run.actorTaskId, sleepTaskId);
    assert.equal(res.header('location'), `${server.url}/v2/actor-runs/${run.id}`);

    const done = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=60`), 200).data;
    assert.equal(done.status, 'SUCCEEDED');
    const items = await server.api('GET', `/v2/datasets/${done.defaultDatasetId}/items`);
    assert.deepEqual(expectStatus(items, 200).json, [{ sleptSecs: 2 }], 'the body overrides the input');
  });

  test('waitForFinish waits for the end', async () => {
    const { res, ms } = await timed(startRun(sleepTaskId, { query: { waitForFinish: '60', memory: '256' } }));
    const run = expectStatus(res, 201).data;
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.options.memoryMbytes, 256);
    assert.ok(ms >= 900, `answered after ${ms} ms, before the 1 s run could end`);
  });

  test('bad options are 400 before any run', async () => {
    const before = await server.lastRun(sleepTaskId);
    expectError(await startRun(sleepTaskId, { query: { waitForFinish: 'soon' } }), 400, 'invalid-input');
    expectError(await startRun(sleepTaskId, { query: { memory: '100' } }), 400, 'invalid-input');
    expectError(await startRun(sleepTaskId, { body: [1, 2] }), 400, 'invalid-input');
    assert.equal((await server.lastRun(sleepTaskId)).id, before.id);
  });

  test('unknown task is 404', async () => {
    expectError(await startRun('nOtAtAsK00000000x'), 404, 'record-not-found');
  });
});

describe('GET run waitForFinish', () => {
  test('returns when the time passes', async () => {
    const run = expectStatus(await startRun(sleepTaskId, { body: { seconds: 4 } }), 201).data;
    const { res, ms } = await timed(server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=1`));
    assert.ok(['READY', 'RUNNING'].includes(expectStatus(res, 200).data.status));
    assert.ok(ms >= 900, `answered after ${ms} ms, before the wait ended`);
    assert.ok(ms < 3500, `answered after ${ms} ms, long after the wait ended`);
    const done = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=999999`), 200);
    assert.equal(done.data.status, 'SUCCEEDED');
  });

  test('ended run returns at once', async () => {
    const run = expectStatus(await startRun(sleepTaskId, { query: { waitForFinish: '60' } }), 201).data;
    const { res, ms } = await timed(server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=60`));
    assert.equal(expectStatus(res, 200).data.status, 'SUCCEEDED');
    assert.ok(ms < 1000, `answered after ${ms} ms`);
  });

  test('many waiters wake together', async () => {
    const run = expectStatus(await startRun(sleepTaskId, { body: { seconds: 2 } }), 201).data;
    const waits = Array.from({ length: 100 }, () => server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=30`));
    const results = await Promise.all(waits);
    for (const res of results) assert.equal(expectStatus(res, 200).data.status, 'SUCCEEDED');
  });

  test('bad waitForFinish is 400', async () => {
    const run = (await server.lastRun(sleepTaskId)).id;
    for (const value of ['-1', 'abc', 'inf']) {
      const res = await server.api('GET', `/v2/actor-runs/${run}?waitForFinish=${value}`);
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, /'waitForFinish'/);
    }
  });

  test('unknown run is 404', async () => {
    expectError(await server.api('GET', '/v2/actor-runs/nOtArUn000000000x?waitForFinish=5'), 404, 'record-not-found');
  });
});

describe('actor runs', () => {
  test('POST acts runs takes the body as input', async () => {
    for (const ref of [sleepActor.id, `admin~${sleepActor.name}`]) {
      const res = await server.api('POST', `/v2/acts/${ref}/runs?waitForFinish=60`, { body: { seconds: 0 } });
      const run = expectStatus(res, 201).data;
      assert.equal(run.status, 'SUCCEEDED');
      assert.equal(run.actId, sleepActor.id);
      assert.equal(run.actorTaskId, null);
      assert.equal(res.header('location'), `${server.url}/v2/actor-runs/${run.id}`);
      const items = await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items`);
      assert.deepEqual(expectStatus(items, 200).json, [{ sleptSecs: 0 }]);
    }
  });

  test('actor run-sync-get-dataset-items', async () => {
    for (const prefix of ['/v2/acts', '/v2/actors']) {
      const res = await server.api('POST', `${prefix}/${sleepActor.id}/run-sync-get-dataset-items?format=csv`, {
        body: { seconds: 0 },
      });
      expectStatus(res, 201);
      assert.equal(res.text.replace(/^\uFEFF/, ''), 'sleptSecs\n0\n');
    }
  });

  test('unknown actor is 404', async () => {
    expectError(await server.api('POST', '/v2/acts/nOtAnAcToR0000000/runs', { body: {} }), 404, 'record-not-found');
    expectError(
      await server.api('POST', '/v2/acts/nOtAnAcToR0000000/run-sync-get-dataset-items', { body: {} }),
      404,
      'record-not-found',
    );
  });
});

describe('run lists', () => {
  let actor;
  let task;
  const ids = [];

  before(async () => {
    ({ actor, task } = await server.deployTask('sleep', { input: { seconds: 0 } }));
    for (let i = 0; i < 3; i++) {
      ids.push(expectStatus(await startRun(task.id, { query: { waitForFinish: '60' } }), 201).data.id);
    }
  });

  /** GET a run list; returns its page, the response's `data`. */
  async function list(target, token) {
    return expectStatus(await server.api('GET', target, { token }), 200).data;
  }

  test('task runs page by page', async () => {
    const all = await list(`/v2/actor-tasks/${task.id}/runs`);
    assert.equal(all.total, 3);
    assert.equal(all.count, 3);
    assert.equal(all.desc, false);
    assert.deepEqual(all.items.map((run) => run.id), ids);
    assert.ok(all.items.every((run) => run.status === 'SUCCEEDED' && run.actorTaskId === task.id));

    const newest = await list(`/v2/actor-tasks/${task.id}/runs?desc=1&limit=2`);
    assert.deepEqual(newest.items.map((run) => run.id), [ids[2], ids[1]]);
    assert.equal(newest.total, 3);
    assert.equal(newest.limit, 2);
    const page = await list(`/v2/actor-tasks/${task.id}/runs?offset=1&limit=1`);
    assert.deepEqual(page.items.map((run) => run.id), [ids[1]]);
    assert.equal(page.offset, 1);
  });

  test('status filter', async () => {
    assert.equal((await list(`/v2/actor-tasks/${task.id}/runs?status=SUCCEEDED`)).total, 3);
    assert.equal((await list(`/v2/actor-tasks/${task.id}/runs?status=RUNNING`)).total, 0);
    const bad = await server.api('GET', `/v2/actor-tasks/${task.id}/runs?status=DONE`);
    expectError(bad, 400, 'invalid-input');
    assert.match(bad.json.error.message, /'status'/);
  });

  test('actor and user lists', async () => {
    const actorRuns = await list(`/v2/acts/${actor.id}/runs`);
    assert.deepEqual(actorRuns.items.map((run) => run.id), ids);
    const mine = await list('/v2/actor-runs?desc=1&limit=1000');
    for (const id of ids) assert.ok(mine.items.some((run) => run.id === id), `run ${id} in the user's list`);
  });

  test('another user sees none', async () => {
    const token = await server.addUser(`other${Date.now()}`);
    assert.equal((await list('/v2/actor-runs', token)).total, 0);
    const res = await server.api('GET', `/v2/actor-tasks/${task.id}/runs`, { token });
    assert.ok([403, 404].includes(res.status), res.describe());
  });
});

describe('abort', () => {
  /** Starts a run of the sleep task for secs seconds and waits until it is RUNNING. */
  async function runningRun(secs) {
    const run = expectStatus(await startRun(sleepTaskId, { body: { seconds: secs } }), 201).data;
    for (let i = 0; i < 100; i++) {
      const now = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}`), 200).data;
      if (now.status === 'RUNNING') return now;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`run ${run.id} never became RUNNING`);
  }

  for (const gracefully of [false, true]) {
    test(`abort${gracefully ? ' gracefully' : ''} ends the run ABORTED`, async () => {
      const run = await runningRun(60);
      const started = Date.now();
      const res = await server.api('POST', `/v2/actor-runs/${run.id}/abort${gracefully ? '?gracefully=true' : ''}`);
      assert.ok(['ABORTING', 'ABORTED'].includes(expectStatus(res, 200).data.status));
      const done = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}?waitForFinish=30`), 200).data;
      assert.equal(done.status, 'ABORTED');
      assert.equal(done.statusMessage, 'The run was aborted.');
      assert.ok(done.finishedAt, 'finishedAt is set');
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      const again = expectStatus(await server.api('POST', `/v2/actor-runs/${run.id}/abort`), 200).data;
      assert.equal(again.status, 'ABORTED', 'an ended run stays as it is');
    });
  }

  test('sync call of an aborted run is run-failed', async () => {
    const { task } = await server.deployTask('sleep', { input: { seconds: 60 } });
    const sync = server.runSync(task.id, { body: {} });
    let run;
    for (let i = 0; i < 100 && run?.status !== 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = await server.lastRun(task.id);
    }
    assert.equal(run?.status, 'RUNNING');
    expectStatus(await server.api('POST', `/v2/actor-runs/${run.id}/abort`), 200);
    const res = await sync;
    expectError(res, 400, 'run-failed');
    assert.match(res.json.error.message, /ABORTED/);
  });

  test('bad abort requests', async () => {
    const run = (await server.lastRun(sleepTaskId)).id;
    expectError(await server.api('POST', `/v2/actor-runs/${run}/abort?gracefully=maybe`), 400, 'invalid-input');
    expectError(await server.api('POST', '/v2/actor-runs/nOtArUn000000000x/abort'), 404, 'record-not-found');
    const token = await server.addUser(`aborter${Date.now()}`);
    expectError(await server.api('POST', `/v2/actor-runs/${run}/abort`, { token }), 403, 'permission-denied');
  });
});

describe('run counts', () => {
  test('stats.totalRuns of the task and the actor', async () => {
    const { actor, task } = await server.deployTask('sleep', { input: { seconds: 0 } });
    const get = async (target) => expectStatus(await server.api('GET', target), 200).data;
    assert.equal((await get(`/v2/actor-tasks/${task.id}`)).stats.totalRuns, 0);
    await startRun(task.id, { query: { waitForFinish: '60' } });
    await startRun(task.id, { query: { waitForFinish: '60' } });
    expectStatus(await server.api('POST', `/v2/acts/${actor.id}/runs?waitForFinish=60`, { body: {} }), 201);
    assert.equal((await get(`/v2/actor-tasks/${task.id}`)).stats.totalRuns, 2);
    const counted = await get(`/v2/acts/${actor.id}`);
    assert.equal(counted.stats.totalRuns, 3, 'the actor counts its tasks\' runs and its own');
    assert.equal(counted.name, actor.name, 'the rest of the document is kept');
    const listed = (await get('/v2/actor-tasks')).items.find((item) => item.id === task.id);
    assert.equal(listed.stats.totalRuns, 2);
  });
});
