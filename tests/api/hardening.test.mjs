// Hardening: a data dir serves one actord at a time, a crash leaves no
// actor running into the next start, percent-encoded NUL bytes and invalid
// UTF-8 in requests, HEAD on run-sync, and names checked when they are
// given rather than when they are used.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { ActordServer, expectError, expectStatus, runActordCli, sleep } from './lib/harness.mjs';

const server = new ActordServer();
let task;

before(async () => {
  await server.start();
  ({ task } = await server.deployTask('push-items', { input: { count: 2 } }));
});

afterEach(() => {
  if (server.process) server.assertHealthy();
});

after(async () => {
  await server.stop();
});

/** PIDs of processes whose environment names the run. */
async function processesOfRun(runId) {
  const found = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await fs.readFile(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(`ACTOR_RUN_ID=${runId}`)) found.push(Number(entry));
    } catch {
      // The process ended or is not readable.
    }
  }
  return found;
}

describe('data dir', () => {
  test('second server on a data dir exits', async () => {
    const result = await runActordCli(['serve', '--listen', '127.0.0.1:1', '--data-dir', server.dataDir]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /in use by another actord/);
    expectStatus(await server.api('GET', '/v2/users/me'), 200);
  });

  test('restart after a crash kills its runs', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-crash-'));
    const first = new ActordServer({ dataDir });
    await first.start();
    let second;
    try {
      const { task: sleeper } = await first.deployTask('sleep', { input: { seconds: 60 } });
      const controller = new AbortController();
      first.runSync(sleeper.id, { body: {}, signal: controller.signal }).catch(() => {});
      let run = null;
      for (let i = 0; i < 100 && !(run && run.status === 'RUNNING'); i++) {
        await sleep(100);
        run = await first.lastRun(sleeper.id);
      }
      assert.equal(run?.status, 'RUNNING');
      let pids = [];
      for (let i = 0; i < 100 && pids.length === 0; i++) {
        await sleep(100);
        pids = await processesOfRun(run.id);
      }
      assert.ok(pids.length > 0, 'the run has a process');
      controller.abort();

      first.process.kill('SIGKILL');
      await first.exited;
      first.process = null;
      assert.ok((await processesOfRun(run.id)).length > 0, 'the actor outlived the crash');

      second = new ActordServer({ dataDir, token: first.token });
      await second.start();
      assert.deepEqual(await processesOfRun(run.id), [], 'the restart killed the run');
      const after = await second.getRun(run.id);
      assert.equal(after.status, 'FAILED');
    } finally {
      if (second) await second.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('encoded bytes', () => {
  test('%00 in a query value is not cut', async () => {
    const res = await server.runSync(task.id, { method: 'GET', query: {} });
    expectStatus(res, 201);
    const bad = await server.api('GET', `/v2/actor-tasks/${task.id}/run-sync-get-dataset-items?format=json%00pdf`);
    expectError(bad, 400, 'invalid-input');
  });

  test('%00 in a token is not cut', async () => {
    const res = await server.api('GET', `/v2/users/me?token=${server.token}%00x`, { token: null });
    expectError(res, 401, 'token-not-valid');
  });

  test('%00 in a path is not cut', async () => {
    const res = await server.api('GET', `/v2/actor-tasks/${task.id}%00junk`);
    expectError(res, 404, 'record-not-found');
  });

  test('invalid UTF-8 is not echoed', async () => {
    const res = await server.api('GET', '/v2/actor-tasks/%ff%fe');
    expectError(res, 404, 'record-not-found');
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  });
});

describe('HEAD', () => {
  test('run-sync refuses HEAD', async () => {
    const before = await server.lastRun(task.id);
    const res = await server.api('HEAD', `/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`);
    assert.equal(res.status, 405);
    assert.ok(!(res.header('allow') ?? '').includes('HEAD'), res.header('allow'));
    const after = await server.lastRun(task.id);
    assert.equal(after?.id, before?.id, 'HEAD started a run');
  });
});

describe('names', () => {
  test('user add checks the name', async () => {
    const result = await runActordCli(['user', 'add', 'bad name', '--data-dir', server.dataDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /not valid/);
  });

  test('unknown file format is 400', async () => {
    const body = {
      name: 'bad-format',
      versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', sourceFiles: [{ name: 'a', format: 'HEX', content: '00' }] }],
    };
    expectError(await server.api('POST', '/v2/acts', { body }), 400, 'invalid-input');
  });

  test('unknown source type is 400', async () => {
    const body = { name: 'bad-type', versions: [{ versionNumber: '0.1', sourceType: 'GIT_REPO' }] };
    const error = expectError(await server.api('POST', '/v2/acts', { body }), 400, 'invalid-input');
    assert.match(error.message, /GIT_REPO/);
  });

  test('duplicate outputFields is 400', async () => {
    const run = await server.lastRun(task.id);
    const res = await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items?fields=a,b&outputFields=x,x`);
    const error = expectError(res, 400, 'invalid-input');
    assert.match(error.message, /'x' twice/);
  });

  test('bad build tag is 400', async () => {
    const run = await server.lastRun(task.id);
    const res = await server.api('POST', `/v2/acts/${run.actId}/builds?version=0.1&tag=bad%20tag`);
    expectError(res, 400, 'invalid-input');
  });
});
