// The main endpoint, run-sync-get-dataset-items: items and formats,
// pagination, input override, defaults and validation, failed runs, the
// wait limit (408) and clients that disconnect.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ActordServer,
  NO_LIMIT,
  expectError,
  expectStatus,
  openRequest,
  sleep,
  useServer,
} from './lib/harness.mjs';

const server = useServer();

const TEXT = 'žluťoučký kůň, 日本語, emoji 🙂, quote " and backslash \\';

function expectedItems(indexes) {
  return indexes.map((index) => ({ index, label: `item-${index}`, text: TEXT }));
}

function range(start, end) {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

function expectPagination(res, { offset, limit, count, total, desc }) {
  assert.equal(res.header('x-apify-pagination-offset'), String(offset), `Offset header: ${res.describe()}`);
  assert.equal(res.header('x-apify-pagination-limit'), String(limit), `Limit header: ${res.describe()}`);
  assert.equal(res.header('x-apify-pagination-count'), String(count), `Count header: ${res.describe()}`);
  assert.equal(res.header('x-apify-pagination-total'), String(total), `Total header: ${res.describe()}`);
  const descHeader = res.header('x-apify-pagination-desc');
  assert.match(descHeader ?? '', desc ? /^(true|1)$/ : /^(false|0)$/, `Desc header: ${res.describe()}`);
}

describe('success', () => {
  let task;

  before(async () => {
    ({ task } = await server.deployTask('push-items', { input: { count: 10 } }));
  });

  test('POST returns 201 with items', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {} }), 201);
    assert.match(res.header('content-type') ?? '', /^application\/json(;\s*charset=utf-8)?$/i, res.describe());
    assert.deepEqual(res.json, expectedItems(range(0, 10)));
    expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 10, total: 10, desc: false });
  });

  test('GET runs the task input', async () => {
    const res = expectStatus(await server.runSync(task.id, { method: 'GET' }), 201);
    assert.deepEqual(res.json, expectedItems(range(0, 10)));
  });

  test('POST without a body', async () => {
    const res = expectStatus(await server.runSync(task.id), 201);
    assert.deepEqual(res.json, expectedItems(range(0, 10)));
  });

  test('task by full and tilde name', async () => {
    for (const id of [`admin~${task.name}`, `~${task.name}`]) {
      const res = expectStatus(await server.runSync(id, { body: { count: 1 } }), 201);
      assert.deepEqual(res.json, expectedItems([0]));
    }
  });

  test('token in the query string', async () => {
    const res = await server.runSync(task.id, { token: null, query: { token: server.token } });
    expectStatus(res, 201);
    assert.equal(res.json.length, 10);
  });

  test('empty dataset is an empty array', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: { count: 0 } }), 201);
    assert.deepEqual(res.json, []);
    expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 0, total: 0, desc: false });
  });

  test('items pushed one by one keep order', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: { count: 25, single: true } }), 201);
    assert.deepEqual(res.json, expectedItems(range(0, 25)));
  });

  test('5000 items come back whole', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: { count: 5000, batchSize: 1000 } }), 201);
    assert.equal(res.json.length, 5000);
    assert.deepEqual(res.json[4999], expectedItems([4999])[0]);
    expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 5000, total: 5000, desc: false });
  });

  test('run finishes before the response', async () => {
    await server.runSync(task.id, { body: { count: 1 } });
    const run = await server.lastRun(task.id);
    assert.equal(run.status, 'SUCCEEDED');
  });
});

