// Object fields: every object the API returns carries the fields that
// strict clients require (the Python client validates responses with
// pydantic, so a missing or mistyped field is an error there), and every
// list route returns the {total, offset, limit, count, desc, items}
// envelope. The field lists follow apify-api-notes section 6.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectStatus, sleep, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const RUN_STATUSES = ['READY', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMING-OUT', 'TIMED-OUT', 'ABORTING', 'ABORTED'];
const ORIGINS = ['DEVELOPMENT', 'WEB', 'API', 'SCHEDULER', 'TEST', 'WEBHOOK', 'ACTOR', 'CLI', 'CI', 'STANDBY', 'MCP'];
const GENERAL_ACCESS = ['ANYONE_WITH_ID_CAN_READ', 'ANYONE_WITH_NAME_CAN_READ', 'FOLLOW_USER_SETTING', 'RESTRICTED'];

/**
 * Returns why `value` does not match `type`, or null when it does.
 * A type is 'string', 'integer', 'number', 'boolean', 'object', 'array',
 * 'date' (ISO 8601 UTC with milliseconds), 'url' (absolute http URL), an
 * array of allowed values, or a nested spec object. A '?' after a name
 * allows null as well.
 */
function typeError(value, type) {
  if (Array.isArray(type)) return type.includes(value) ? null : `not one of ${type.join(', ')}`;
  if (typeof type === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
    return null;
  }
  const nullable = type.endsWith('?');
  const base = nullable ? type.slice(0, -1) : type;
  if (value === null) return nullable ? null : 'null';
  switch (base) {
    case 'string':
      return typeof value === 'string' ? null : 'not a string';
    case 'integer':
      return Number.isInteger(value) ? null : 'not an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'not a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'not a boolean';
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? null : 'not an object';
    case 'array':
      return Array.isArray(value) ? null : 'not an array';
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : 'not an ISO 8601 UTC date with milliseconds';
    case 'url':
      return typeof value === 'string' && /^https?:\/\/[^/]+/.test(value) ? null : 'not an http URL';
    default:
      throw new Error(`unknown type ${type}`);
  }
}

/** Asserts that obj has every field of spec with the right type; recurses into nested specs. */
function assertFields(obj, spec, where) {
  for (const [field, type] of Object.entries(spec)) {
    assert.ok(field in obj, `${where}: field ${field} is missing in ${JSON.stringify(obj)}`);
    const error = typeError(obj[field], type);
    assert.equal(error, null, `${where}.${field} = ${JSON.stringify(obj[field])}: ${error}`);
    if (typeof type === 'object' && !Array.isArray(type)) assertFields(obj[field], type, `${where}.${field}`);
  }
}

const RUN_FIELDS = {
  id: 'string',
  actId: 'string',
  userId: 'string',
  actorTaskId: 'string?',
  startedAt: 'date',
  finishedAt: 'date?',
  status: RUN_STATUSES,
  statusMessage: 'string?',
  isStatusMessageTerminal: 'boolean',
  meta: { origin: ORIGINS },
  stats: {
    restartCount: 'integer',
    resurrectCount: 'integer',
    computeUnits: 'number',
    durationMillis: 'integer',
    cpuAvgUsage: 'number',
    cpuMaxUsage: 'number',
    memAvgBytes: 'integer',
    memMaxBytes: 'integer',
  },
  options: { build: 'string', timeoutSecs: 'number', memoryMbytes: 'integer', diskMbytes: 'integer' },
  buildId: 'string',
  buildNumber: 'string',
  exitCode: 'integer?',
  defaultKeyValueStoreId: 'string',
  defaultDatasetId: 'string',
  defaultRequestQueueId: 'string',
  storageIds: {
    datasets: { default: 'string' },
    keyValueStores: { default: 'string' },
    requestQueues: { default: 'string' },
  },
  generalAccess: GENERAL_ACCESS,
  usage: 'object',
  usageTotalUsd: 'number',
};

const BUILD_FIELDS = {
  id: 'string',
  actId: 'string',
  userId: 'string',
  startedAt: 'date',
  finishedAt: 'date?',
  status: RUN_STATUSES,
  meta: { origin: ORIGINS },
  stats: { computeUnits: 'number' },
  options: 'object',
  usageTotalUsd: 'number',
  buildNumber: 'string',
};

