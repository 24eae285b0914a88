// Actors written with the apify SDK and Crawlee, unmodified, against a
// real actord: they are pushed with `actord push`, built (npm ci from the
// lock file) and run through run-sync-get-dataset-items. Every call the
// SDK makes goes to actord's API, so a route or body the SDK does not
// accept fails the run.
//
// The packages come from tests/compat/actors/package-lock.json, which
// scripts/test.sh installs with `npm ci`. That fills npm's cache, and
// actord's builds here run with npm_config_offline=true, so they take the
// same tarballs from the cache and never reach the registry.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { REPO_DIR, expectStatus, runActordCli, useServer } from '../api/lib/harness.mjs';

const ACTORS_DIR = path.join(REPO_DIR, 'tests/compat/actors');
// Builds run npm ci and runs start Node.js with the whole SDK: slower
// than the API tests' fixture actors, more so under the sanitizers.
const BUILD_TIMEOUT_MS = 600_000;

if (!fs.existsSync(path.join(ACTORS_DIR, 'node_modules/apify'))) {
  throw new Error('tests/compat/actors has no node_modules: run `npm ci --prefix tests/compat/actors` first');
}

// The rate limits are actord's defaults, as a user would run it, because
// the SDK and Crawlee must cope with them.
const server = useServer({
  env: { npm_config_offline: 'true' },
  rateLimits: { standard: 60, records: 200, runs: 400 },
});

/**
 * Pushes the actor in tests/compat/actors/DIR and returns it; with name,
 * a copy of it under that name.
 */
async function pushActor(dir, name) {
  let source = path.join(ACTORS_DIR, dir);
  if (name) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'actord-sdk-copy-'));
    fs.cpSync(source, copy, { recursive: true, filter: (file) => !file.includes('node_modules') });
    const actorJson = path.join(copy, '.actor/actor.json');
    fs.writeFileSync(actorJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(actorJson, 'utf8')), name }));
    source = copy;
  }
  const result = await runActordCli(['push', source], {
    env: { ACTORD_URL: server.url, ACTORD_TOKEN: server.token },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  assert.equal(result.code, 0, `push of ${dir} failed:\n${result.stdout}\n${result.stderr}`);
  const actorName = name ?? JSON.parse(fs.readFileSync(path.join(ACTORS_DIR, dir, '.actor/actor.json'), 'utf8')).name;
  if (name) fs.rmSync(source, { recursive: true, force: true });
  return expectStatus(await server.api('GET', `/v2/acts/~${actorName}`), 200).data;
}

/** Fetches the run's log, for assertion messages. */
async function runLog(runId) {
  return (await server.api('GET', `/v2/actor-runs/${runId}/log`)).text;
}

describe('an actor written with the apify SDK', { timeout: BUILD_TIMEOUT_MS }, () => {
  let task;

  before(async () => {
    const actor = await pushActor('sdk-actor');
    task = await server.createTask(actor.id, { input: { label: 'from the task' } });
  });

  test('pushes items and stores records', async () => {
    const res = await server.runSync(task.id, { body: { label: 'overridden' } });
    const run = await server.lastRun(task.id);
    assert.equal(res.status, 201, `${res.describe()}\nrun log:\n${await runLog(run.id)}`);
    const items = res.json;
    assert.deepEqual(
      items.map((item) => [item.n, item.kind]),
      [
        [1, 'object'],
        [2, 'array'],
        [3, 'array'],
        [4, 'large'],
        [5, 'read-back'],
      ],
    );
    assert.equal(items[0].label, 'overridden');
    assert.equal(items[3].words.length, 300);
    assert.equal(items[3].words[299], 'word299');
    assert.deepEqual(items[4].json, { greeting: 'hello', input: { label: 'overridden' } });
    assert.equal(items[4].text, 'plain text, ünïcode');
    assert.equal(items[4].binary, '000102fdfeff');
    assert.equal(items[4].largeWords, 300);

    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.statusMessage, 'Done: 5 items');
    assert.equal(run.isStatusMessageTerminal, true);

    // The records as any client sees them, decoded by fetch.
    const records = `/v2/actor-runs/${run.id}/key-value-store/records`;
    const json = expectStatus(await server.api('GET', `${records}/JSON_RECORD`), 200);
    assert.match(json.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(json.json, { greeting: 'hello', input: { label: 'overridden' } });
    const text = expectStatus(await server.api('GET', `${records}/TEXT_RECORD`), 200);
    assert.match(text.headers.get('content-type'), /^text\/plain/);
    assert.equal(text.text, 'plain text, ünïcode');
    const binary = expectStatus(await server.api('GET', `${records}/BINARY_RECORD`), 200);
    assert.match(binary.headers.get('content-type'), /^application\/octet-stream/);
    assert.equal(Buffer.from(binary.body).toString('hex'), '000102fdfeff');
    const large = expectStatus(await server.api('GET', `${records}/LARGE_RECORD`), 200);
    assert.equal(large.json.words.length, 300);
  });

  test('Actor.reboot starts the run again with its storages', async () => {
    const res = await server.runSync(task.id, { body: { reboot: true } });
    const run = await server.lastRun(task.id);
    const log = await runLog(run.id);
    assert.equal(res.status, 201, `${res.describe()}\nrun log:\n${log}`);
    assert.deepEqual(res.json, [{ phase: 'before the reboot' }, { phase: 'after the reboot', inputKey: 'INPUT' }]);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.stats.restartCount, 0, 'a reboot is not a restart after a failure');
    assert.match(log, /Rebooting the run\./);
    assert.match(log, /The run was rebooted; starting it again\./);
  });

  test('Actor.metamorph runs another actor in the same run', async () => {
    const target = await pushActor('sdk-actor', 'sdk-actor-target');
    const res = await server.runSync(task.id, {
      body: { metamorphTo: target.id, metamorphInput: { label: 'metamorphed' } },
    });
    const run = await server.lastRun(task.id);
    assert.equal(res.status, 201, `${res.describe()}\nrun log:\n${await runLog(run.id)}`);
    const items = res.json;
    assert.deepEqual(items[0], { phase: 'before the metamorph' });
    assert.deepEqual(items.slice(1).map((item) => item.n), [1, 2, 3, 4, 5]);
    assert.equal(items[1].label, 'metamorphed', 'the target reads its input under INPUT-METAMORPH-1');
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.actId, task.actId);
    assert.equal(run.metamorphs.length, 1);
    assert.equal(run.metamorphs[0].actorId, target.id);
    assert.equal(run.metamorphs[0].inputKey, 'INPUT-METAMORPH-1');
    assert.equal(run.buildId, run.metamorphs[0].buildId);
    const input = await server.api('GET', `/v2/actor-runs/${run.id}/key-value-store/records/INPUT-METAMORPH-1`);
    assert.deepEqual(expectStatus(input, 200).json, { label: 'metamorphed' });
  });

  test('Actor.fail ends the run FAILED', async () => {
    const res = await server.runSync(task.id, { body: { fail: true } });
    const run = await server.lastRun(task.id);
    assert.equal(res.status, 400, `${res.describe()}\nrun log:\n${await runLog(run.id)}`);
    assert.equal(res.json.error.type, 'run-failed');
    assert.equal(run.status, 'FAILED');
    assert.equal(run.statusMessage, 'The input asked for a failure');
    assert.equal(run.isStatusMessageTerminal, true);
    const items = expectStatus(await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items`), 200).json;
    assert.deepEqual(items, []);
  });
});

/**
 * Starts a small site on 127.0.0.1. The start page links to /a twice
 * (once with a fragment), /b and /flaky. /a links back to / and to /b,
 * and /flaky returns 500 twice before it succeeds. `hits` counts the
 * requests per path.
 */
function startSite() {
  const pages = {
    '/': ['Home', ['/a', '/b', '/flaky', '/a#again']],
    '/a': ['Page A', ['/b', '/']],
    '/b': ['Page B', []],
    '/flaky': ['Flaky page', ['/b']],
  };
  const hits = {};
  const site = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    const page = pages[url.pathname];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (url.pathname === '/flaky' && hits['/flaky'] <= 2) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('failing on purpose');
      return;
    }
    const [title, links] = page;
    const anchors = links.map((link) => `<a href="${link}">${link}</a>`).join(' ');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>${title}</title></head><body>${anchors}</body></html>`);
  });
  return new Promise((resolve) => {
    site.listen(0, '127.0.0.1', () => resolve({ site, hits, url: `http://127.0.0.1:${site.address().port}` }));
  });
}

