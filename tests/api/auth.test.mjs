// Authentication with a Bearer header or ?token=, 401 for a missing or wrong
// token, 403 for another user's task, and `username~name` addressing.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

describe('users/me', () => {
  test('Bearer header authenticates', async () => {
    const res = expectStatus(await server.api('GET', '/v2/users/me'), 200);
    assert.equal(res.data.username, 'admin');
    assert.equal(typeof res.data.id, 'string');
    assert.ok(res.data.id.length > 0);
  });

  test('token query parameter authenticates', async () => {
    const res = await server.api('GET', `/v2/users/me?token=${server.token}`, { token: null });
    expectStatus(res, 200);
    assert.equal(res.data.username, 'admin');
  });

  test('missing token is 401', async () => {
    expectError(await server.api('GET', '/v2/users/me', { token: null }), 401, 'token-not-valid');
  });

  test('wrong token is 401', async () => {
    expectError(await server.api('GET', '/v2/users/me', { token: 'wrong-token' }), 401, 'token-not-valid');
    const query = await server.api('GET', '/v2/users/me?token=wrong-token', { token: null });
    expectError(query, 401, 'token-not-valid');
  });

  test('token prefix or suffix is 401', async () => {
    const prefix = server.token.slice(0, -1);
    expectError(await server.api('GET', '/v2/users/me', { token: prefix }), 401, 'token-not-valid');
    const longer = `${server.token}x`;
    expectError(await server.api('GET', '/v2/users/me', { token: longer }), 401, 'token-not-valid');
  });

  test('header token wins over query token', async () => {
    const headerValid = await server.api('GET', '/v2/users/me?token=wrong-token');
    expectStatus(headerValid, 200);
    const queryValid = await server.api('GET', `/v2/users/me?token=${server.token}`, { token: 'wrong-token' });
    expectError(queryValid, 401, 'token-not-valid');
  });

  test('malformed Authorization header is 401', async () => {
    const cases = [`Basic ${server.token}`, 'Bearer', 'Bearer ', server.token];
    for (const authorization of cases) {
      const res = await server.api('GET', '/v2/users/me', { token: null, headers: { authorization } });
      expectError(res, 401, 'token-not-valid');
    }
  });
});

describe('protected routes', () => {
  test('missing token is 401 everywhere', async () => {
    const routes = [
      ['POST', '/v2/acts'],
      ['POST', '/v2/actor-tasks'],
      ['GET', '/v2/actor-tasks/some-task'],
      ['POST', '/v2/actor-tasks/some-task/run-sync-get-dataset-items'],
      ['GET', '/v2/actor-tasks/some-task/run-sync-get-dataset-items'],
      ['GET', '/v2/datasets/some-dataset/items'],
      ['GET', '/v2/key-value-stores/some-store/records/INPUT'],
    ];
    for (const [method, target] of routes) {
      const res = await server.api(method, target, { token: null, body: method === 'POST' ? {} : undefined });
      expectError(res, 401, 'token-not-valid');
    }
  });
});

describe('other users', () => {
  let otherToken;
  let otherUser;
  let adminTask;

  before(async () => {
    otherUser = uniqueName('other');
    otherToken = await server.addUser(otherUser);
    ({ task: adminTask } = await server.deployTask('echo-input', { input: { message: 'admin only' } }));
  });

  test('another user task is 403', async () => {
    const get = await server.api('GET', `/v2/actor-tasks/${adminTask.id}`, { token: otherToken });
    expectError(get, 403, 'permission-denied');
    const byName = await server.api('GET', `/v2/actor-tasks/admin~${adminTask.name}`, { token: otherToken });
    expectError(byName, 403, 'permission-denied');
  });

  test('another user run-sync is 403 and starts no run', async () => {
    const post = await server.runSync(adminTask.id, { token: otherToken, body: {} });
    expectError(post, 403, 'permission-denied');
    const get = await server.runSync(adminTask.id, { method: 'GET', token: otherToken });
    expectError(get, 403, 'permission-denied');
    const byName = await server.runSync(`admin~${adminTask.name}`, { token: otherToken, body: {} });
    expectError(byName, 403, 'permission-denied');
    assert.equal(await server.lastRun(adminTask.id), null, 'a forbidden call started a run');
  });

  test('another user cannot change a task', async () => {
    const put = await server.api('PUT', `/v2/actor-tasks/${adminTask.id}`, {
      token: otherToken,
      body: { name: 'stolen' },
    });
    expectError(put, 403, 'permission-denied');
    const del = await server.api('DELETE', `/v2/actor-tasks/${adminTask.id}`, { token: otherToken });
    expectError(del, 403, 'permission-denied');
    const task = expectStatus(await server.api('GET', `/v2/actor-tasks/${adminTask.id}`), 200).data;
    assert.equal(task.name, adminTask.name);
  });

  test('tilde name means own account', async () => {
    // The other user has no task of that name, so ~name must not reach admin's.
    const res = await server.api('GET', `/v2/actor-tasks/~${adminTask.name}`, { token: otherToken });
    expectError(res, 404, 'record-not-found');
    const own = expectStatus(await server.api('GET', `/v2/actor-tasks/~${adminTask.name}`), 200).data;
    assert.equal(own.id, adminTask.id);
  });

  test('other user runs own task', async () => {
    const { task } = await server.deployTask('echo-input', { token: otherToken, input: { message: 'mine' } });
    const items = await server.runSyncItems(`${otherUser}~${task.name}`, { token: otherToken, body: {} });
    assert.equal(items.length, 1);
    assert.equal(items[0].input.message, 'mine');
    const forbidden = await server.runSync(task.id, { body: {} });
    expectError(forbidden, 403, 'permission-denied');
  });
});