const ACTOR_FIELDS = {
  id: 'string',
  userId: 'string',
  name: 'string',
  username: 'string',
  isPublic: 'boolean',
  createdAt: 'date',
  modifiedAt: 'date',
  stats: 'object',
  versions: 'array',
  defaultRunOptions: { build: 'string', timeoutSecs: 'number', memoryMbytes: 'integer' },
};

const TASK_FIELDS = {
  id: 'string',
  userId: 'string',
  actId: 'string',
  name: 'string',
  username: 'string',
  createdAt: 'date',
  modifiedAt: 'date',
  stats: 'object',
  options: 'object',
  input: 'object',
};

const STORAGE_FIELDS = {
  id: 'string',
  name: 'string?',
  userId: 'string',
  username: 'string',
  createdAt: 'date',
  modifiedAt: 'date',
  accessedAt: 'date',
  actId: 'string?',
  actRunId: 'string?',
  generalAccess: GENERAL_ACCESS,
  consoleUrl: 'url',
};

const DATASET_FIELDS = {
  ...STORAGE_FIELDS,
  itemCount: 'integer',
  cleanItemCount: 'integer',
  fields: 'array',
  itemsPublicUrl: 'url',
};

const KVS_FIELDS = { ...STORAGE_FIELDS, keysPublicUrl: 'url', recordsPublicUrl: 'url' };

const QUEUE_FIELDS = {
  ...STORAGE_FIELDS,
  totalRequestCount: 'integer',
  handledRequestCount: 'integer',
  pendingRequestCount: 'integer',
  hadMultipleClients: 'boolean',
};

const WEBHOOK_FIELDS = {
  id: 'string',
  userId: 'string',
  createdAt: 'date',
  modifiedAt: 'date',
  isAdHoc: 'boolean',
  eventTypes: 'array',
  condition: 'object',
  ignoreSslErrors: 'boolean',
  doNotRetry: 'boolean',
  requestUrl: 'url',
};

const DISPATCH_FIELDS = {
  id: 'string',
  userId: 'string',
  webhookId: 'string',
  createdAt: 'date',
  status: ['ACTIVE', 'SUCCEEDED', 'FAILED'],
  eventType: 'string',
};

/**
 * Strict clients reject a `stats` object that lacks these counters; the
 * Apify CLI's list commands read `s3StorageBytes`.
 */
const STORAGE_STATS = {
  dataset: ['readCount', 'writeCount', 'storageBytes', 's3StorageBytes'],
  kvs: ['readCount', 'writeCount', 'deleteCount', 'listCount', 'storageBytes', 's3StorageBytes'],
};

function assertStatsComplete(obj, kind, where) {
  assert.equal(typeof obj.stats, 'object', `${where}.stats is missing`);
  for (const counter of STORAGE_STATS[kind]) {
    assert.ok(Number.isInteger(obj.stats[counter]), `${where}.stats.${counter} is missing: ${JSON.stringify(obj.stats)}`);
  }
}

async function getData(target) {
  return expectStatus(await server.api('GET', target), 200).data;
}

/** Fetches a list route, checks its envelope and returns its items. */
async function getList(target, minCount = 1) {
  const list = await getData(target);
  assertFields(list, { total: 'integer', offset: 'integer', limit: 'integer', count: 'integer', desc: 'boolean', items: 'array' }, target);
  assert.equal(list.count, list.items.length, `${target}: count must equal the number of items`);
  assert.ok(list.total >= list.count, `${target}: total ${list.total} below count ${list.count}`);
  assert.ok(list.limit >= 1, `${target}: limit must be at least 1`);
  assert.ok(list.items.length >= minCount, `${target}: expected at least ${minCount} items: ${JSON.stringify(list)}`);
  return list.items;
}

let actor;
let build;
let task;
let run;
let me;

before(async () => {
  ({ actor, build, task } = await server.deployTask('push-items', { input: { count: 3 } }));
  await server.runSyncItems(task.id);
  run = await server.lastRun(task.id);
  me = await server.me();
});

