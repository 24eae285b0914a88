// Webhooks: ad-hoc ones from the `webhooks` run option and persistent ones
// from /v2/webhooks, delivered to a real HTTP receiver on 127.0.0.1 that
// records every request and responds as each test sets. actord runs
// with short retry intervals so retries fit in a test.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ActordServer, expectError, expectStatus, sleep, useServer } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const RETRY_SECS = 1;
const MAX_RETRIES = 2;
const TIMEOUT_SECS = 3;
const WEBHOOK_ARGS = [
  '--webhook-retry-secs', String(RETRY_SECS),
  '--webhook-max-retries', String(MAX_RETRIES),
  '--webhook-timeout-secs', String(TIMEOUT_SECS),
];
const RUN_EVENTS = ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED', 'ACTOR.RUN.FAILED', 'ACTOR.RUN.TIMED_OUT', 'ACTOR.RUN.ABORTED'];

function encodeWebhooks(list) {
  return Buffer.from(JSON.stringify(list)).toString('base64');
}

const receiver = new Receiver();
const server = useServer({ killGraceSecs: 1, args: WEBHOOK_ARGS });
let sleepTask;
let failTask;
let pathCounter = 0;

function newPath() {
  pathCounter += 1;
  return `/hook-${pathCounter}`;
}

before(async () => {
  await receiver.start();
  sleepTask = (await server.deployTask('sleep', { input: { seconds: 0 } })).task;
  failTask = (await server.deployTask('fail-exit')).task;
});

after(async () => {
  await receiver.stop();
});

/** POST .../runs of a task with ad-hoc webhooks; returns the run. */
async function startRun(taskId, webhooks, { query = {}, body = {} } = {}) {
  const search = new URLSearchParams({ ...query, webhooks: encodeWebhooks(webhooks) });
  const res = await server.api('POST', `/v2/actor-tasks/${taskId}/runs?${search}`, { body });
  return expectStatus(res, 201).data;
}

/** Polls a dispatch until its status is not ACTIVE; returns it. */
async function waitForDispatchEnd(dispatchId, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = expectStatus(await server.api('GET', `/v2/webhook-dispatches/${dispatchId}`), 200).data;
    if (d.status !== 'ACTIVE') return d;
    assert.ok(Date.now() < deadline, `dispatch ${dispatchId} still ACTIVE`);
    await sleep(100);
  }
}

/** Returns the list page of webhooks that target returns. */
async function listWebhooks(target = '/v2/webhooks') {
  return expectStatus(await server.api('GET', target), 200).data;
}

