// Tasks: create, read by ID or name, update, delete, and the task input.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

let actor;

before(async () => {
  ({ actor } = await server.deployFixture('echo-input'));
});

describe('create', () => {
  test('returns 201 with the task', async () => {
    const me = await server.me();
    const name = uniqueName('created-task');
    const body = {
      actId: actor.id,
      name,
      input: { message: 'hi', count: 4 },
      options: { build: 'latest', timeoutSecs: 60, memoryMbytes: 1024 },
    };
    const res = expectStatus(await server.api('POST', '/v2/actor-tasks', { body }), 201);
    const task = res.data;
    assert.equal(typeof task.id, 'string');
    assert.ok(task.id.length > 0);
    assert.equal(task.name, name);
    assert.equal(task.actId, actor.id);
    assert.equal(task.userId, me.id);
    assert.deepEqual(task.input, { message: 'hi', count: 4 });
    assert.equal(task.options.build, 'latest');
    assert.equal(task.options.timeoutSecs, 60);
    assert.equal(task.options.memoryMbytes, 1024);
  });

  test('actId by full name', async () => {
    const body = { actId: `admin~${actor.name}`, name: uniqueName('by-actor-name'), input: {} };
    const res = expectStatus(await server.api('POST', '/v2/actor-tasks', { body }), 201);
    assert.equal(res.data.actId, actor.id);
  });

  test('invalid bodies are rejected', async () => {
    const cases = [
      ['not JSON', '{"actId": '],
      ['array', '[]'],
      ['missing actId', JSON.stringify({ name: uniqueName('no-actor') })],
      ['input not an object', JSON.stringify({ actId: actor.id, name: uniqueName('bad-input'), input: [1] })],
    ];
    for (const [label, body] of cases) {
      const res = await server.api('POST', '/v2/actor-tasks', { body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${label}: ${res.describe()}`);
      assert.equal(typeof res.json?.error?.type, 'string', `${label}: ${res.describe()}`);
    }
  });

  test('duplicate name is 409', async () => {
    const task = await server.createTask(actor.id);
    const body = { actId: actor.id, name: task.name, input: {} };
    const res = await server.api('POST', '/v2/actor-tasks', { body });
    expectError(res, 409, 'actor-task-name-not-unique');
  });

  test('unknown actId is rejected', async () => {
    const body = { actId: 'NoSuchActorId123', name: uniqueName('orphan'), input: {} };
    const res = await server.api('POST', '/v2/actor-tasks', { body });
    assert.ok([400, 404].includes(res.status), `unknown actId: ${res.describe()}`);
    assert.equal(typeof res.json?.error?.type, 'string', res.describe());
  });
});

describe('read', () => {
  test('by ID, full name and tilde name', async () => {
    const task = await server.createTask(actor.id, { input: { message: 'read me' } });
    for (const id of [task.id, `admin~${task.name}`, `~${task.name}`]) {
      const res = expectStatus(await server.api('GET', `/v2/actor-tasks/${id}`), 200);
      assert.equal(res.data.id, task.id, res.describe());
      assert.deepEqual(res.data.input, { message: 'read me' });
    }
  });

  test('unknown task is 404', async () => {
    expectError(await server.api('GET', '/v2/actor-tasks/NoSuchTaskId1234'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actor-tasks/admin~no-such-task'), 404, 'record-not-found');
  });
});

describe('update', () => {
  test('PUT changes name, input and options', async () => {
    const task = await server.createTask(actor.id, { input: { message: 'before' } });
    const newName = uniqueName('renamed-task');
    const body = { name: newName, input: { message: 'after', count: 7 }, options: { timeoutSecs: 30 } };
    const put = expectStatus(await server.api('PUT', `/v2/actor-tasks/${task.id}`, { body }), 200);
    assert.equal(put.data.name, newName);

    const got = expectStatus(await server.api('GET', `/v2/actor-tasks/admin~${newName}`), 200).data;
    assert.equal(got.id, task.id);
    assert.deepEqual(got.input, { message: 'after', count: 7 });
    assert.equal(got.options.timeoutSecs, 30);
    assert.equal(got.actId, actor.id);

    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items[0].input.message, 'after');
    assert.equal(items[0].input.count, 7);
    const run = await server.lastRun(task.id);
    assert.equal(run.options.timeoutSecs, 30);
  });

  test('input GET returns the bare object', async () => {
    const input = { message: 'bare', tags: ['a', 'b'], options: { depth: 2 } };
    const task = await server.createTask(actor.id, { input });
    const res = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/input`), 200);
    assert.deepEqual(res.json, input);
  });

  test('input PUT changes the input', async () => {
    const task = await server.createTask(actor.id, { input: { message: 'old', count: 1 } });
    const put = await server.api('PUT', `/v2/actor-tasks/${task.id}/input`, { body: { message: 'new', count: 5 } });
    expectStatus(put, 200);
    const got = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/input`), 200);
    assert.deepEqual(got.json, { message: 'new', count: 5 });
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items[0].input.message, 'new');
    assert.equal(items[0].input.count, 5);
  });

  test('input PUT rejects non-objects', async () => {
    const task = await server.createTask(actor.id, { input: { message: 'kept' } });
    for (const body of ['[1, 2]', '"text"', 'not json']) {
      const res = await server.api('PUT', `/v2/actor-tasks/${task.id}/input`, {
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400, `PUT input ${body}: ${res.describe()}`);
    }
    const got = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/input`), 200);
    assert.deepEqual(got.json, { message: 'kept' });
  });
});

describe('delete', () => {
  test('DELETE is 204 then 404', async () => {
    const task = await server.createTask(actor.id);
    const res = expectStatus(await server.api('DELETE', `/v2/actor-tasks/${task.id}`), 204);
    assert.equal(res.text, '');
    expectError(await server.api('GET', `/v2/actor-tasks/${task.id}`), 404, 'record-not-found');
    expectError(await server.runSync(task.id, { body: {} }), 404, 'record-not-found');
  });

  test('DELETE by full name', async () => {
    const task = await server.createTask(actor.id);
    expectStatus(await server.api('DELETE', `/v2/actor-tasks/admin~${task.name}`), 204);
    expectError(await server.api('GET', `/v2/actor-tasks/${task.id}`), 404, 'record-not-found');
  });
});

describe('a task whose actId is not a string', () => {
  test('the message shows the value sent', async () => {
    for (const [actId, shown] of [[5, '5'], [null, 'null'], [['a'], '["a"]']]) {
      const res = await server.api('POST', '/v2/actor-tasks', { body: { actId, name: uniqueName('task') } });
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, new RegExp(`^Field 'actId' is required: a string, .*, got ${shown.replace(/[[\]]/g, '\\$&')}\\.$`));
    }
    const missing = await server.api('POST', '/v2/actor-tasks', { body: { name: uniqueName('task') } });
    assert.equal(missing.json.error.message, "Field 'actId' is required: a string, the ID or username~name of the task's actor.");
  });
});
