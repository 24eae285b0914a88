// maxItems and maxTotalChargeUsd on run-sync-get-dataset-items: checked,
// taken from the query or else from the task's options, passed to the
// process as ACTOR_MAX_PAID_DATASET_ITEMS and ACTOR_MAX_TOTAL_CHARGE_USD,
// and shown in the run's options.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, useServer } from './lib/harness.mjs';

const server = useServer();
let plainTaskId;
let limitedTaskId;

before(async () => {
  const { actor, task } = await server.deployTask('print-env');
  plainTaskId = task.id;
  limitedTaskId = (await server.createTask(actor.id, { options: { maxItems: 50, maxTotalChargeUsd: 2.5 } })).id;
});

/** Runs the task; returns its environment and the run's options. */
async function runWith(taskId, query = {}) {
  const [item] = await server.runSyncItems(taskId, { query, body: {} });
  const run = await server.lastRun(taskId);
  return { env: item.env, options: run.options };
}

describe('maxItems and maxTotalChargeUsd', () => {
  test('query values reach the run', async () => {
    const { env, options } = await runWith(plainTaskId, { maxItems: '1000', maxTotalChargeUsd: '5.25' });
    assert.equal(env.ACTOR_MAX_PAID_DATASET_ITEMS, '1000');
    assert.equal(env.ACTOR_MAX_TOTAL_CHARGE_USD, '5.25');
    assert.equal(options.maxItems, 1000);
    assert.equal(options.maxTotalChargeUsd, 5.25);
  });

  test('absent without values', async () => {
    const { env, options } = await runWith(plainTaskId);
    assert.equal(env.ACTOR_MAX_PAID_DATASET_ITEMS, undefined);
    assert.equal(env.ACTOR_MAX_TOTAL_CHARGE_USD, undefined);
    assert.equal(options.maxItems, undefined);
    assert.equal(options.maxTotalChargeUsd, undefined);
  });

  test('task options are the default', async () => {
    const fromTask = await runWith(limitedTaskId);
    assert.equal(fromTask.env.ACTOR_MAX_PAID_DATASET_ITEMS, '50');
    assert.equal(fromTask.env.ACTOR_MAX_TOTAL_CHARGE_USD, '2.5');
    const overridden = await runWith(limitedTaskId, { maxItems: '7' });
    assert.equal(overridden.env.ACTOR_MAX_PAID_DATASET_ITEMS, '7');
    assert.equal(overridden.options.maxItems, 7);
    assert.equal(overridden.options.maxTotalChargeUsd, 2.5);
  });

  test('zero or less is 400', async () => {
    for (const value of ['0', '-3']) {
      const items = await server.runSync(plainTaskId, { query: { maxItems: value }, body: {} });
      expectError(items, 400, 'max-items-must-be-greater-than-zero');
      assert.match(items.json.error.message, /'maxItems'/);
      const charge = await server.runSync(plainTaskId, { query: { maxTotalChargeUsd: value }, body: {} });
      expectError(charge, 400, 'max-total-charge-usd-must-be-greater-than-zero');
      assert.match(charge.json.error.message, /'maxTotalChargeUsd'/);
    }
  });

  test('not numbers are 400', async () => {
    const runsBefore = (await server.lastRun(plainTaskId))?.id;
    for (const [name, value] of [
      ['maxItems', 'ten'],
      ['maxItems', '1.5'],
      ['maxItems', '1e400'],
      ['maxTotalChargeUsd', 'five'],
      ['maxTotalChargeUsd', 'inf'],
      ['maxTotalChargeUsd', 'nan'],
    ]) {
      const res = await server.runSync(plainTaskId, { query: { [name]: value }, body: {} });
      expectError(res, 400, 'invalid-input');
      assert.ok(res.json.error.message.includes(`'${name}'`), res.json.error.message);
      assert.ok(res.json.error.message.includes(value), res.json.error.message);
    }
    assert.equal((await server.lastRun(plainTaskId))?.id, runsBefore, 'no run started');
  });
});

