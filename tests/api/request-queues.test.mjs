// Request queues as Crawlee and apify-client use them: queue objects,
// requests with uniqueKey deduplication, forefront order, the head, locks
// that expire, batches of at most 25, and a run's default queue.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';

import { expectError, expectStatus, sleep, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();
// A second server with the platform's rate limits on.
const limitedServer = useServer({ rateLimits: { standard: 60, records: 200, runs: 400 } });

// The request id Crawlee computes for a unique key.
function requestIdOf(uniqueKey) {
  return crypto.createHash('sha256').update(uniqueKey).digest('base64').replace(/[+/=]/g, '').substring(0, 15);
}

function request(n, extra = {}) {
  return { url: `http://example.com/${n}`, uniqueKey: `http://example.com/${n}`, method: 'GET', ...extra };
}

async function newQueue() {
  const res = expectStatus(await server.api('POST', `/v2/request-queues?name=${uniqueName('queue')}`), 201);
  return res.data;
}

async function addRequest(queueId, body, query = '') {
  return server.api('POST', `/v2/request-queues/${queueId}/requests${query}`, { body });
}

async function headUrls(queueId, query = '') {
  const res = expectStatus(await server.api('GET', `/v2/request-queues/${queueId}/head${query}`), 200);
  return res.data.items.map((item) => item.url);
}

describe('queue objects', () => {
  test('get-or-create by name', async () => {
    const name = uniqueName('named');
    const created = expectStatus(await server.api('POST', `/v2/request-queues?name=${name}`), 201).data;
    assert.equal(created.name, name);
    assert.equal(created.totalRequestCount, 0);
    assert.equal(created.handledRequestCount, 0);
    assert.equal(created.pendingRequestCount, 0);
    assert.equal(created.hadMultipleClients, false);
    for (const field of ['id', 'userId', 'createdAt', 'modifiedAt', 'accessedAt', 'consoleUrl']) {
      assert.ok(created[field], `field ${field}`);
    }
    const again = expectStatus(await server.api('POST', `/v2/request-queues?name=${name}`), 200).data;
    assert.equal(again.id, created.id);
  });

  test('POST without a name creates an unnamed queue', async () => {
    const first = expectStatus(await server.api('POST', '/v2/request-queues'), 201).data;
    const second = expectStatus(await server.api('POST', '/v2/request-queues'), 201).data;
    assert.notEqual(first.id, second.id);
    assert.equal(first.name, null);
  });

  test('list shows named queues, unnamed on request', async () => {
    const named = await newQueue();
    const unnamed = expectStatus(await server.api('POST', '/v2/request-queues'), 201).data;
    const list = expectStatus(await server.api('GET', '/v2/request-queues'), 200).data;
    const ids = list.items.map((q) => q.id);
    assert.ok(ids.includes(named.id));
    assert.ok(!ids.includes(unnamed.id));
    assert.equal(list.total, list.items.length);
    const all = expectStatus(await server.api('GET', '/v2/request-queues?unnamed=true&desc=1'), 200).data;
    assert.ok(all.items.map((q) => q.id).includes(unnamed.id));
    assert.equal(all.desc, true);
  });

  test('GET by id and by ~name', async () => {
    const queue = await newQueue();
    assert.equal(expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data.id, queue.id);
    assert.equal(expectStatus(await server.api('GET', `/v2/request-queues/~${queue.name}`), 200).data.id, queue.id);
  });

  test('PUT renames, DELETE removes', async () => {
    const queue = await newQueue();
    const other = await newQueue();
    const newName = uniqueName('renamed');
    const renamed = expectStatus(await server.api('PUT', `/v2/request-queues/${queue.id}`, { body: { name: newName } }), 200).data;
    assert.equal(renamed.name, newName);
    expectError(await server.api('PUT', `/v2/request-queues/${queue.id}`, { body: { name: other.name } }), 409, 'record-duplicate');
    expectError(await server.api('PUT', `/v2/request-queues/${queue.id}`, { body: { name: 'no spaces' } }), 400, 'invalid-input');
    expectStatus(await addRequest(queue.id, request(1)), 201);
    expectStatus(await server.api('DELETE', `/v2/request-queues/${queue.id}`), 204);
    expectError(await server.api('GET', `/v2/request-queues/${queue.id}`), 404, 'record-not-found');
    expectError(await server.api('GET', `/v2/request-queues/${queue.id}/head`), 404, 'record-not-found');
  });

  test('unknown queue is 404', async () => {
    expectError(await server.api('GET', '/v2/request-queues/NoSuchQueue123456'), 404, 'record-not-found');
    expectError(await addRequest('NoSuchQueue123456', request(1)), 404, 'record-not-found');
  });
});

describe('requests', () => {
  test('add, get, deduplicate by uniqueKey', async () => {
    const queue = await newQueue();
    const body = request(1, { userData: { label: 'START', price: 0.1 }, headers: { 'x-a': 'b' } });
    const added = expectStatus(await addRequest(queue.id, body), 201).data;
    assert.deepEqual(added, { requestId: requestIdOf(body.uniqueKey), wasAlreadyPresent: false, wasAlreadyHandled: false });

    const got = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/requests/${added.requestId}`), 200);
    assert.deepEqual(got.data, { id: added.requestId, ...body });
    assert.match(got.text, /"price":0\.1/);

    const again = expectStatus(await addRequest(queue.id, { ...body, url: 'http://example.com/other' }), 201).data;
    assert.deepEqual(again, { requestId: added.requestId, wasAlreadyPresent: true, wasAlreadyHandled: false });
    const kept = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/requests/${added.requestId}`), 200).data;
    assert.equal(kept.url, body.url);

    const counts = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data;
    assert.equal(counts.totalRequestCount, 1);
    assert.equal(counts.pendingRequestCount, 1);
  });

  test('an "id" in the body is replaced by the derived id', async () => {
    const queue = await newQueue();
    const added = expectStatus(await addRequest(queue.id, request(2, { id: 'clientChosenId' })), 201).data;
    assert.equal(added.requestId, requestIdOf(request(2).uniqueKey));
    const got = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/requests/${added.requestId}`), 200).data;
    assert.equal(got.id, added.requestId);
  });

  test('update marks handled and counts follow', async () => {
    const queue = await newQueue();
    const { requestId } = expectStatus(await addRequest(queue.id, request(1)), 201).data;
    expectStatus(await addRequest(queue.id, request(2)), 201);

    const handledAt = new Date().toISOString();
    const updated = expectStatus(await server.api('PUT', `/v2/request-queues/${queue.id}/requests/${requestId}`, {
      body: { id: requestId, ...request(1), handledAt, retryCount: 1 },
    }), 200).data;
    assert.deepEqual(updated, { requestId, wasAlreadyPresent: true, wasAlreadyHandled: false });

    const got = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/requests/${requestId}`), 200).data;
    assert.equal(got.handledAt, handledAt);
    assert.equal(got.retryCount, 1);
    const counts = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data;
    assert.equal(counts.totalRequestCount, 2);
    assert.equal(counts.handledRequestCount, 1);
    assert.equal(counts.pendingRequestCount, 1);
    assert.deepEqual(await headUrls(queue.id), [request(2).url]);

    const readded = expectStatus(await addRequest(queue.id, request(1)), 201).data;
    assert.deepEqual(readded, { requestId, wasAlreadyPresent: true, wasAlreadyHandled: true });
  });

  test('update rejects another uniqueKey, a wrong id and unknown requests', async () => {
    const queue = await newQueue();
    const { requestId } = expectStatus(await addRequest(queue.id, request(1)), 201).data;
    const path = `/v2/request-queues/${queue.id}/requests/${requestId}`;
    expectError(await server.api('PUT', path, { body: request(9) }), 400, 'invalid-input');
    expectError(await server.api('PUT', path, { body: { ...request(1), id: 'otherId' } }), 400, 'invalid-input');
    expectError(await server.api('PUT', `/v2/request-queues/${queue.id}/requests/unknownRequest1`, { body: request(1) }), 404, 'record-not-found');
  });

  test('delete', async () => {
    const queue = await newQueue();
    const { requestId } = expectStatus(await addRequest(queue.id, request(1)), 201).data;
    const path = `/v2/request-queues/${queue.id}/requests/${requestId}`;
    expectStatus(await server.api('DELETE', path), 204);
    expectError(await server.api('GET', path), 404, 'record-not-found');
    expectError(await server.api('DELETE', path), 404, 'record-not-found');
  });

  test('list all requests by id with exclusiveStartId', async () => {
    const queue = await newQueue();
    const path = `/v2/request-queues/${queue.id}/requests`;
    expectStatus(await server.api('POST', `${path}/batch`, { body: [request(1), request(2), request(3, { handledAt: '2026-01-01T00:00:00Z' })] }), 201);
    const ids = [1, 2, 3].map((n) => requestIdOf(request(n).uniqueKey)).sort();
    const all = expectStatus(await server.api('GET', path), 200).data;
    assert.deepEqual(all.items.map((i) => i.id), ids);
    assert.equal(all.exclusiveStartId, null);
    const page = expectStatus(await server.api('GET', `${path}?limit=1&exclusiveStartId=${ids[0]}`), 200).data;
    assert.deepEqual(page.items.map((i) => i.id), [ids[1]]);
    assert.equal(page.limit, 1);
    expectError(await server.api('GET', `${path}?limit=10001`), 400, 'invalid-input');
  });

  test('bad request bodies are 400', async () => {
    const queue = await newQueue();
    const cases = [
      '[1]',
      '{"url":"http://example.com"}',
      '{"uniqueKey":"k"}',
      '{"url":"","uniqueKey":"k"}',
      '{"url":"http://example.com","uniqueKey":5}',
      '{"url":"http://example.com","uniqueKey":"k","method":7}',
      '{not json',
      '',
    ];
    for (const body of cases) {
      const error = expectError(await addRequest(queue.id, body), 400, 'invalid-input');
      assert.ok(error.message.length > 10, body);
    }
    expectError(await addRequest(queue.id, request(1), '?forefront=maybe'), 400, 'invalid-input');
    expectError(await addRequest(queue.id, request(1), `?clientKey=${'k'.repeat(33)}`), 400, 'invalid-input');
    expectStatus(await addRequest(queue.id, request(1), `?clientKey=${'k'.repeat(32)}`), 201);
  });
});