describe('ad-hoc webhooks', () => {
  test('created and succeeded with the default payload', async () => {
    const path = newPath();
    const run = await startRun(sleepTask.id, [
      { eventTypes: ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path) },
    ]);
    const requests = await receiver.waitFor(path, 2);
    const byType = Object.fromEntries(requests.map((r) => [r.json.eventType, r]));
    assert.deepEqual(Object.keys(byType).sort(), ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED']);

    const created = byType['ACTOR.RUN.CREATED'];
    const succeeded = byType['ACTOR.RUN.SUCCEEDED'];
    for (const r of [created, succeeded]) {
      assert.equal(r.method, 'POST');
      assert.deepEqual(Object.keys(r.json).sort(), ['createdAt', 'eventData', 'eventType', 'resource', 'userId']);
      assert.equal(r.json.userId, run.userId);
      assert.match(r.json.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(r.json.eventData, { actorId: run.actId, actorTaskId: sleepTask.id, actorRunId: run.id });
      assert.equal(r.json.resource.id, run.id);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.headers['x-apify-request-origin'], 'WEBHOOK');
      assert.ok(r.headers['user-agent'], 'no User-Agent');
    }
    assert.equal(created.json.resource.status, 'READY');
    assert.equal(succeeded.json.resource.status, 'SUCCEEDED');
    assert.ok(succeeded.json.resource.finishedAt);

    const hooks = (await listWebhooks()).items.filter((w) => w.requestUrl === receiver.url(path));
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].isAdHoc, true);
    assert.deepEqual(hooks[0].condition, { actorRunId: run.id });
    assert.equal(created.headers['x-apify-webhook'], hooks[0].id);
    assert.notEqual(created.headers['x-apify-webhook-dispatch-id'], succeeded.headers['x-apify-webhook-dispatch-id']);

    const dispatchId = succeeded.headers['x-apify-webhook-dispatch-id'];
    const dispatch = await waitForDispatchEnd(dispatchId);
    assert.equal(dispatch.status, 'SUCCEEDED');
    assert.equal(dispatch.webhookId, hooks[0].id);
    assert.equal(dispatch.eventType, 'ACTOR.RUN.SUCCEEDED');
    assert.deepEqual(dispatch.eventData, succeeded.json.eventData);
    assert.equal(dispatch.calls.length, 1);
    assert.equal(dispatch.calls[0].responseStatus, 200);
    assert.equal(dispatch.calls[0].responseBody, 'answer 200');
    assert.equal(dispatch.calls[0].errorMessage, null);
  });

  test('failed run from run-sync-get-dataset-items', async () => {
    const path = newPath();
    const search = new URLSearchParams({
      webhooks: encodeWebhooks([{ eventTypes: RUN_EVENTS, requestUrl: receiver.url(path) }]),
    });
    const res = await server.api('POST', `/v2/actor-tasks/${failTask.id}/run-sync-get-dataset-items?${search}`, { body: {} });
    expectError(res, 400, 'run-failed');
    const requests = await receiver.waitFor(path, 2);
    assert.deepEqual(requests.map((r) => r.json.eventType).sort(), ['ACTOR.RUN.CREATED', 'ACTOR.RUN.FAILED']);
    assert.equal(requests.find((r) => r.json.eventType === 'ACTOR.RUN.FAILED').json.resource.status, 'FAILED');
  });

  test('timed-out run', async () => {
    const path = newPath();
    const run = await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.TIMED_OUT'], requestUrl: receiver.url(path) }], {
      query: { timeout: '1' },
      body: { seconds: 30 },
    });
    const [request] = await receiver.waitFor(path, 1);
    assert.equal(request.json.eventType, 'ACTOR.RUN.TIMED_OUT');
    assert.equal(request.json.resource.id, run.id);
    assert.equal(request.json.resource.status, 'TIMED-OUT');
  });

  test('aborted run', async () => {
    const path = newPath();
    const run = await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.ABORTED', 'ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path) }], {
      body: { seconds: 30 },
    });
    expectStatus(await server.api('POST', `/v2/actor-runs/${run.id}/abort`), 200);
    const [request] = await receiver.waitFor(path, 1);
    assert.equal(request.json.eventType, 'ACTOR.RUN.ABORTED');
    assert.equal(request.json.resource.status, 'ABORTED');
    await sleep(500);
    assert.equal(receiver.received(path).length, 1, 'an event the webhook does not listen to was sent');
  });

  test('payload template without string interpolation', async () => {
    const path = newPath();
    const payloadTemplate = '{"runId": {{resource.id}}, "text": "run {{resource.id}}", "missing": {{resource.nothing}}}';
    const run = await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path), payloadTemplate }]);
    const [request] = await receiver.waitFor(path, 1);
    assert.deepEqual(request.json, { runId: run.id, text: 'run {{resource.id}}', missing: null });
  });

  test('payload template with string interpolation', async () => {
    const path = newPath();
    const payloadTemplate = '{"data": "{{eventData}}", "text": "run {{resource.id}} is {{resource.status}}"}';
    const run = await startRun(sleepTask.id, [
      { eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path), payloadTemplate, shouldInterpolateStrings: true },
    ]);
    const [request] = await receiver.waitFor(path, 1);
    assert.deepEqual(request.json.data, { actorId: run.actId, actorTaskId: sleepTask.id, actorRunId: run.id });
    assert.equal(request.json.text, `run ${run.id} is SUCCEEDED`);
  });

  test('headers template cannot replace the system headers', async () => {
    const path = newPath();
    const headersTemplate = '{"X-Custom": "value", "X-Run": {{resource.id}}, "X-Apify-Webhook": "forged", "Content-Type": "text/plain"}';
    const run = await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path), headersTemplate }]);
    const [request] = await receiver.waitFor(path, 1);
    assert.equal(request.headers['x-custom'], 'value');
    assert.equal(request.headers['x-run'], run.id);
    assert.notEqual(request.headers['x-apify-webhook'], 'forged');
    assert.match(request.headers['content-type'], /^application\/json/);
  });

  test('retries with backoff until a 2xx', async () => {
    const path = newPath();
    receiver.plan(path, [500, 503, 200]);
    await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path) }]);
    const requests = await receiver.waitFor(path, 3);
    const gap1 = requests[1].at - requests[0].at;
    const gap2 = requests[2].at - requests[1].at;
    assert.ok(gap1 >= RETRY_SECS * 1000 - 50, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 2 * RETRY_SECS * 1000 - 50, `second retry after ${gap2} ms`);
    assert.equal(new Set(requests.map((r) => r.text)).size, 1, 'the retries sent other bytes');
    const dispatch = await waitForDispatchEnd(requests[0].headers['x-apify-webhook-dispatch-id']);
    assert.equal(dispatch.status, 'SUCCEEDED');
    assert.deepEqual(dispatch.calls.map((c) => c.responseStatus), [500, 503, 200]);
  });

  test('doNotRetry sends once', async () => {
    const path = newPath();
    receiver.plan(path, [500, 500, 500]);
    await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path), doNotRetry: true }]);
    const [request] = await receiver.waitFor(path, 1);
    const dispatch = await waitForDispatchEnd(request.headers['x-apify-webhook-dispatch-id']);
    assert.equal(dispatch.status, 'FAILED');
    assert.equal(dispatch.calls.length, 1);
    await sleep(RETRY_SECS * 1000 + 500);
    assert.equal(receiver.received(path).length, 1);
  });

  test('FAILED after the last retry, with every call recorded', async () => {
    const path = newPath();
    receiver.plan(path, Array(10).fill(500));
    await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path) }]);
    const [request] = await receiver.waitFor(path, 1);
    const dispatch = await waitForDispatchEnd(request.headers['x-apify-webhook-dispatch-id']);
    assert.equal(dispatch.status, 'FAILED');
    assert.equal(dispatch.calls.length, MAX_RETRIES + 1);
    for (const call of dispatch.calls) {
      assert.equal(call.responseStatus, 500);
      assert.equal(call.responseBody, 'answer 500');
      assert.ok(Date.parse(call.finishedAt) >= Date.parse(call.startedAt));
    }
    assert.equal(receiver.received(path).length, MAX_RETRIES + 1);
  });

  test('unreachable URL records the error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = new Receiver();
    await closed.start();
    const url = closed.url('/gone');
    await closed.stop();
    const run = await startRun(sleepTask.id, [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: url, doNotRetry: true }]);
    await server.waitForRun(run.id);
    const deadline = Date.now() + 10_000;
    let dispatch;
    do {
      await sleep(100);
      const list = expectStatus(await server.api('GET', '/v2/webhook-dispatches?desc=1&limit=20'), 200).data;
      dispatch = list.items.find((d) => d.eventData.actorRunId === run.id);
    } while ((!dispatch || dispatch.status === 'ACTIVE') && Date.now() < deadline);
    assert.equal(dispatch?.status, 'FAILED');
    assert.equal(dispatch.calls[0].responseStatus, null);
    assert.equal(typeof dispatch.calls[0].errorMessage, 'string');
  });

  test('idempotencyKey makes one webhook', async () => {
    const path = newPath();
    const hook = { eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path), idempotencyKey: `key-${path}` };
    const first = await startRun(sleepTask.id, [hook]);
    const second = await startRun(sleepTask.id, [hook]);
    await server.waitForRun(first.id);
    await server.waitForRun(second.id);
    const hooks = (await listWebhooks()).items.filter((w) => w.idempotencyKey === hook.idempotencyKey);
    assert.equal(hooks.length, 1);
    assert.deepEqual(hooks[0].condition, { actorRunId: first.id });
    await receiver.waitFor(path, 1);
    await sleep(500);
    assert.equal(receiver.received(path).length, 1);
  });

  test('a receiver that never answers delays nothing', async () => {
    const path = newPath();
    receiver.plan(path, ['hang', 'hang', 'hang', 'hang']);
    const search = new URLSearchParams({
      webhooks: encodeWebhooks([{ eventTypes: RUN_EVENTS, requestUrl: receiver.url(path), doNotRetry: true }]),
    });
    const started = Date.now();
    const items = expectStatus(
      await server.api('POST', `/v2/actor-tasks/${sleepTask.id}/run-sync-get-dataset-items?${search}`, { body: {} }),
      201,
    ).json;
    assert.deepEqual(items, [{ sleptSecs: 0 }]);
    await receiver.waitFor(path, 2);
    const apiStart = Date.now();
    expectStatus(await server.api('GET', '/v2/users/me'), 200);
    assert.ok(Date.now() - apiStart < 2000, 'an API request waited for the receiver');
    assert.ok(Date.now() - started < TIMEOUT_SECS * 1000 + 10_000);
    // The requests time out after --webhook-timeout-secs and are recorded.
    const [request] = receiver.received(path);
    const dispatch = await waitForDispatchEnd(request.headers['x-apify-webhook-dispatch-id'], TIMEOUT_SECS * 1000 + 10_000);
    assert.equal(dispatch.status, 'FAILED');
    assert.match(dispatch.calls[0].errorMessage, /time/i);
  });
});

