// Runs when actord is short of file descriptors: each waiting request
// keeps a socket open and each running run two descriptors more (its output
// pipe and its log), so with a low hard limit not every run can go at
// once. Runs that cannot start for want of a descriptor stay READY and
// start as others end, so every request gets its 201.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';

import { ActordServer } from './lib/harness.mjs';

// Hard RLIMIT_NOFILE of the actord under test; idle, actord uses about 30.
const HARD_OPEN_FILE_LIMIT = 192;
// More requests than can have their runs going at once under the limit:
// 100 sockets leave room for about 25 runs of 2 descriptors.
const REQUESTS = 100;

const server = new ActordServer({ openFileHardLimit: HARD_OPEN_FILE_LIMIT });
let task;

before(async () => {
  await server.start();
  ({ task } = await server.deployTask('sleep-sh'));
});

afterEach(() => {
  server.assertHealthy();
});

after(async () => {
  await server.stop();
});

test('runs short of descriptors wait', { timeout: 120_000 }, async () => {
  const responses = await Promise.all(
    Array.from({ length: REQUESTS }, () => server.runSync(task.id, { query: { memory: 128 } })),
  );

  const statusCounts = {};
  for (const res of responses) statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
  const failures = responses.filter((res) => res.status !== 201);
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${REQUESTS} failed: ${JSON.stringify(statusCounts)}; first: ${failures[0]?.describe()}`,
  );
  for (const res of responses) {
    assert.deepEqual(res.json, [], res.describe());
  }

  const runs = await server.api('GET', `/v2/actor-tasks/${task.id}/runs?status=SUCCEEDED&limit=1`);
  assert.equal(runs.status, 200, runs.describe());
  assert.equal(runs.data.total, REQUESTS, runs.describe());
  assert.match(server.output, /waits READY: .*Too many open files|waits READY: no file descriptor free/);
});