describe('forefront and the head', () => {
  test('forefront requests come first, newest first', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(1)), 201);
    expectStatus(await addRequest(queue.id, request(2)), 201);
    expectStatus(await addRequest(queue.id, request(3), '?forefront=true'), 201);
    expectStatus(await addRequest(queue.id, request(4), '?forefront=1'), 201);
    assert.deepEqual(await headUrls(queue.id), [4, 3, 1, 2].map((n) => request(n).url));
    assert.deepEqual(await headUrls(queue.id, '?limit=2'), [4, 3].map((n) => request(n).url));
  });

  test('update with forefront moves a request to the front', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(1)), 201);
    const { requestId } = expectStatus(await addRequest(queue.id, request(2)), 201).data;
    expectStatus(await server.api('PUT', `/v2/request-queues/${queue.id}/requests/${requestId}?forefront=true`, { body: request(2) }), 200);
    assert.deepEqual(await headUrls(queue.id), [2, 1].map((n) => request(n).url));
  });

  test('head shape and limits', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(1)), 201);
    const head = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/head`), 200).data;
    assert.equal(head.limit, 100);
    assert.equal(head.hadMultipleClients, false);
    assert.ok(head.queueModifiedAt);
    assert.deepEqual(head.items, [{ id: requestIdOf(request(1).uniqueKey), ...request(1) }]);
    expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/head?limit=1000`), 200);
    expectError(await server.api('GET', `/v2/request-queues/${queue.id}/head?limit=1001`), 400, 'invalid-input');
    expectError(await server.api('GET', `/v2/request-queues/${queue.id}/head?limit=0`), 400, 'invalid-input');
    expectError(await server.api('GET', `/v2/request-queues/${queue.id}/head?limit=ten`), 400, 'invalid-input');
  });
});