describe('a Crawlee CheerioCrawler actor', { timeout: BUILD_TIMEOUT_MS }, () => {
  let task;
  let served;

  before(async () => {
    served = await startSite();
    const actor = await pushActor('crawlee-actor');
    task = await server.createTask(actor.id, { input: { startUrls: [{ url: `${served.url}/` }] } });
  });

  after(() => served?.site.close());

  test('crawls via the request queue; CSV items', async () => {
    const res = await server.runSync(task.id, { query: { format: 'csv' }, body: {} });
    const run = await server.lastRun(task.id);
    assert.equal(res.status, 201, `${res.describe()}\nrun log:\n${await runLog(run.id)}`);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    const [header, ...rows] = res.text.trim().split(/\r?\n/);
    assert.equal(header, 'url,title,retryCount');
    const base = served.url;
    assert.deepEqual(rows.sort(), [
      `${base}/,Home,0`,
      `${base}/a,Page A,0`,
      `${base}/b,Page B,0`,
      `${base}/flaky,Flaky page,2`,
    ]);
    // Every page was fetched once despite the duplicate links, except
    // /flaky, which took two retries.
    assert.deepEqual(served.hits, { '/': 1, '/a': 1, '/b': 1, '/flaky': 3 });

    const queue = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/request-queue`), 200).data;
    assert.equal(queue.totalRequestCount, 4);
    assert.equal(queue.handledRequestCount, 4);
    assert.equal(queue.pendingRequestCount, 0);
    const requests = expectStatus(await server.api('GET', `/v2/request-queues/${queue.id}/requests`), 200).data.items;
    assert.deepEqual(requests.map((request) => new URL(request.url).pathname).sort(), ['/', '/a', '/b', '/flaky']);
    for (const request of requests) assert.ok(request.handledAt, `request not handled: ${JSON.stringify(request)}`);
    const flaky = requests.find((request) => request.url.endsWith('/flaky'));
    assert.equal(flaky.retryCount, 2);

    // Crawlee persists its statistics and session pool in the default store.
    const store = `/v2/actor-runs/${run.id}/key-value-store`;
    const keys = expectStatus(await server.api('GET', `${store}/keys`), 200).data.items.map((item) => item.key);
    assert.deepEqual(keys, ['INPUT', 'SDK_CRAWLER_STATISTICS_0', 'SDK_SESSION_POOL_STATE']);
    const statistics = expectStatus(await server.api('GET', `${store}/records/SDK_CRAWLER_STATISTICS_0`), 200).json;
    assert.equal(statistics.requestsFinished, 4);
    assert.equal(statistics.requestsFailed, 0);
    assert.equal(run.status, 'SUCCEEDED');
  });
});