describe('bad webhooks option', () => {
  const cases = [
    ['invalid Base64', '!!!*'],
    ['invalid JSON', Buffer.from('[{"eventTypes":').toString('base64')],
    ['not an array', encodeWebhooks({ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: 'http://127.0.0.1:1/' })],
    ['unknown event type', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.EXPLODED'], requestUrl: 'http://127.0.0.1:1/' }])],
    ['empty event types', encodeWebhooks([{ eventTypes: [], requestUrl: 'http://127.0.0.1:1/' }])],
    ['event types not an array', encodeWebhooks([{ eventTypes: 'ACTOR.RUN.CREATED', requestUrl: 'http://127.0.0.1:1/' }])],
    ['missing URL', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'] }])],
    ['ftp URL', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: 'ftp://127.0.0.1/x' }])],
    ['relative URL', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: '/hook' }])],
    ['unknown template variable', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: 'http://127.0.0.1:1/', payloadTemplate: '{"a": {{secret}}}' }])],
    ['template that is never JSON', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: 'http://127.0.0.1:1/', payloadTemplate: '{"a": ' }])],
    ['doNotRetry not a boolean', encodeWebhooks([{ eventTypes: ['ACTOR.RUN.CREATED'], requestUrl: 'http://127.0.0.1:1/', doNotRetry: 'yes' }])],
    ['element not an object', encodeWebhooks(['http://127.0.0.1:1/'])],
  ];

  for (const [name, value] of cases) {
    test(`${name} is 400`, async () => {
      const before = expectStatus(await server.api('GET', `/v2/actor-tasks/${sleepTask.id}/runs`), 200).data.total;
      const res = await server.api('POST', `/v2/actor-tasks/${sleepTask.id}/runs?webhooks=${encodeURIComponent(value)}`, { body: {} });
      const error = expectError(res, 400, 'invalid-input');
      assert.match(error.message, /webhooks/);
      assert.equal(error.message.match(/Parameter 'webhooks'/g).length, 1, error.message);
      const afterCount = expectStatus(await server.api('GET', `/v2/actor-tasks/${sleepTask.id}/runs`), 200).data.total;
      assert.equal(afterCount, before, 'a run was created');
    });
  }

  test('bad value on run-sync is 400', async () => {
    const res = await server.api('GET', `/v2/actor-tasks/${sleepTask.id}/run-sync?webhooks=${encodeURIComponent('%%%')}`);
    expectError(res, 400, 'invalid-input');
  });
});

