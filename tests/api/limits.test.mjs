// Limits: request bodies over 9437184 bytes get 413 whether sized by
// Content-Length or chunked, and one actord keeps many concurrent
// run-sync-get-dataset-items requests waiting at once.
//
// ACTORD_CONCURRENT_SYNC_REQUESTS sets the number of concurrent requests
// (default 1000).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';

import {
  ActordServer,
  MAX_PAYLOAD_BYTES,
  expectError,
  expectStatus,
  openRequest,
  raceTimeout,
  rawExchange,
} from './lib/harness.mjs';

// A soft open-file limit that a login shell commonly starts with. actord must
// raise it itself to hold a thousand connections and their child processes.
const LOGIN_SHELL_OPEN_FILE_LIMIT = 1024;
const CONCURRENT_REQUESTS = Number(process.env.ACTORD_CONCURRENT_SYNC_REQUESTS || 1000);

const server = new ActordServer({ openFileLimit: LOGIN_SHELL_OPEN_FILE_LIMIT });
let task;

before(async () => {
  await server.start();
  ({ task } = await server.deployTask('sleep', { input: { seconds: 0 } }));
});

afterEach(() => {
  server.assertHealthy();
});

after(async () => {
  await server.stop();
});

function syncUrl() {
  return `${server.url}/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`;
}

function authHeaders(extra = {}) {
  return { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...extra };
}

/** Returns a JSON object of exactly `size` bytes: {"seconds":0,"pad":"aaa..."}. */
function paddedInput(size) {
  const prefix = '{"seconds":0,"pad":"';
  const suffix = '"}';
  return Buffer.from(prefix + 'a'.repeat(size - prefix.length - suffix.length) + suffix);
}

/** Waits for a response or fails after `ms`. */
async function responseWithin(response, ms, label) {
  const res = await raceTimeout(response, ms);
  if (!res) throw new Error(`${label}: no response within ${ms} ms`);
  return res;
}

/** Asserts a 413 request-too-large whose message gives the limit and a larger length. */
function expectTooLarge(res, label) {
  assert.ok(res, `${label}: no response`);
  const described = `${label}: ${res.status} ${res.text.slice(0, 500)}`;
  assert.equal(res.status, 413, described);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, described);
  assert.equal(res.json?.error?.type, 'request-too-large', described);
  const message = res.json.error.message;
  assert.ok(message.includes(String(MAX_PAYLOAD_BYTES)), `${label}: the message does not give the limit: ${message}`);
  const numbers = (message.match(/\d+/g) ?? []).map(Number);
  assert.ok(
    numbers.some((value) => value > MAX_PAYLOAD_BYTES),
    `${label}: the message does not give the length: ${message}`,
  );
  return message;
}