describe('formats', () => {
  let task;

  before(async () => {
    ({ task } = await server.deployTask('push-items', { input: { count: 3 } }));
  });

  test('format=json', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { format: 'json' } }), 201);
    assert.match(res.header('content-type') ?? '', /^application\/json(;\s*charset=utf-8)?$/i);
    assert.deepEqual(res.json, expectedItems([0, 1, 2]));
  });

  test('format=jsonl', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { format: 'jsonl' } }), 201);
    assert.match(res.header('content-type') ?? '', /^application\/jsonl(;\s*charset=utf-8)?$/i, res.describe());
    assert.ok(res.text.endsWith('\n'), `jsonl must end with a newline: ${JSON.stringify(res.text)}`);
    const lines = res.text.slice(0, -1).split('\n');
    assert.equal(lines.length, 3, res.text);
    assert.deepEqual(
      lines.map((line) => JSON.parse(line)),
      expectedItems([0, 1, 2]),
    );
    expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 3, total: 3, desc: false });
  });

  test('jsonl of no items is empty', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: { count: 0 }, query: { format: 'jsonl' } }), 201);
    assert.equal(res.text, '');
  });

  test('numbers keep their digits', async () => {
    const { task: numbersTask } = await server.deployTask('exact-numbers');
    for (const format of ['json', 'jsonl']) {
      const res = expectStatus(await server.runSync(numbersTask.id, { body: {}, query: { format } }), 201);
      const literals = [
        ['small', '0.1'],
        ['sum', '0.30000000000000004'],
        ['negativeZero', '-0.0'],
        ['big', '12345678901234567890123'],
        ['negativeBig', '-98765432109876543210'],
        ['pi', '3.14159265358979323846264338327950288'],
        ['exponent', '1.5e300'],
        ['tiny', '5e-324'],
      ];
      for (const [field, literal] of literals) {
        const pattern = new RegExp(`"${field}"\\s*:\\s*${literal.replace(/[.+-]/g, '\\$&')}(?=[,}\\s])`);
        assert.match(res.text, pattern, `${format}: ${field} must stay ${literal}: ${res.text}`);
      }
      assert.match(res.text, /"list"\s*:\s*\[\s*1\.10\s*,\s*2\.000\s*,\s*100000000000000000000000000001\s*\]/, res.text);
    }
  });

  test('non-ASCII text round-trips', async () => {
    const items = await server.runSyncItems(task.id, { body: { count: 1 } });
    assert.equal(items[0].text, TEXT);
  });
});

describe('pagination', () => {
  let task;

  before(async () => {
    ({ task } = await server.deployTask('push-items', { input: { count: 10 } }));
  });

  test('offset and limit', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { offset: '2', limit: '3' } }), 201);
    assert.deepEqual(res.json, expectedItems([2, 3, 4]));
    expectPagination(res, { offset: 2, limit: 3, count: 3, total: 10, desc: false });
  });

  test('limit=0 means no limit', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { limit: '0' } }), 201);
    assert.equal(res.json.length, 10);
    expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 10, total: 10, desc: false });
  });

  test('limit past the end', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { offset: '8', limit: '5' } }), 201);
    assert.deepEqual(res.json, expectedItems([8, 9]));
    expectPagination(res, { offset: 8, limit: 5, count: 2, total: 10, desc: false });
  });

  test('offset past the end', async () => {
    const res = expectStatus(await server.runSync(task.id, { body: {}, query: { offset: '50' } }), 201);
    assert.deepEqual(res.json, []);
    expectPagination(res, { offset: 50, limit: NO_LIMIT, count: 0, total: 10, desc: false });
  });

  test('desc reverses the order', async () => {
    for (const desc of ['1', 'true']) {
      const res = expectStatus(await server.runSync(task.id, { body: {}, query: { desc } }), 201);
      assert.deepEqual(res.json, expectedItems(range(0, 10).reverse()), `desc=${desc}`);
      expectPagination(res, { offset: 0, limit: NO_LIMIT, count: 10, total: 10, desc: true });
    }
  });

  test('desc=0 keeps the order', async () => {
    for (const desc of ['0', 'false']) {
      const res = expectStatus(await server.runSync(task.id, { body: {}, query: { desc } }), 201);
      assert.deepEqual(res.json, expectedItems(range(0, 10)), `desc=${desc}`);
    }
  });

  test('desc offset counts from newest', async () => {
    const query = { desc: '1', offset: '1', limit: '3' };
    const res = expectStatus(await server.runSync(task.id, { body: {}, query }), 201);
    assert.deepEqual(res.json, expectedItems([8, 7, 6]));
    expectPagination(res, { offset: 1, limit: 3, count: 3, total: 10, desc: true });
  });

  test('desc offset near the oldest', async () => {
    const query = { desc: '1', offset: '8', limit: '5' };
    const res = expectStatus(await server.runSync(task.id, { body: {}, query }), 201);
    assert.deepEqual(res.json, expectedItems([1, 0]));
    expectPagination(res, { offset: 8, limit: 5, count: 2, total: 10, desc: true });
  });

  test('jsonl with offset and limit', async () => {
    const query = { format: 'jsonl', offset: '3', limit: '2' };
    const res = expectStatus(await server.runSync(task.id, { body: {}, query }), 201);
    assert.equal(res.text, expectedItems([3, 4]).map((item) => `${JSON.stringify(item)}\n`).join(''));
  });
});