describe('persistent webhooks', () => {
  test('create, read, update, list, fire and delete', async () => {
    const path = newPath();
    const body = {
      eventTypes: ['ACTOR.RUN.SUCCEEDED'],
      condition: { actorTaskId: sleepTask.id },
      requestUrl: receiver.url(path),
      description: 'first',
    };
    const created = await server.api('POST', '/v2/webhooks', { body });
    const hook = expectStatus(created, 201).data;
    assert.equal(hook.isAdHoc, false);
    assert.deepEqual(hook.eventTypes, ['ACTOR.RUN.SUCCEEDED']);
    assert.deepEqual(hook.condition, { actorTaskId: sleepTask.id });
    assert.equal(hook.description, 'first');
    assert.equal(hook.lastDispatch, null);
    assert.deepEqual(hook.stats, { totalDispatches: 0 });
    assert.ok(hook.createdAt);
    assert.ok(hook.modifiedAt);
    assert.equal(typeof hook.userId, 'string');

    const got = expectStatus(await server.api('GET', `/v2/webhooks/${hook.id}`), 200).data;
    assert.deepEqual(got, hook);

    const updated = expectStatus(
      await server.api('PUT', `/v2/webhooks/${hook.id}`, { body: { description: 'second', eventTypes: ['ACTOR.RUN.SUCCEEDED', 'ACTOR.RUN.CREATED'] } }),
      200,
    ).data;
    assert.equal(updated.description, 'second');
    assert.deepEqual(updated.eventTypes.sort(), ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED']);
    assert.equal(updated.requestUrl, body.requestUrl);
    assert.deepEqual(updated.condition, { actorTaskId: sleepTask.id });

    const taskList = await listWebhooks(`/v2/actor-tasks/${sleepTask.id}/webhooks`);
    assert.ok(taskList.items.some((w) => w.id === hook.id));
    const actorList = await listWebhooks(`/v2/acts/${sleepTask.actId}/webhooks`);
    assert.ok(!actorList.items.some((w) => w.id === hook.id), 'a task webhook listed under its actor');
    const all = await listWebhooks('/v2/webhooks?desc=1&limit=1');
    assert.equal(all.limit, 1);
    assert.equal(all.desc, true);
    assert.equal(all.items.length, 1);
    assert.ok(all.total >= 1);

    // A run of the task fires it; a run of another task does not.
    const run = await startRun(sleepTask.id, []);
    await startRun(failTask.id, []);
    const requests = await receiver.waitFor(path, 2);
    assert.deepEqual(requests.map((r) => r.json.eventType).sort(), ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED']);
    assert.ok(requests.every((r) => r.json.resource.id === run.id));
    assert.ok(requests.every((r) => r.headers['x-apify-webhook'] === hook.id));

    await waitForDispatchEnd(requests[1].headers['x-apify-webhook-dispatch-id']);
    const dispatches = expectStatus(await server.api('GET', `/v2/webhooks/${hook.id}/dispatches`), 200).data;
    assert.equal(dispatches.total, 2);
    assert.ok(dispatches.items.every((d) => d.webhookId === hook.id));
    const after = expectStatus(await server.api('GET', `/v2/webhooks/${hook.id}`), 200).data;
    assert.equal(after.stats.totalDispatches, 2);
    assert.ok(after.lastDispatch?.status);

    expectStatus(await server.api('DELETE', `/v2/webhooks/${hook.id}`), 204);
    expectError(await server.api('GET', `/v2/webhooks/${hook.id}`), 404, 'record-not-found');
    expectError(await server.api('DELETE', `/v2/webhooks/${hook.id}`), 404, 'record-not-found');
  });

  test('actor condition matches runs of its tasks', async () => {
    const path = newPath();
    const hook = expectStatus(
      await server.api('POST', '/v2/webhooks', {
        body: { eventTypes: ['ACTOR.RUN.FAILED'], condition: { actorId: failTask.actId }, requestUrl: receiver.url(path) },
      }),
      201,
    ).data;
    const run = await startRun(failTask.id, []);
    const request = await receiver.waitForRun(path, run.id);
    assert.equal(request.json.eventType, 'ACTOR.RUN.FAILED');
    const actorList = await listWebhooks(`/v2/acts/${failTask.actId}/webhooks`);
    assert.ok(actorList.items.some((w) => w.id === hook.id));
    expectStatus(await server.api('DELETE', `/v2/webhooks/${hook.id}`), 204);
  });

  test('PUT keeps the condition of an isAdHoc webhook', async () => {
    const path = newPath();
    const hook = expectStatus(
      await server.api('POST', '/v2/webhooks', {
        body: { eventTypes: ['ACTOR.RUN.FAILED'], isAdHoc: true, condition: { actorId: failTask.actId }, requestUrl: receiver.url(path) },
      }),
      201,
    ).data;
    const updated = expectStatus(await server.api('PUT', `/v2/webhooks/${hook.id}`, { body: { description: 'kept' } }), 200).data;
    assert.deepEqual(updated.condition, { actorId: failTask.actId });
    assert.equal(updated.description, 'kept');
    const run = await startRun(failTask.id, []);
    const request = await receiver.waitForRun(path, run.id);
    assert.equal(request.json.eventType, 'ACTOR.RUN.FAILED');
    expectStatus(await server.api('DELETE', `/v2/webhooks/${hook.id}`), 204);
  });

  test('idempotencyKey returns the existing webhook', async () => {
    const body = {
      eventTypes: ['ACTOR.RUN.FAILED'],
      condition: { actorTaskId: sleepTask.id },
      requestUrl: receiver.url(newPath()),
      idempotencyKey: 'persistent-key',
    };
    const first = expectStatus(await server.api('POST', '/v2/webhooks', { body }), 201).data;
    const second = expectStatus(await server.api('POST', '/v2/webhooks', { body }), 200).data;
    assert.equal(second.id, first.id);
    expectStatus(await server.api('DELETE', `/v2/webhooks/${first.id}`), 204);
  });

  test('bad bodies are 400', async () => {
    const good = { eventTypes: ['ACTOR.RUN.FAILED'], condition: { actorTaskId: sleepTask.id }, requestUrl: 'http://127.0.0.1:1/' };
    const bad = [
      { ...good, condition: undefined },
      { ...good, condition: {} },
      { ...good, eventTypes: ['ACTOR.BUILD.NOPE'] },
      { ...good, requestUrl: 'not a url' },
      { ...good, requestUrl: 42 },
      { ...good, headersTemplate: '{"X": {{nope}}}' },
      { ...good, shouldInterpolateStrings: 1 },
    ];
    for (const body of bad) {
      const res = await server.api('POST', '/v2/webhooks', { body });
      expectError(res, 400, 'invalid-input');
    }
    expectError(await server.api('POST', '/v2/webhooks', { body: 'not json' }), 400, 'invalid-input');
    expectError(await server.api('POST', '/v2/webhooks', { body: [good] }), 400, 'invalid-input');
    const created = expectStatus(await server.api('POST', '/v2/webhooks', { body: good }), 201).data;
    expectError(await server.api('PUT', `/v2/webhooks/${created.id}`, { body: { requestUrl: 'ftp://x/' } }), 400, 'invalid-input');
    expectError(await server.api('PUT', `/v2/webhooks/${created.id}`, { body: { eventTypes: [] } }), 400, 'invalid-input');
    const unchanged = expectStatus(await server.api('GET', `/v2/webhooks/${created.id}`), 200).data;
    assert.equal(unchanged.requestUrl, good.requestUrl);
    expectStatus(await server.api('DELETE', `/v2/webhooks/${created.id}`), 204);
  });

  test('unknown ids are 404', async () => {
    expectError(await server.api('GET', '/v2/webhooks/nosuchwebhook00000'), 404, 'record-not-found');
    expectError(await server.api('PUT', '/v2/webhooks/nosuchwebhook00000', { body: {} }), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/webhooks/nosuchwebhook00000/dispatches'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/webhook-dispatches/nosuchdispatch000'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actor-tasks/nosuchtask0000000/webhooks'), 404, 'record-not-found');
    const res = await server.api('POST', '/v2/webhooks', {
      body: { eventTypes: ['ACTOR.RUN.FAILED'], condition: { actorTaskId: 'nosuchtask0000000' }, requestUrl: 'http://127.0.0.1:1/' },
    });
    expectError(res, 404, 'record-not-found');
  });

  test("another user's webhooks and dispatches are 404", async () => {
    const otherToken = await server.addUser(`other-${Date.now()}`);
    const hook = expectStatus(
      await server.api('POST', '/v2/webhooks', {
        body: { eventTypes: ['ACTOR.RUN.FAILED'], condition: { actorTaskId: sleepTask.id }, requestUrl: 'http://127.0.0.1:1/' },
      }),
      201,
    ).data;
    expectError(await server.api('GET', `/v2/webhooks/${hook.id}`, { token: otherToken }), 404, 'record-not-found');
    expectError(await server.api('DELETE', `/v2/webhooks/${hook.id}`, { token: otherToken }), 404, 'record-not-found');
    const theirs = expectStatus(await server.api('GET', '/v2/webhooks', { token: otherToken }), 200).data;
    assert.equal(theirs.total, 0);
    const dispatches = expectStatus(await server.api('GET', '/v2/webhook-dispatches', { token: otherToken }), 200).data;
    assert.equal(dispatches.total, 0);
    expectError(await server.api('GET', '/v2/webhooks', { token: null }), 401, 'token-not-valid');
    expectStatus(await server.api('DELETE', `/v2/webhooks/${hook.id}`), 204);
  });
});

describe('restart', () => {
  test('a dispatch waiting for a retry is sent after a restart', async () => {
    const path = newPath();
    receiver.plan(path, [500]);
    const first = new ActordServer({ args: ['--webhook-retry-secs', '4', '--webhook-timeout-secs', '3'] });
    await first.start();
    let second;
    try {
      const { task } = await first.deployTask('sleep', { input: { seconds: 0 } });
      const search = new URLSearchParams({
        webhooks: encodeWebhooks([{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: receiver.url(path) }]),
      });
      expectStatus(await first.api('POST', `/v2/actor-tasks/${task.id}/runs?${search}`, { body: {} }), 201);
      const [request] = await receiver.waitFor(path, 1);
      await first.stop({ removeDataDir: false });
      const stoppedAt = Date.now();

      second = new ActordServer({ dataDir: first.dataDir, token: first.token, args: WEBHOOK_ARGS });
      await second.start();
      const requests = await receiver.waitFor(path, 2);
      assert.equal(requests[1].text, request.text, 'the resumed request sent other bytes');
      assert.equal(requests[1].headers['x-apify-webhook-dispatch-id'], request.headers['x-apify-webhook-dispatch-id']);
      assert.ok(requests[1].at >= stoppedAt);
      const dispatchId = request.headers['x-apify-webhook-dispatch-id'];
      let dispatch;
      for (let i = 0; i < 100; i++) {
        dispatch = expectStatus(await second.api('GET', `/v2/webhook-dispatches/${dispatchId}`), 200).data;
        if (dispatch.status !== 'ACTIVE') break;
        await sleep(100);
      }
      assert.equal(dispatch.status, 'SUCCEEDED');
      assert.deepEqual(dispatch.calls.map((c) => c.responseStatus), [500, 200]);
    } finally {
      if (second) await second.stop({ removeDataDir: true });
      else await first.stop({ removeDataDir: true });
    }
  });

  test('runs left by a crash fire FAILED at the next start', async () => {
    const path = newPath();
    const first = new ActordServer({ args: WEBHOOK_ARGS });
    await first.start();
    let second;
    try {
      const { task } = await first.deployTask('sleep', { input: { seconds: 60 } });
      expectStatus(
        await first.api('POST', '/v2/webhooks', {
          body: { eventTypes: ['ACTOR.RUN.FAILED'], condition: { actorTaskId: task.id }, requestUrl: receiver.url(path) },
        }),
        201,
      );
      const run = expectStatus(await first.api('POST', `/v2/actor-tasks/${task.id}/runs`, { body: {} }), 201).data;
      for (let i = 0; i < 100 && (await first.getRun(run.id)).status !== 'RUNNING'; i++) await sleep(100);
      first.stopping = true;
      first.process.kill('SIGKILL');
      await first.exited;
      first.process = null;

      second = new ActordServer({ dataDir: first.dataDir, token: first.token, args: WEBHOOK_ARGS });
      await second.start();
      const [request] = await receiver.waitFor(path, 1);
      assert.equal(request.json.eventType, 'ACTOR.RUN.FAILED');
      assert.equal(request.json.resource.id, run.id);
      assert.equal(request.json.resource.status, 'FAILED');
    } finally {
      if (second) await second.stop({ removeDataDir: true });
    }
  });
});