describe('run', () => {
  test('run object: required fields', async () => {
    const fetched = await getData(`/v2/actor-runs/${run.id}`);
    assertFields(fetched, RUN_FIELDS, 'run');
    assert.equal(fetched.status, 'SUCCEEDED');
    assert.equal(fetched.actorTaskId, task.id);
    assert.equal(fetched.buildId, build.id);
    assert.ok(fetched.options.timeoutSecs >= 0);
    assert.ok(fetched.options.memoryMbytes >= 128, 'memoryMbytes below 128');
    assert.ok(fetched.options.memoryMbytes <= 32768, 'memoryMbytes above 32768');
    assert.ok(Date.parse(fetched.finishedAt) >= Date.parse(fetched.startedAt), 'finishedAt before startedAt');
    assert.match(fetched.buildNumber, /^\d+\.\d+\.\d+$/);
  });

  test('running run: required fields', async () => {
    const { task: sleeper } = await server.deployTask('sleep', { input: { seconds: 30 } });
    const started = expectStatus(await server.api('POST', `/v2/actor-tasks/${sleeper.id}/runs`), 201).data;
    try {
      assertFields(started, RUN_FIELDS, 'started run');
      assert.equal(started.finishedAt, null);
      assert.equal(started.exitCode, null);
    } finally {
      await server.api('POST', `/v2/actor-runs/${started.id}/abort`);
      await server.waitForRun(started.id);
    }
  });

  const runLists = {
    all: () => '/v2/actor-runs',
    actor: () => `/v2/acts/${actor.id}/runs`,
    task: () => `/v2/actor-tasks/${task.id}/runs`,
  };
  for (const [owner, targetOf] of Object.entries(runLists)) {
    test(`run list (${owner}): envelope and fields`, async () => {
      const target = targetOf();
      const items = await getList(target);
      for (const item of items) assertFields(item, RUN_FIELDS, `${target} item`);
      assert.ok(items.some((item) => item.id === run.id), `${target} must list run ${run.id}`);
    });
  }
});

describe('build', () => {
  test('build object: required fields', async () => {
    const fetched = await getData(`/v2/actor-builds/${build.id}`);
    assertFields(fetched, BUILD_FIELDS, 'build');
    assert.equal(fetched.actId, actor.id);
  });

  test('build lists: envelope and fields', async () => {
    for (const target of [`/v2/acts/${actor.id}/builds`, '/v2/actor-builds']) {
      const items = await getList(target);
      for (const item of items) assertFields(item, BUILD_FIELDS, `${target} item`);
      assert.ok(items.some((item) => item.id === build.id), `${target} must list build ${build.id}`);
    }
  });

  test('user build list: every actor, own only', async () => {
    const { build: other } = await server.deployFixture('echo-input');
    const ids = (await getList('/v2/actor-builds?desc=1')).map((item) => item.id);
    assert.equal(ids[0], other.id, 'desc=1 lists the newest build first');
    assert.ok(ids.includes(build.id), 'the builds of every actor are listed');

    const token = await server.addUser(uniqueName('builds-user'));
    const foreign = expectStatus(await server.api('GET', '/v2/actor-builds', { token }), 200).data;
    assert.equal(foreign.total, 0, 'another user sees none of these builds');
    assert.deepEqual(foreign.items, []);
  });
});

describe('actor', () => {
  test('actor object: required fields', async () => {
    const fetched = await getData(`/v2/acts/${actor.id}`);
    assertFields(fetched, ACTOR_FIELDS, 'actor');
    assert.equal(fetched.username, me.username);
  });

  test('actor list, both prefixes: envelope and fields', async () => {
    for (const prefix of ['/v2/acts', '/v2/actors']) {
      const items = await getList(prefix);
      for (const item of items) assertFields(item, ACTOR_FIELDS, `${prefix} item`);
    }
  });
});

describe('task', () => {
  test('task object: required fields', async () => {
    const fetched = await getData(`/v2/actor-tasks/${task.id}`);
    assertFields(fetched, TASK_FIELDS, 'task');
    assert.deepEqual(fetched.input, { count: 3 });
  });

  test('task list: envelope and fields', async () => {
    const items = await getList('/v2/actor-tasks');
    for (const item of items) assertFields(item, TASK_FIELDS, 'task list item');
  });
});

