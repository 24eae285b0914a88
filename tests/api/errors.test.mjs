// Error responses of run-sync-get-dataset-items and their shapes, and
// malformed requests that must not crash actord or leave a run behind.

import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';

import { expectClientError, expectError, expectStatus, sleep, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

let task;

before(async () => {
  ({ task } = await server.deployTask('echo-input', { input: { message: 'from task' } }));
});

/** Asserts that the task's last run is still `previousRun`, so a rejected call started none. */
async function expectNoNewRun(previousRun) {
  const lastRun = await server.lastRun(task.id);
  assert.equal(lastRun?.id, previousRun?.id, `the rejected request created run ${lastRun?.id}`);
}

/** Sends raw bytes on a new connection and returns what came back before the close. */
function sendRaw(bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks = [];
    const finish = () => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.write(bytes);
  });
}

describe('request body', () => {
  const cases = [
    ['not JSON', '{"message": '],
    ['plain text', 'hello'],
    ['JSON array', '[{"message": "x"}]'],
    ['JSON string', '"text"'],
    ['JSON number', '42'],
    ['JSON null', 'null'],
    ['JSON true', 'true'],
    ['trailing garbage', '{"message": "x"} trailing'],
    ['two objects', '{}{}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['NUL byte in JSON', Buffer.from('{"message": "a\u0000b"}')],
  ];
  for (const [label, body] of cases) {
    test(`400 for ${label}`, async () => {
      const previousRun = await server.lastRun(task.id);
      const res = await server.runSync(task.id, { body, headers: { 'content-type': 'application/json' } });
      expectError(res, 400, 'invalid-input');
      await expectNoNewRun(previousRun);
    });
  }

  test('deeply nested JSON is 400', async () => {
    const previousRun = await server.lastRun(task.id);
    const depth = 200_000;
    const body = `{"message": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await server.runSync(task.id, { body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, res.describe());
    await expectNoNewRun(previousRun);
    await server.me();
  });
});

describe('query parameters', () => {
  const cases = [
    ['limit', 'ten'],
    ['limit', '-5'],
    ['limit', '1.5'],
    ['offset', '-1'],
    ['offset', 'x'],
    ['format', 'pdf'],
    ['memory', 'abc'],
    ['timeout', 'soon'],
  ];
  for (const [name, value] of cases) {
    test(`${name}=${value} is 400`, async () => {
      const previousRun = await server.lastRun(task.id);
      const res = await server.runSync(task.id, { body: {}, query: { [name]: value } });
      const error = expectError(res, 400, 'invalid-input');
      assert.ok(error.message.includes(name), `the message does not name ${name}: ${error.message}`);
      if (name === 'format') {
        assert.ok(error.message.includes('jsonl'), `the message does not list the formats: ${error.message}`);
      }
      await expectNoNewRun(previousRun);
    });
  }

  test('GET checks parameters too', async () => {
    const error = expectError(await server.runSync(task.id, { method: 'GET', query: { limit: 'ten' } }), 400, 'invalid-input');
    assert.ok(error.message.includes('limit'), error.message);
  });
});

describe('authentication and lookup', () => {
  test('missing token is 401', async () => {
    const previousRun = await server.lastRun(task.id);
    expectError(await server.runSync(task.id, { body: {}, token: null }), 401, 'token-not-valid');
    expectError(await server.runSync(task.id, { method: 'GET', token: null }), 401, 'token-not-valid');
    await expectNoNewRun(previousRun);
  });

  test('wrong token is 401', async () => {
    expectError(await server.runSync(task.id, { body: {}, token: 'not-a-token' }), 401, 'token-not-valid');
    const query = await server.runSync(task.id, { body: {}, token: null, query: { token: 'not-a-token' } });
    expectError(query, 401, 'token-not-valid');
  });

  test('another user task is 403', async () => {
    const otherToken = await server.addUser(uniqueName('intruder'));
    const previousRun = await server.lastRun(task.id);
    expectError(await server.runSync(task.id, { body: {}, token: otherToken }), 403, 'permission-denied');
    await expectNoNewRun(previousRun);
  });

  test('unknown task is 404', async () => {
    expectError(await server.runSync('NoSuchTaskId1234', { body: {} }), 404, 'record-not-found');
    expectError(await server.runSync('admin~no-such-task', { body: {} }), 404, 'record-not-found');
    expectError(await server.runSync('~no-such-task', { method: 'GET' }), 404, 'record-not-found');
  });
});

describe('methods', () => {
  test('run-sync rejects other methods', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await server.runSync(task.id, { method, body: method === 'DELETE' ? undefined : {} });
      expectError(res, 405, 'method-not-allowed');
      const allow = (res.header('allow') ?? '').split(',').map((entry) => entry.trim());
      assert.ok(allow.includes('GET'), `Allow: ${res.header('allow')}`);
      assert.ok(allow.includes('POST'), `Allow: ${res.header('allow')}`);
      assert.ok(!allow.includes(method), `Allow: ${res.header('allow')}`);
    }
  });

  test('task route rejects POST', async () => {
    const res = await server.api('POST', `/v2/actor-tasks/${task.id}`, { body: {} });
    expectError(res, 405, 'method-not-allowed');
    const allow = (res.header('allow') ?? '').split(',').map((entry) => entry.trim());
    for (const method of ['GET', 'PUT', 'DELETE']) {
      assert.ok(allow.includes(method), `Allow: ${res.header('allow')}`);
    }
  });

  test('users/me rejects DELETE', async () => {
    const res = await server.api('DELETE', '/v2/users/me');
    expectError(res, 405, 'method-not-allowed');
    assert.match(res.header('allow') ?? '', /GET/);
  });
});

describe('malformed requests', () => {
  test('unknown route is 404', async () => {
    const res = await server.api('GET', '/v2/no-such-route');
    assert.equal(res.status, 404, res.describe());
    assert.equal(typeof res.json?.error?.type, 'string', res.describe());
  });

  test('bad percent-encoding in the path', async () => {
    expectClientError(await server.api('POST', '/v2/actor-tasks/%zz%/run-sync-get-dataset-items', { body: {} }));
    await server.me();
  });

  test('garbage bytes do not crash', async () => {
    const payloads = [
      'NOT HTTP AT ALL\r\n\r\n',
      'GET /v2/users/me HTTP/9.9\r\n\r\n',
      'POST /v2/actor-tasks/x/run-sync-get-dataset-items HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
      'POST /v2/actor-tasks/x/run-sync-get-dataset-items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /v2/users/me HTTP/1.1\r\nHost: a\r\nX-Long: ${'a'.repeat(200_000)}\r\n\r\n`,
      Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
    ];
    for (const payload of payloads) {
      await sendRaw(payload);
    }
    await server.me();
  });

  test('half-sent request then close', async () => {
    const previousRun = await server.lastRun(task.id);
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v2/actor-tasks/${task.id}/run-sync-get-dataset-items HTTP/1.1\r\nHost: a\r\n` +
        `Authorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mes`,
    );
    await sleep(200);
    socket.destroy();
    await sleep(200);
    await expectNoNewRun(previousRun);
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items[0].input.message, 'from task');
  });

  test('error bodies are JSON objects', async () => {
    const responses = [
      await server.runSync('NoSuchTaskId1234', { body: {} }),
      await server.runSync(task.id, { body: '[', headers: { 'content-type': 'application/json' } }),
      await server.runSync(task.id, { body: {}, token: null }),
    ];
    for (const res of responses) {
      assert.ok(res.status >= 400, res.describe());
      assert.deepEqual(Object.keys(res.json), ['error'], res.describe());
      assert.deepEqual(Object.keys(res.json.error).sort(), ['message', 'type'], res.describe());
    }
  });

  test('server still serves afterwards', async () => {
    const items = await server.runSyncItems(task.id, { body: { message: 'still alive' } });
    assert.equal(items[0].input.message, 'still alive');
    expectStatus(await server.api('GET', '/v2/users/me'), 200);
  });
});
