// maxItems and maxTotalChargeUsd on run-sync-get-dataset-items: checked,
// taken from the query or else from the task's options, passed to the
// process as ACTOR_MAX_PAID_DATASET_ITEMS and ACTOR_MAX_TOTAL_CHARGE_USD,
// and shown in the run's options.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, useServer } from './lib/harness.mjs';

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