describe('storages', () => {
  const kinds = [
    { kind: 'dataset', collection: 'datasets', runField: 'defaultDatasetId', fields: DATASET_FIELDS },
    { kind: 'kvs', collection: 'key-value-stores', runField: 'defaultKeyValueStoreId', fields: KVS_FIELDS },
    { kind: 'queue', collection: 'request-queues', runField: 'defaultRequestQueueId', fields: QUEUE_FIELDS },
  ];

  for (const { kind, collection, runField, fields } of kinds) {
    test(`default ${kind}: required fields`, async () => {
      const fetched = await getData(`/v2/${collection}/${run[runField]}`);
      assertFields(fetched, fields, kind);
      assert.equal(fetched.name, null);
      assert.equal(fetched.actRunId, run.id);
      assert.equal(fetched.username, me.username);
      if (STORAGE_STATS[kind]) assertStatsComplete(fetched, kind, kind);
    });

    test(`named ${kind} and list: fields`, async () => {
      const name = uniqueName(`fields-${kind}`);
      const created = expectStatus(await server.api('POST', `/v2/${collection}?name=${name}`), 201).data;
      assertFields(created, fields, `created ${kind}`);
      assert.equal(created.name, name);
      assert.equal(created.actId, null);

      for (const query of ['', '?unnamed=1']) {
        const items = await getList(`/v2/${collection}${query}`);
        for (const item of items) {
          assertFields(item, fields, `${collection}${query} item`);
          if (STORAGE_STATS[kind]) assertStatsComplete(item, kind, `${collection} item`);
        }
        assert.ok(items.some((item) => item.id === created.id), `${collection}${query} must list ${name}`);
      }
    });
  }

  test('dataset item count matches pushes', async () => {
    const fetched = await getData(`/v2/datasets/${run.defaultDatasetId}`);
    assert.equal(fetched.itemCount, 3);
    assert.equal(fetched.cleanItemCount, 3);
  });

  test('key list: envelope and fields', async () => {
    const keys = await getData(`/v2/key-value-stores/${run.defaultKeyValueStoreId}/keys`);
    assertFields(
      keys,
      { items: 'array', count: 'integer', limit: 'integer', isTruncated: 'boolean', exclusiveStartKey: 'string?', nextExclusiveStartKey: 'string?' },
      'keys',
    );
    assert.ok(keys.items.length >= 1, 'the INPUT record must be listed');
    for (const item of keys.items) assertFields(item, { key: 'string', size: 'integer', recordPublicUrl: 'url' }, 'key');
  });
});

describe('webhook', () => {
  test('webhook object and lists: fields', async () => {
    const body = {
      eventTypes: ['ACTOR.RUN.SUCCEEDED'],
      condition: { actorTaskId: task.id },
      requestUrl: 'http://127.0.0.1:9/hook',
    };
    const created = expectStatus(await server.api('POST', '/v2/webhooks', { body }), 201).data;
    assertFields(created, WEBHOOK_FIELDS, 'created webhook');
    assertFields(await getData(`/v2/webhooks/${created.id}`), WEBHOOK_FIELDS, 'webhook');
    for (const target of ['/v2/webhooks', `/v2/actor-tasks/${task.id}/webhooks`]) {
      const items = await getList(target);
      for (const item of items) assertFields(item, WEBHOOK_FIELDS, `${target} item`);
    }
    expectStatus(await server.api('DELETE', `/v2/webhooks/${created.id}`), 204);
  });

  test('dispatch object and lists: fields', async () => {
    const body = {
      eventTypes: ['ACTOR.RUN.SUCCEEDED'],
      condition: { actorTaskId: task.id },
      requestUrl: 'http://127.0.0.1:9/dispatch',
    };
    const webhook = expectStatus(await server.api('POST', '/v2/webhooks', { body }), 201).data;
    await server.runSyncItems(task.id);

    let items = [];
    const deadline = Date.now() + 15_000;
    while (items.length === 0) {
      assert.ok(Date.now() < deadline, 'no dispatch was made for the run within 15 s');
      await sleep(100);
      items = await getList(`/v2/webhooks/${webhook.id}/dispatches`, 0);
    }
    for (const item of items) assertFields(item, DISPATCH_FIELDS, 'dispatch list item');
    assertFields(await getData(`/v2/webhook-dispatches/${items[0].id}`), DISPATCH_FIELDS, 'dispatch');
    const all = await getList('/v2/webhook-dispatches');
    for (const item of all) assertFields(item, DISPATCH_FIELDS, 'user dispatch list item');
    expectStatus(await server.api('DELETE', `/v2/webhooks/${webhook.id}`), 204);
  });
});