describe('input', () => {
  let task;
  let validationTask;

  before(async () => {
    const { actor } = await server.deployFixture('echo-input');
    task = await server.createTask(actor.id, {
      input: { message: 'from task', count: 5, options: { depth: 2 }, tags: ['task'] },
    });
    validationTask = await server.createTask(actor.id, { input: { message: 'valid' } });
  });

  test('task input plus schema defaults', async () => {
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.deepEqual(items[0].input, {
      message: 'from task',
      count: 5,
      mode: 'fast',
      options: { depth: 2 },
      tags: ['task'],
    });
  });

  test('body overrides top-level keys', async () => {
    const items = await server.runSyncItems(task.id, { body: { message: 'from body', enabled: true } });
    assert.deepEqual(items[0].input, {
      message: 'from body',
      count: 5,
      mode: 'fast',
      enabled: true,
      options: { depth: 2 },
      tags: ['task'],
    });
  });

  test('nested objects are replaced whole', async () => {
    const items = await server.runSyncItems(task.id, { body: { options: {}, tags: [] } });
    assert.deepEqual(items[0].input.options, {});
    assert.deepEqual(items[0].input.tags, []);
  });

  test('body beats the schema default', async () => {
    const items = await server.runSyncItems(task.id, { body: { mode: 'slow' } });
    assert.equal(items[0].input.mode, 'slow');
  });

  test('unknown keys pass through', async () => {
    const items = await server.runSyncItems(task.id, { body: { extra: { any: ['value', 1, null] } } });
    assert.deepEqual(items[0].input.extra, { any: ['value', 1, null] });
  });

  test('override does not change the task', async () => {
    await server.runSyncItems(task.id, { body: { message: 'one-off' } });
    const stored = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/input`), 200);
    assert.equal(stored.json.message, 'from task');
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items[0].input.message, 'from task');
  });

  test('INPUT record is the merged input', async () => {
    await server.runSyncItems(task.id, { body: { count: 9 } });
    const run = await server.lastRun(task.id);
    const res = expectStatus(
      await server.api('GET', `/v2/key-value-stores/${run.defaultKeyValueStoreId}/records/INPUT`),
      200,
    );
    assert.match(res.header('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json, {
      message: 'from task',
      count: 9,
      mode: 'fast',
      options: { depth: 2 },
      tags: ['task'],
    });
  });

  test('charset in Content-Type is accepted', async () => {
    const items = await server.runSyncItems(task.id, {
      body: JSON.stringify({ message: 'čeština' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(items[0].input.message, 'čeština');
  });

  const invalidCases = [
    ['wrong type', { count: 'five' }, 'count'],
    ['not an integer', { count: 2.5 }, 'count'],
    ['below minimum', { count: -1 }, 'count'],
    ['above maximum', { count: 11 }, 'count'],
    ['not in enum', { mode: 'medium' }, 'mode'],
    ['too short', { message: '' }, 'message'],
    ['too long', { message: 'x'.repeat(21) }, 'message'],
    ['boolean as string', { enabled: 'yes' }, 'enabled'],
    ['array as object', { tags: { a: 1 } }, 'tags'],
    ['object as array', { options: [1] }, 'options'],
    ['nested wrong type', { options: { depth: 'deep' } }, 'depth'],
    ['nested below minimum', { options: { depth: 0 } }, 'depth'],
    ['null for a string', { message: null }, 'message'],
  ];

  for (const [label, body, field] of invalidCases) {
    test(`invalid input: ${label}`, async () => {
      const previousRun = await server.lastRun(validationTask.id);
      const res = await server.runSync(validationTask.id, { body });
      const error = expectError(res, 400, 'invalid-input');
      assert.ok(error.message.includes(field), `the message does not name ${field}: ${error.message}`);
      const lastRun = await server.lastRun(validationTask.id);
      assert.equal(lastRun?.id, previousRun?.id, `invalid input created run ${lastRun?.id}`);
    });
  }

  test('boundary values are valid', async () => {
    const body = { count: 10, message: 'x'.repeat(20), mode: 'slow', options: { depth: 1 } };
    const items = await server.runSyncItems(validationTask.id, { body });
    assert.equal(items[0].input.count, 10);
    const low = await server.runSyncItems(validationTask.id, { body: { count: 0, message: 'x' } });
    assert.equal(low[0].input.count, 0);
  });

  test('required field missing is 400', async () => {
    const { actor } = await server.deployFixture('echo-input');
    const schema = {
      title: 'Required',
      type: 'object',
      schemaVersion: 1,
      properties: {
        target: { title: 'Target', type: 'string', description: 'Must be given.' },
        message: { title: 'Message', type: 'string', description: 'Has a default.', default: 'hello' },
      },
      required: ['target'],
    };
    const sourceFiles = (await server.api('GET', `/v2/acts/${actor.id}`)).data.versions[0].sourceFiles
      .filter((file) => file.name !== '.actor/input_schema.json')
      .concat([{ name: '.actor/input_schema.json', format: 'TEXT', content: JSON.stringify(schema) }]);
    const versions = [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles }];
    expectStatus(await server.api('PUT', `/v2/acts/${actor.id}`, { body: { versions } }), 200);
    const build = await server.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED');

    const requiredTask = await server.createTask(actor.id, { input: {} });
    const error = expectError(await server.runSync(requiredTask.id, { body: {} }), 400, 'invalid-input');
    assert.ok(error.message.includes('target'), `the message does not name target: ${error.message}`);
    assert.equal(await server.lastRun(requiredTask.id), null, 'invalid input created a run');

    const items = await server.runSyncItems(requiredTask.id, { body: { target: 'given' } });
    assert.deepEqual(items[0].input, { target: 'given', message: 'hello' });
  });
});

describe('failed run', () => {
  test('exit 1 is 400 run-failed', async () => {
    const { task } = await server.deployTask('fail-exit');
    const res = await server.runSync(task.id, { body: {} });
    const run = await server.lastRun(task.id);
    assert.ok(run, 'no run was recorded');
    const error = expectError(res, 400, 'run-failed');
    assert.equal(error.message, `Actor run did not succeed (run ID: ${run.id}, status: FAILED)`);
    assert.deepEqual(Object.keys(res.json), ['error']);
    assert.equal(run.status, 'FAILED');
  });

  test('GET of a failing task is 400', async () => {
    const { task } = await server.deployTask('fail-exit', { input: { exitCode: 2 } });
    const res = await server.runSync(task.id, { method: 'GET' });
    const run = await server.lastRun(task.id);
    const error = expectError(res, 400, 'run-failed');
    assert.equal(error.message, `Actor run did not succeed (run ID: ${run.id}, status: FAILED)`);
  });

  test('items of a failed run stay readable', async () => {
    const { task } = await server.deployTask('fail-exit');
    await server.runSync(task.id, { body: {} });
    const res = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/runs/last/dataset/items`), 200);
    assert.deepEqual(res.json, [{ pushedBeforeFailure: true }]);
  });
});