describe('batches', () => {
  test('batch add deduplicates and reports each request', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(0)), 201);
    const body = [request(0), request(1), request(2), request(1)];
    const res = expectStatus(await server.api('POST', `/v2/request-queues/${queue.id}/requests/batch`, { body }), 201).data;
    assert.deepEqual(res.unprocessedRequests, []);
    assert.deepEqual(res.processedRequests.map((p) => [p.uniqueKey, p.requestId, p.wasAlreadyPresent]), [
      [request(0).uniqueKey, requestIdOf(request(0).uniqueKey), true],
      [request(1).uniqueKey, requestIdOf(request(1).uniqueKey), false],
      [request(2).uniqueKey, requestIdOf(request(2).uniqueKey), false],
      [request(1).uniqueKey, requestIdOf(request(1).uniqueKey), true],
    ]);
    const counts = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data;
    assert.equal(counts.totalRequestCount, 3);
  });

  test('batch of 25 is accepted, 26 is 400 and adds nothing', async () => {
    const queue = await newQueue();
    const path = `/v2/request-queues/${queue.id}/requests/batch`;
    const many = Array.from({ length: 26 }, (_, i) => request(i));
    const error = expectError(await server.api('POST', path, { body: many }), 400, 'invalid-input');
    assert.match(error.message, /25/);
    assert.equal(expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data.totalRequestCount, 0);
    expectStatus(await server.api('POST', path, { body: many.slice(0, 25) }), 201);
    assert.equal(expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data.totalRequestCount, 25);
    expectError(await server.api('DELETE', path, { body: many.map((r) => ({ uniqueKey: r.uniqueKey })) }), 400, 'invalid-input');
  });

  test('batch add with an invalid request adds nothing', async () => {
    const queue = await newQueue();
    const path = `/v2/request-queues/${queue.id}/requests/batch`;
    const error = expectError(await server.api('POST', path, { body: [request(1), { url: 'x' }] }), 400, 'invalid-input');
    assert.match(error.message, /index 1/);
    expectError(await server.api('POST', path, { body: request(1) }), 400, 'invalid-input');
    assert.equal(expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data.totalRequestCount, 0);
  });

  test('batch delete by id and by uniqueKey', async () => {
    const queue = await newQueue();
    const path = `/v2/request-queues/${queue.id}/requests/batch`;
    expectStatus(await server.api('POST', path, { body: [request(1), request(2), request(3)] }), 201);
    const body = [{ id: requestIdOf(request(1).uniqueKey) }, { uniqueKey: request(2).uniqueKey }];
    const res = expectStatus(await server.api('DELETE', path, { body }), 200).data;
    assert.deepEqual(res.processedRequests, body);
    assert.deepEqual(res.unprocessedRequests, []);
    assert.deepEqual(await headUrls(queue.id), [request(3).url]);
    expectError(await server.api('DELETE', path, { body: [{ url: 'x' }] }), 400, 'invalid-input');
  });
});

