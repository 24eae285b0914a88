// Compatibility test: the official apify-client for JavaScript (pinned in
// package-lock.json) drives a real actord, as a user of the Apify platform
// would, with no change but its baseUrl. Each step goes through the client
// only; a failed step means actord responds in a shape the client does not
// accept.
//
// Run: ACTORD_BIN=$PWD/build/actord node --test tests/compat/client.test.mjs
// after `npm ci` in tests/compat (scripts/test.sh does both).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApifyClient } from 'apify-client';

import { ActordServer, uniqueName } from '../api/lib/harness.mjs';

// A Node.js actor with no npm dependencies, so its build needs no registry.
// Input: { count, batchSize, sleepSecs, tag }. It writes OUTPUT, sleeps, then
// pushes `count` items { index, label, tag, even } in batches.
const ACTOR_MAIN = `
const base = process.env.APIFY_API_BASE_URL.replace(/\\/$/, '') + '/v2';
const headers = { authorization: 'Bearer ' + process.env.APIFY_TOKEN, 'content-type': 'application/json' };
const kvs = process.env.ACTOR_DEFAULT_KEY_VALUE_STORE_ID;
const dataset = process.env.ACTOR_DEFAULT_DATASET_ID;

async function call(method, path, body) {
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(method + ' ' + path + ' -> ' + res.status + ' ' + (await res.text()));
  return res;
}

const input = await (await call('GET', '/key-value-stores/' + kvs + '/records/INPUT')).json();
const count = input.count ?? 10;
const batchSize = input.batchSize ?? 1000;
await call('PUT', '/key-value-stores/' + kvs + '/records/OUTPUT', { tag: input.tag ?? null, count });
if (input.sleepSecs) await new Promise((resolve) => setTimeout(resolve, input.sleepSecs * 1000));
for (let start = 0; start < count; start += batchSize) {
  const items = [];
  for (let i = start; i < Math.min(count, start + batchSize); i++) {
    items.push({ index: i, label: 'item-' + i, tag: input.tag ?? null, even: i % 2 === 0 });
  }
  await call('POST', '/datasets/' + dataset + '/items', items);
}
console.log('compat-actor: pushed ' + count + ' items');
`;

const SOURCE_FILES = [
  {
    name: '.actor/actor.json',
    format: 'TEXT',
    content: JSON.stringify({ actorSpecification: 1, name: 'compat-actor', version: '0.1' }),
  },
  { name: 'Dockerfile', format: 'TEXT', content: 'FROM node:20-slim\nCOPY . ./\nCMD ["node", "main.mjs"]\n' },
  { name: 'main.mjs', format: 'TEXT', content: ACTOR_MAIN },
];

const BIG_COUNT = 10_000;
const PAGE_LIMIT = 1000;

const server = new ActordServer();
let client;
let actor;
let task;
let taskRun;

before(async () => {
  await server.start();
  // No retries: a 5xx or 429 from actord must fail the test, not be hidden
  // behind the client's backoff.
  client = new ApifyClient({ baseUrl: server.url, token: server.token, maxRetries: 0 });
});

after(async () => {
  await server.stop();
});

test('creates an actor from source files and builds it', async () => {
  const name = uniqueName('compat-actor');
  actor = await client.actors().create({
    name,
    versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles: SOURCE_FILES }],
  });
  assert.equal(actor.name, name);
  assert.ok(actor.id, 'the created actor has an id');

  const fetched = await client.actor(actor.id).get();
  assert.equal(fetched.id, actor.id);
  const byName = await client.actor(`${actor.username}~${name}`).get();
  assert.equal(byName.id, actor.id);

  const build = await client.actor(actor.id).build('0.1', { tag: 'latest', waitForFinish: 60 });
  const finished = await client.build(build.id).waitForFinish({ waitSecs: 120 });
  assert.equal(finished.status, 'SUCCEEDED', JSON.stringify(finished));

  const allBuilds = await client.builds().list({ desc: true });
  assert.equal(allBuilds.items[0].id, build.id);
  const defaultBuild = await client.actor(actor.id).defaultBuild();
  assert.equal((await defaultBuild.get()).id, build.id);
  server.assertHealthy();
});