/** Returns the request line and headers of a request with the admin token. */
function requestHead(method, target, headers) {
  const lines = [
    `${method} ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${server.port}`,
    `Authorization: Bearer ${server.token}`,
    'Content-Type: application/json',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Writes `size` bytes of "a" in pieces, as plain bytes or as HTTP chunks. */
function bodyWriter(size, { chunked = false, pieceSize = 256 * 1024, end = true } = {}) {
  return async (write) => {
    const piece = Buffer.alloc(pieceSize, 'a');
    for (let sent = 0; sent < size; sent += pieceSize) {
      const data = piece.subarray(0, Math.min(pieceSize, size - sent));
      const framed = chunked
        ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
        : data;
      if (!(await write(framed))) return;
    }
    if (chunked && end) await write(Buffer.from('0\r\n\r\n'));
  };
}

function syncTarget() {
  return `/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`;
}

describe('body size', () => {
  test('Content-Length over the limit is 413', async () => {
    const previousRun = await server.lastRun(task.id);
    const length = 10 * 1024 * 1024;
    const head = requestHead('POST', syncTarget(), { 'Content-Length': length });
    // Past the limit the client stops sending and waits, so it never writes
    // to a closed connection.
    const res = await rawExchange(server.port, head, bodyWriter(MAX_PAYLOAD_BYTES + 64 * 1024));
    const message = expectTooLarge(res, 'Content-Length 10485760');
    assert.ok(message.includes(String(length)), `the message does not give the length ${length}: ${message}`);
    const lastRun = await server.lastRun(task.id);
    assert.equal(lastRun?.id, previousRun?.id, 'a 413 request created a run');
  });

  test('limit plus one byte is 413', async () => {
    const body = paddedInput(MAX_PAYLOAD_BYTES + 1);
    const head = requestHead('POST', syncTarget(), { 'Content-Length': body.length });
    const res = await rawExchange(server.port, head, (write) => write(body));
    const message = expectTooLarge(res, 'limit + 1');
    assert.ok(message.includes(String(MAX_PAYLOAD_BYTES + 1)), message);
  });

  test('chunked limit plus one byte is 413', async () => {
    const previousRun = await server.lastRun(task.id);
    const head = requestHead('POST', syncTarget(), { 'Transfer-Encoding': 'chunked' });
    const res = await rawExchange(server.port, head, bodyWriter(MAX_PAYLOAD_BYTES + 1, { chunked: true }));
    expectTooLarge(res, 'chunked limit + 1');
    const lastRun = await server.lastRun(task.id);
    assert.equal(lastRun?.id, previousRun?.id, 'a 413 request created a run');
  });

  test('chunked reading stops at the limit', async () => {
    // The last chunk never comes, so only a server that counts the bytes as
    // they arrive can respond.
    const head = requestHead('POST', syncTarget(), { 'Transfer-Encoding': 'chunked' });
    const writer = bodyWriter(MAX_PAYLOAD_BYTES + 64 * 1024, { chunked: true, pieceSize: 64 * 1024, end: false });
    const res = await rawExchange(server.port, head, writer);
    expectTooLarge(res, 'unfinished chunked body of limit + 64 KiB');
  });

  test('body of exactly the limit runs', async () => {
    const body = paddedInput(MAX_PAYLOAD_BYTES);
    assert.equal(body.length, MAX_PAYLOAD_BYTES);
    const res = expectStatus(await server.runSync(task.id, { body, headers: { 'content-type': 'application/json' } }), 201);
    assert.deepEqual(res.json, [{ sleptSecs: 0 }]);
  });

  test('chunked body of exactly the limit runs', async () => {
    const body = paddedInput(MAX_PAYLOAD_BYTES);
    const { request, response } = openRequest(syncUrl(), {
      method: 'POST',
      headers: authHeaders({ 'transfer-encoding': 'chunked' }),
    });
    for (let start = 0; start < body.length; start += 1024 * 1024) {
      request.write(body.subarray(start, start + 1024 * 1024));
    }
    request.end();
    const res = await responseWithin(response, 60_000, 'chunked limit');
    assert.equal(res.status, 201, res.text.slice(0, 500));
    assert.deepEqual(res.json, [{ sleptSecs: 0 }]);
  });

  test('dataset push over the limit is 413', async () => {
    await server.runSyncItems(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    const body = Buffer.from(`[${paddedInput(MAX_PAYLOAD_BYTES).toString()}]`);
    const head = requestHead('POST', `/v2/datasets/${run.defaultDatasetId}/items`, { 'Content-Length': body.length });
    expectTooLarge(await rawExchange(server.port, head, (write) => write(body)), 'dataset push');
    const items = expectStatus(await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items`), 200);
    assert.deepEqual(items.json, [{ sleptSecs: 0 }]);
  });

  test('record over the limit is 413', async () => {
    const run = await server.lastRun(task.id);
    const target = `/v2/key-value-stores/${run.defaultKeyValueStoreId}/records/huge`;
    const head = requestHead('PUT', target, { 'Content-Length': MAX_PAYLOAD_BYTES + 1 });
    const res = await rawExchange(server.port, head, bodyWriter(MAX_PAYLOAD_BYTES + 1));
    expectTooLarge(res, 'record put');
    expectError(await server.api('GET', target), 404, 'record-not-found');
  });
});

describe('concurrency', () => {
  test(`${CONCURRENT_REQUESTS} concurrent sync requests`, { timeout: 900_000 }, async (t) => {
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const body = JSON.stringify({ seconds: 3 });
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENT_REQUESTS }, async () => {
        const { request, response } = openRequest(syncUrl(), {
          method: 'POST',
          agent,
          headers: authHeaders({ 'content-length': String(Buffer.byteLength(body)) }),
        });
        request.end(body);
        try {
          return await response;
        } catch (error) {
          return { status: null, error: error.code ?? error.message };
        }
      }),
    );
    const elapsedSecs = (Date.now() - started) / 1000;
    agent.destroy();

    const statusCounts = {};
    for (const outcome of outcomes) {
      const key = outcome.status ?? `error ${outcome.error}`;
      statusCounts[key] = (statusCounts[key] ?? 0) + 1;
    }
    t.diagnostic(`${CONCURRENT_REQUESTS} requests took ${elapsedSecs.toFixed(1)} s: ${JSON.stringify(statusCounts)}`);

    const failures = outcomes.filter((outcome) => outcome.status !== 201);
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${CONCURRENT_REQUESTS} requests failed: ${JSON.stringify(statusCounts)}; ` +
        `first failure: ${JSON.stringify(failures[0])?.slice(0, 500)}`,
    );
    for (const outcome of outcomes) {
      assert.deepEqual(outcome.json, [{ sleptSecs: 3 }]);
    }
    // Runs of 3 s one after another would take CONCURRENT_REQUESTS * 3 s;
    // held concurrently they take a small part of that.
    assert.ok(
      elapsedSecs < Math.max(60, CONCURRENT_REQUESTS * 0.3),
      `${CONCURRENT_REQUESTS} requests of a 3 s run took ${elapsedSecs} s`,
    );

    // actord still responds at once afterwards.
    const me = await server.api('GET', '/v2/users/me');
    expectStatus(me, 200);
  });
});