describe('locks', () => {
  test('head/lock hides locked requests from other clients', async () => {
    const queue = await newQueue();
    for (let i = 1; i <= 3; i += 1) expectStatus(await addRequest(queue.id, request(i)), 201);
    const lockPath = `/v2/request-queues/${queue.id}/head/lock`;
    const locked = expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&limit=2&clientKey=a`), 201).data;
    assert.equal(locked.limit, 2);
    assert.equal(locked.lockSecs, 60);
    assert.equal(locked.clientKey, 'a');
    assert.equal(locked.queueHasLockedRequests, true);
    assert.deepEqual(locked.items.map((i) => i.url), [1, 2].map((n) => request(n).url));
    for (const item of locked.items) {
      const expiresIn = Date.parse(item.lockExpiresAt) - Date.now();
      assert.ok(expiresIn > 50_000, item.lockExpiresAt);
      assert.ok(expiresIn <= 60_000, item.lockExpiresAt);
    }
    assert.deepEqual(await headUrls(queue.id), [request(3).url]);
    const other = expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&clientKey=b`), 201).data;
    assert.deepEqual(other.items.map((i) => i.url), [request(3).url]);
    const none = expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&clientKey=c`), 201).data;
    assert.deepEqual(none.items, []);
    const counts = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data;
    assert.equal(counts.hadMultipleClients, true);
  });

  test('parallel head/lock never hands out a request twice', async () => {
    const queue = await newQueue();
    const path = `/v2/request-queues/${queue.id}/requests/batch`;
    expectStatus(await server.api('POST', path, { body: Array.from({ length: 20 }, (_, i) => request(i)) }), 201);
    const calls = Array.from({ length: 12 }, (_, i) => server.api('POST', `/v2/request-queues/${queue.id}/head/lock?lockSecs=60&limit=2&clientKey=c${i}`));
    const ids = (await Promise.all(calls)).flatMap((res) => expectStatus(res, 201).data.items.map((item) => item.id));
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20);
  });

  test('locks expire after lockSecs', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(1)), 201);
    const lockPath = `/v2/request-queues/${queue.id}/head/lock`;
    const locked = expectStatus(await server.api('POST', `${lockPath}?lockSecs=1&clientKey=a`), 201).data;
    assert.equal(locked.items.length, 1);
    assert.deepEqual(await headUrls(queue.id), []);
    await sleep(1200);
    assert.deepEqual(await headUrls(queue.id), [request(1).url]);
    const again = expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&clientKey=b`), 201).data;
    assert.deepEqual(again.items.map((i) => i.url), [request(1).url]);
  });

  test('prolong and release a lock, with forefront', async () => {
    const queue = await newQueue();
    expectStatus(await addRequest(queue.id, request(1)), 201);
    expectStatus(await addRequest(queue.id, request(2)), 201);
    const locked = expectStatus(await server.api('POST', `/v2/request-queues/${queue.id}/head/lock?lockSecs=1&limit=1&clientKey=a`), 201).data;
    const id = locked.items[0].id;
    const lockPath = `/v2/request-queues/${queue.id}/requests/${id}/lock`;

    const prolonged = expectStatus(await server.api('PUT', `${lockPath}?lockSecs=120&clientKey=a`), 200).data;
    assert.ok(Date.parse(prolonged.lockExpiresAt) - Date.now() > 100_000, prolonged.lockExpiresAt);
    await sleep(1200);
    assert.deepEqual(await headUrls(queue.id), [request(2).url]);

    expectError(await server.api('PUT', `${lockPath}?lockSecs=10&clientKey=b`), 409, 'request-not-locked');
    expectError(await server.api('DELETE', `${lockPath}?clientKey=b`), 409, 'request-not-locked');
    expectError(await server.api('PUT', `${lockPath}?clientKey=a`), 400, 'invalid-input');
    expectError(await server.api('PUT', `${lockPath}?lockSecs=0&clientKey=a`), 400, 'invalid-input');

    expectStatus(await server.api('DELETE', `${lockPath}?clientKey=a&forefront=true`), 204);
    assert.deepEqual(await headUrls(queue.id), [1, 2].map((n) => request(n).url));
    expectError(await server.api('DELETE', `${lockPath}?clientKey=a`), 409, 'request-not-locked');
    expectError(await server.api('PUT', `/v2/request-queues/${queue.id}/requests/unknownRequest1/lock?lockSecs=5`), 404, 'record-not-found');
  });

  test('unlock releases only the client\'s own locks', async () => {
    const queue = await newQueue();
    for (let i = 1; i <= 3; i += 1) expectStatus(await addRequest(queue.id, request(i)), 201);
    const lockPath = `/v2/request-queues/${queue.id}/head/lock`;
    expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&limit=2&clientKey=a`), 201);
    expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&limit=1&clientKey=b`), 201);
    const res = expectStatus(await server.api('POST', `/v2/request-queues/${queue.id}/requests/unlock?clientKey=a`), 200).data;
    assert.deepEqual(res, { unlockedCount: 2 });
    assert.deepEqual(await headUrls(queue.id), [1, 2].map((n) => request(n).url));
  });

  test('head/lock parameters are checked', async () => {
    const queue = await newQueue();
    const lockPath = `/v2/request-queues/${queue.id}/head/lock`;
    expectError(await server.api('POST', lockPath), 400, 'invalid-input');
    expectError(await server.api('POST', `${lockPath}?lockSecs=-1`), 400, 'invalid-input');
    expectError(await server.api('POST', `${lockPath}?lockSecs=60&limit=26`), 400, 'invalid-input');
    expectStatus(await server.api('POST', `${lockPath}?lockSecs=60&limit=25`), 201);
  });

  test('handled requests leave the head and cannot be locked', async () => {
    const queue = await newQueue();
    const { requestId } = expectStatus(await addRequest(queue.id, request(1, { handledAt: '2026-01-01T00:00:00.000Z' })), 201).data;
    assert.deepEqual(await headUrls(queue.id), []);
    const locked = expectStatus(await server.api('POST', `/v2/request-queues/${queue.id}/head/lock?lockSecs=60`), 201).data;
    assert.deepEqual(locked.items, []);
    const counts = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}`), 200).data;
    assert.equal(counts.handledRequestCount, 1);
    assert.ok(requestId);
  });
});

describe('a run\'s default queue', () => {
  test('reached under /v2/actor-runs/:runId/request-queue', async () => {
    const { task } = await server.deployTask('push-items');
    await server.runSyncItems(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    const base = `/v2/actor-runs/${run.id}/request-queue`;
    const queue = expectStatus(await server.api('GET', base), 200).data;
    assert.equal(queue.id, run.defaultRequestQueueId);
    const { requestId } = expectStatus(await server.api('POST', `${base}/requests`, { body: request(1) }), 201).data;
    const got = expectStatus(await server.api('GET', `/v2/request-queues/${run.defaultRequestQueueId}/requests/${requestId}`), 200).data;
    assert.equal(got.url, request(1).url);
    assert.deepEqual(await headUrls(run.defaultRequestQueueId), [request(1).url]);
    expectError(await server.api('GET', '/v2/actor-runs/NoSuchRun12345678/request-queue'), 404, 'record-not-found');
  });
});

describe('rate limits', () => {
  test('request routes get the 400/s limit', async () => {
    const queue = expectStatus(await limitedServer.api('POST', '/v2/request-queues'), 201);
    assert.equal(queue.header('x-ratelimit-limit'), '60');
    const queueId = queue.data.id;
    const added = expectStatus(await limitedServer.api('POST', `/v2/request-queues/${queueId}/requests`, { body: request(1) }), 201);
    assert.equal(added.header('x-ratelimit-limit'), '400');
    const head = expectStatus(await limitedServer.api('GET', `/v2/request-queues/${queueId}/head`), 200);
    assert.equal(head.header('x-ratelimit-limit'), '400');
  });
});

describe('lockSecs out of range', () => {
  test('every bad value gets the allowed range', async () => {
    const queue = expectStatus(await server.api('POST', `/v2/request-queues?name=${uniqueName('locks')}`), 201).data;
    for (const value of ['-1', '-5', '0', 'soon', '1.5', '31536001', '99999999999999999999']) {
      const res = await server.api('POST', `/v2/request-queues/${queue.id}/head/lock?lockSecs=${value}`);
      expectError(res, 400, 'invalid-input');
      assert.equal(res.json.error.message, `Parameter 'lockSecs' must be an integer from 1 to 31536000, got '${value}'.`);
    }
  });
});