describe('wait limit', () => {
  const shortWait = new ActordServer({ syncWaitSecs: 2 });

  before(async () => {
    await shortWait.start();
  });

  after(async () => {
    await shortWait.stop();
  });

  test('past the limit is 408 and the run goes on', async () => {
    const { task } = await shortWait.deployTask('sleep', { input: { seconds: 5 } });
    const started = Date.now();
    const res = await shortWait.runSync(task.id, { body: {} });
    const elapsed = Date.now() - started;
    const error = expectError(res, 408, 'run-timeout-exceeded');
    assert.ok(elapsed >= 1500, `408 came after ${elapsed} ms with --sync-wait-secs 2`);
    assert.ok(elapsed < 4500, `408 came after ${elapsed} ms with --sync-wait-secs 2`);
    assert.ok(error.message.length > 0);

    const data = res.json.data;
    assert.equal(typeof data, 'object', `408 body has no data: ${res.describe()}`);
    assert.equal(typeof data.id, 'string');
    assert.ok(['READY', 'RUNNING'].includes(data.status), `status in the 408 body: ${data.status}`);
    assert.equal(typeof data.defaultDatasetId, 'string');
    const itemsUrl = Object.values(data).find(
      (value) => typeof value === 'string' && value.includes(`/datasets/${data.defaultDatasetId}/items`),
    );
    assert.ok(itemsUrl, `408 data has no dataset items URL: ${res.describe()}`);

    const location = res.header('location');
    assert.ok(location, `408 has no Location header: ${res.describe()}`);
    assert.match(location, new RegExp(`/v2/actor-runs/${data.id}$`));

    const running = await shortWait.getRun(data.id);
    assert.ok(['READY', 'RUNNING'].includes(running.status), `run after 408: ${running.status}`);
    const finished = await shortWait.waitForRun(data.id, { timeoutMs: 30_000 });
    assert.equal(finished.status, 'SUCCEEDED');

    const itemsTarget = itemsUrl.startsWith('http') ? itemsUrl : `${shortWait.url}${itemsUrl}`;
    const items = expectStatus(await shortWait.api('GET', itemsTarget), 200);
    assert.deepEqual(items.json, [{ sleptSecs: 5 }]);
    const locationTarget = location.startsWith('http') ? location : `${shortWait.url}${location}`;
    const viaLocation = expectStatus(await shortWait.api('GET', locationTarget), 200);
    assert.equal(viaLocation.data.id, data.id);
  });
});

