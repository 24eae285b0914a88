// run-sync of tasks and actors: the run, then the record OUTPUT (or the
// one outputRecordKey names) of its default key-value store, as stored.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();
let writer;
let sleeper;

before(async () => {
  writer = await server.deployTask('write-record');
  sleeper = await server.deployTask('sleep', { input: { seconds: 0 } });
});

describe('run-sync', () => {
  test('returns OUTPUT as stored', async () => {
    for (const target of [
      `/v2/actor-tasks/${writer.task.id}/run-sync`,
      `/v2/acts/${writer.actor.id}/run-sync`,
      `/v2/actors/${writer.actor.id}/run-sync`,
    ]) {
      const res = expectStatus(await server.api('POST', target, { body: {} }), 201);
      assert.match(res.header('content-type'), /^application\/json/);
      assert.deepEqual(res.json, { ok: true, count: 3 }, target);
    }
  });

  test('outputRecordKey picks the record', async () => {
    const text = expectStatus(
      await server.api('GET', `/v2/actor-tasks/${writer.task.id}/run-sync?outputRecordKey=greeting.txt`),
      201,
    );
    assert.match(text.header('content-type'), /^text\/plain/);
    assert.equal(text.text, 'hello from the actor');
    const blob = expectStatus(
      await server.api('POST', `/v2/actor-tasks/${writer.task.id}/run-sync?outputRecordKey=blob`, { body: {} }),
      201,
    );
    assert.deepEqual([...blob.body], Array.from({ length: 256 }, (_, i) => i));
  });

  test('no record is an empty 201', async () => {
    const res = expectStatus(await server.api('POST', `/v2/actor-tasks/${sleeper.task.id}/run-sync`, { body: {} }), 201);
    assert.equal(res.body.length, 0);
  });

  test('failed run and bad key', async () => {
    const { task } = await server.deployTask('fail-exit');
    const failed = await server.api('POST', `/v2/actor-tasks/${task.id}/run-sync`, { body: {} });
    expectError(failed, 400, 'run-failed');
    const before = (await server.lastRun(sleeper.task.id)).id;
    for (const key of ['a b', 'x'.repeat(257), 'a/b']) {
      const res = await server.api(
        'POST',
        `/v2/actor-tasks/${sleeper.task.id}/run-sync?outputRecordKey=${encodeURIComponent(key)}`,
        { body: {} },
      );
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, /'outputRecordKey'/);
    }
    assert.equal((await server.lastRun(sleeper.task.id)).id, before, 'no run started');
  });
});