test('creates a task and calls it with task.call()', async () => {
  task = await client.tasks().create({ actId: actor.id, name: uniqueName('compat-task'), input: { count: 25, tag: 'saved' } });
  assert.equal(task.actId, actor.id);

  taskRun = await client.task(task.id).call({ count: 40, tag: 'override' }, { waitSecs: 120 });
  assert.equal(taskRun.status, 'SUCCEEDED', JSON.stringify(taskRun));
  assert.equal(taskRun.actorTaskId, task.id);
  assert.ok(taskRun.defaultDatasetId, JSON.stringify(taskRun));
  assert.ok(taskRun.defaultKeyValueStoreId, JSON.stringify(taskRun));

  const input = await client.keyValueStore(taskRun.defaultKeyValueStoreId).getRecord('INPUT');
  assert.deepEqual(input.value, { count: 40, tag: 'override' });
});

test('lists items with offset, limit, fields and desc', async () => {
  const dataset = client.dataset(taskRun.defaultDatasetId);
  const info = await dataset.get();
  assert.equal(info.itemCount, 40);

  const page = await dataset.listItems({ offset: 5, limit: 10 });
  assert.equal(page.total, 40);
  assert.equal(page.offset, 5);
  assert.equal(page.limit, 10);
  assert.equal(page.count, 10);
  assert.equal(page.desc, false);
  assert.deepEqual(
    page.items.map((item) => item.index),
    [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  );
  assert.deepEqual(page.items[0], { index: 5, label: 'item-5', tag: 'override', even: false });

  const picked = await dataset.listItems({ offset: 0, limit: 3, fields: ['label', 'even'] });
  assert.deepEqual(picked.items, [
    { label: 'item-0', even: true },
    { label: 'item-1', even: false },
    { label: 'item-2', even: true },
  ]);

  const reversed = await dataset.listItems({ desc: true, offset: 2, limit: 3, fields: ['index'] });
  assert.equal(reversed.desc, true);
  assert.deepEqual(reversed.items, [{ index: 37 }, { index: 36 }, { index: 35 }]);

  const beyond = await dataset.listItems({ offset: 100, limit: 10 });
  assert.equal(beyond.total, 40);
  assert.deepEqual(beyond.items, []);

  const run = client.run(taskRun.id);
  const viaRun = await run.dataset().listItems({ limit: 2 });
  assert.deepEqual(
    viaRun.items.map((item) => item.index),
    [0, 1],
  );
});

test('reads records', async () => {
  const store = client.keyValueStore(taskRun.defaultKeyValueStoreId);
  const output = await store.getRecord('OUTPUT');
  assert.equal(output.key, 'OUTPUT');
  assert.deepEqual(output.value, { tag: 'override', count: 40 });
  assert.match(output.contentType, /^application\/json/);

  assert.equal(await store.getRecord('no-such-record'), undefined);
  assert.equal(await store.recordExists('OUTPUT'), true);
  assert.equal(await store.recordExists('no-such-record'), false);

  const keys = await store.listKeys();
  assert.deepEqual(keys.items.map((item) => item.key).sort(), ['INPUT', 'OUTPUT']);

  // A record large enough (1024 bytes and more) for the client to send it
  // compressed with brotli.
  const big = { text: 'x'.repeat(4096), list: Array.from({ length: 50 }, (_, i) => i) };
  await store.setRecord({ key: 'client-written', value: big });
  const back = await store.getRecord('client-written');
  assert.deepEqual(back.value, big);
  const text = await store.getRecord('client-written', { buffer: true });
  assert.ok(Buffer.isBuffer(text.value));
  assert.deepEqual(JSON.parse(text.value.toString('utf8')), big);
});

test('pushes compressed items', async () => {
  const dataset = await client.datasets().getOrCreate(uniqueName('compat-dataset'));
  const items = Array.from({ length: 200 }, (_, i) => ({ index: i, text: `pushed by the client ${i}` }));
  await client.dataset(dataset.id).pushItems(items);
  await client.dataset(dataset.id).pushItems({ index: 200, text: 'one object' });

  const page = await client.dataset(dataset.id).listItems({ offset: 198, fields: ['index'] });
  assert.equal(page.total, 201);
  assert.deepEqual(page.items, [{ index: 198 }, { index: 199 }, { index: 200 }]);
});

test('reads task input, run log and last run', async () => {
  const taskClient = client.task(task.id);
  assert.deepEqual(await taskClient.getInput(), { count: 25, tag: 'saved' });
  await taskClient.updateInput({ count: 3, tag: 'updated' });
  const updated = await taskClient.get();
  assert.deepEqual(updated.input, { count: 3, tag: 'updated' });

  const log = await client.run(taskRun.id).log().get();
  assert.match(log, /compat-actor: pushed 40 items/);

  const lastRun = await taskClient.lastRun().get();
  assert.equal(lastRun.id, taskRun.id);
  const lastItems = await taskClient.lastRun().dataset().listItems({ limit: 1 });
  assert.equal(lastItems.total, 40);

  const taskRuns = await taskClient.runs().list();
  assert.deepEqual(
    taskRuns.items.map((item) => item.id),
    [taskRun.id],
  );
});

test('starts and aborts a run', async () => {
  const started = await client.actor(actor.id).start({ count: 1, sleepSecs: 60 });
  assert.ok(['READY', 'RUNNING'].includes(started.status), started.status);

  const runClient = client.run(started.id);
  const deadline = Date.now() + 30_000;
  let current = started;
  while (current.status === 'READY' && Date.now() < deadline) {
    current = await runClient.get({ waitForFinish: 1 });
  }
  const aborting = await runClient.abort();
  assert.ok(['ABORTING', 'ABORTED'].includes(aborting.status), aborting.status);

  const finished = await runClient.waitForFinish({ waitSecs: 60 });
  assert.equal(finished.status, 'ABORTED', JSON.stringify(finished));
  const items = await runClient.dataset().listItems();
  assert.equal(items.total, 0, 'the aborted run pushed no items');

  const runs = await client.actor(actor.id).runs().list({ desc: true, limit: 1 });
  assert.equal(runs.items[0].id, started.id);
  assert.equal(runs.items[0].status, 'ABORTED');
});

test('deletes only a finished run', async () => {
  const started = await client.actor(actor.id).start({ count: 1, sleepSecs: 60 });
  const runClient = client.run(started.id);
  await assert.rejects(runClient.delete(), (error) => {
    assert.equal(error.statusCode, 400);
    assert.equal(error.type, 'invalid-input');
    assert.match(error.message, /has not finished/);
    return true;
  });

  await runClient.abort();
  const finished = await runClient.waitForFinish({ waitSecs: 60 });
  assert.equal(finished.status, 'ABORTED');
  await runClient.delete();
  assert.equal(await runClient.get(), undefined);
  assert.equal(await runClient.log().get(), undefined);
  const dataset = await client.dataset(finished.defaultDatasetId).get();
  assert.equal(dataset.id, finished.defaultDatasetId, 'the default dataset stays');
});

test(`pages through a ${BIG_COUNT}-item dataset`, async () => {
  const run = await client.actor(actor.id).call({ count: BIG_COUNT, batchSize: 2000 }, { waitSecs: 300 });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const dataset = client.dataset(run.defaultDatasetId);

  let offset = 0;
  let seen = 0;
  for (;;) {
    const page = await dataset.listItems({ offset, limit: PAGE_LIMIT });
    assert.equal(page.total, BIG_COUNT);
    assert.equal(page.offset, offset);
    for (const [i, item] of page.items.entries()) {
      assert.equal(item.index, offset + i, `item at offset ${offset + i}`);
    }
    seen += page.count;
    offset += page.count;
    if (page.count < PAGE_LIMIT) break;
  }
  assert.equal(seen, BIG_COUNT);

  const last = await dataset.listItems({ desc: true, limit: 1 });
  assert.deepEqual(last.items.map((item) => item.index), [BIG_COUNT - 1]);
  server.assertHealthy();
});

test('runs the build of defaultRunOptions.build', async () => {
  const actorClient = client.actor(actor.id);
  const current = await actorClient.get();
  const beta = { versionNumber: '0.2', sourceType: 'SOURCE_FILES', buildTag: 'beta', sourceFiles: SOURCE_FILES };
  await actorClient.update({ versions: [...current.versions, beta] });
  const betaBuild = await client.build((await actorClient.build('0.2', { tag: 'beta' })).id).waitForFinish();
  assert.equal(betaBuild.status, 'SUCCEEDED', JSON.stringify(betaBuild));

  const latest = await (await actorClient.defaultBuild()).get();
  assert.notEqual(latest.id, betaBuild.id, 'the default build stays latest until defaultRunOptions changes');

  await actorClient.update({ defaultRunOptions: { ...current.defaultRunOptions, build: 'beta' } });
  const chosen = await (await actorClient.defaultBuild()).get();
  assert.equal(chosen.id, betaBuild.id);
  const run = await actorClient.call({ count: 1 }, { waitSecs: 60, log: null });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  assert.equal(run.buildId, betaBuild.id);
});

test('defaultBuild of an unbuilt actor is 404', async () => {
  const unbuilt = await client.actors().create({
    name: uniqueName('compat-unbuilt'),
    versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles: SOURCE_FILES }],
  });
  await assert.rejects(client.actor(unbuilt.id).defaultBuild(), (error) => {
    assert.equal(error.statusCode, 404);
    assert.equal(error.type, 'record-not-found');
    assert.match(error.message, /build 'latest'/);
    return true;
  });
});