describe('disconnect', () => {
  test('run survives a closed connection', async () => {
    const { task } = await server.deployTask('sleep', { input: { seconds: 3 } });
    const { request, response } = openRequest(
      `${server.url}/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`,
      { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' } },
    );
    request.end('{}');

    const deadline = Date.now() + 20_000;
    let run = null;
    while (!run || run.status === 'READY') {
      assert.ok(Date.now() < deadline, `run did not start: ${JSON.stringify(run)}`);
      await sleep(100);
      run = await server.lastRun(task.id);
    }
    request.destroy();
    await response.catch(() => {});
    assert.equal(run.status, 'RUNNING');

    const finished = await server.waitForRun(run.id, { timeoutMs: 30_000 });
    assert.equal(finished.status, 'SUCCEEDED');
    const last = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/runs/last`), 200);
    assert.equal(last.data.id, run.id);
    assert.equal(last.data.status, 'SUCCEEDED');
    const items = expectStatus(await server.api('GET', `/v2/actor-tasks/${task.id}/runs/last/dataset/items`), 200);
    assert.deepEqual(items.json, [{ sleptSecs: 3 }]);
  });

  test('runs/last without runs is 404', async () => {
    const { task } = await server.deployTask('sleep');
    expectError(await server.api('GET', `/v2/actor-tasks/${task.id}/runs/last`), 404, 'record-not-found');
  });
});