describe('memory from .actor/actor.json', () => {
  let actorId;
  let taskId;

  before(async () => {
    const { actor, task } = await server.deployTask('memory-bounds');
    actorId = actor.id;
    taskId = task.id;
  });

  async function memoryOf(id, query = {}) {
    const [item] = await server.runSyncItems(id, { query, body: {} });
    return item.memory;
  }

  /** Runs the actor itself, with no task options; returns its memory. */
  async function actorRunMemory(query = {}) {
    const search = new URLSearchParams(query).toString();
    const res = await server.api('POST', `/v2/acts/${actorId}/run-sync-get-dataset-items?${search}`, { body: {} });
    return expectStatus(res, 201).json[0].memory;
  }

  test('defaultMemoryMbytes is the default', async () => {
    assert.equal(await actorRunMemory(), '256');
    assert.equal(await actorRunMemory({ memory: '512' }), '512');
    // The test harness gives tasks memoryMbytes 1024, moved inside to 512.
    assert.equal(await memoryOf(taskId), '512');
  });

  test('a query value outside min and max is 400', async () => {
    for (const memory of ['128', '1024']) {
      const res = await server.runSync(taskId, { query: { memory }, body: {} });
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, /from 256 to 512 megabytes/);
    }
  });

  test('a task option is moved inside min and max', async () => {
    const task = await server.createTask(actorId, { options: { memoryMbytes: 4096 } });
    assert.equal(await memoryOf(task.id), '512');
  });
});

describe('stored run options are checked when saved', () => {
  const bad = [
    ['memoryMbytes', 100],
    ['memoryMbytes', 'big'],
    ['timeoutSecs', -1],
    ['timeoutSecs', '60'],
    ['restartOnError', 1],
    ['restartOnError', 'yes'],
    ['maxItems', 0],
    ['maxItems', 2.5],
    ['maxTotalChargeUsd', -1],
    ['build', 7],
  ];

  test('actor defaultRunOptions', async () => {
    const { actor } = await server.deployTask('print-env');
    for (const [key, value] of bad) {
      const res = await server.api('PUT', `/v2/acts/${actor.id}`, { body: { defaultRunOptions: { [key]: value } } });
      expectError(res, 400, 'invalid-input');
      assert.ok(
        res.json.error.message.includes(`'defaultRunOptions.${key}'`) &&
          res.json.error.message.includes(JSON.stringify(value)),
        `${key}=${JSON.stringify(value)}: ${res.json.error.message}`,
      );
    }
    const ok = await server.api('PUT', `/v2/acts/${actor.id}`, {
      body: { defaultRunOptions: { memoryMbytes: 256, restartOnError: false, timeoutSecs: 0 } },
    });
    expectStatus(ok, 200);
    assert.equal(ok.json.data.defaultRunOptions.memoryMbytes, 256);
  });

  test('task options', async () => {
    for (const [key, value] of bad) {
      const res = await server.api('PUT', `/v2/actor-tasks/${plainTaskId}`, { body: { options: { [key]: value } } });
      expectError(res, 400, 'invalid-input');
      assert.ok(
        res.json.error.message.includes(`'options.${key}'`) && res.json.error.message.includes(JSON.stringify(value)),
        `${key}=${JSON.stringify(value)}: ${res.json.error.message}`,
      );
    }
  });
});

describe('memory query parameter', () => {
  test('only plain digits', async () => {
    for (const value of ['0x100', '+256', ' 256', '2.56e2', '256.0', '-256', '256 ', '100', '65536']) {
      const res = await server.runSync(plainTaskId, { query: { memory: value }, body: {} });
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, /'memory'/, value);
    }
    for (const value of ['256', '0256']) {
      const res = await server.runSync(plainTaskId, { query: { memory: value }, body: {} });
      expectStatus(res, 201);
      assert.equal((await server.lastRun(plainTaskId)).options.memoryMbytes, 256, value);
    }
  });
});