// An actor that stores the two custom variables it got as its OUTPUT.
const ENV_SOURCE_FILES = [
  { name: 'Dockerfile', format: 'TEXT', content: 'FROM node:20-slim\nCOPY . ./\nCMD ["node", "main.mjs"]\n' },
  {
    name: 'main.mjs',
    format: 'TEXT',
    content: `
const base = process.env.APIFY_API_BASE_URL.replace(/\\/$/, '') + '/v2';
const url = base + '/key-value-stores/' + process.env.ACTOR_DEFAULT_KEY_VALUE_STORE_ID + '/records/OUTPUT';
const body = JSON.stringify({ greeting: process.env.GREETING ?? null, apiKey: process.env.API_KEY ?? null });
const res = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer ' + process.env.APIFY_TOKEN, 'content-type': 'application/json' }, body });
if (!res.ok) process.exit(2);
`,
  },
];

test('manages environment variables with version().envVars()', async () => {
  const created = await client.actors().create({
    name: uniqueName('compat-env-vars'),
    versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles: ENV_SOURCE_FILES }],
  });
  const versionClient = client.actor(created.id).version('0.1');

  const greeting = await versionClient.envVars().create({ name: 'GREETING', value: 'hello', isSecret: false });
  assert.deepEqual(greeting, { name: 'GREETING', value: 'hello', isSecret: false });
  const apiKey = await versionClient.envVars().create({ name: 'API_KEY', value: 'key-123', isSecret: true });
  assert.deepEqual(apiKey, { name: 'API_KEY', isSecret: true }, 'a secret value is never returned');
  const page = await versionClient.envVars().list();
  assert.equal(page.total, 2);
  assert.deepEqual(page.items, [greeting, apiKey]);

  assert.deepEqual(await versionClient.envVar('GREETING').update({ name: 'GREETING', value: 'hi' }), {
    name: 'GREETING',
    value: 'hi',
    isSecret: false,
  });
  assert.equal((await versionClient.envVar('GREETING').get()).value, 'hi');
  assert.equal(await versionClient.envVar('MISSING').get(), undefined);
  assert.equal((await versionClient.get()).envVars.length, 2);

  const build = await client.actor(created.id).build('0.1', { tag: 'latest', waitForFinish: 60 });
  assert.equal((await client.build(build.id).waitForFinish({ waitSecs: 120 })).status, 'SUCCEEDED');
  const run = await client.actor(created.id).call(undefined, { waitSecs: 60, log: null });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const output = await client.run(run.id).keyValueStore().getRecord('OUTPUT');
  assert.deepEqual(output.value, { greeting: 'hi', apiKey: 'key-123' });

  await versionClient.envVar('API_KEY').delete();
  assert.deepEqual((await versionClient.envVars().list()).items, [{ name: 'GREETING', value: 'hi', isSecret: false }]);
});
