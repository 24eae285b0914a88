// The stock Apify CLI (npm apify-cli, pinned in tests/compat/cli) against a
// real actord: login, push of an actor directory, call with its log
// streamed, runs ls and info, datasets info and ls, key-value-stores ls
// and info, and api. Each command runs as a user would run it, with
// APIFY_CLIENT_BASE_URL pointing at actord.
//
// The CLI keeps its login in $HOME/.apify, so HOME is a temporary dir. The
// OS keyring is off (APIFY_DISABLE_KEYRING), so the test leaves nothing on
// the machine. Telemetry, the update check and the rental notice are off by
// the CLI's own variables, and loopback-only.mjs refuses and records every
// connection to a host other than 127.0.0.1: the last test fails if the CLI
// tried one.
//
// Install the CLI first: npm ci --prefix tests/compat/cli (scripts/test.sh
// does). On Node.js 20 npm warns that two of its dependencies (chalk 6,
// which 7) declare Node.js 22; the commands tested here work on 20.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';

import { REPO_DIR, expectStatus, useServer } from '../api/lib/harness.mjs';

const CLI_DIR = path.join(REPO_DIR, 'tests/compat/cli');
const APIFY_BIN = path.join(CLI_DIR, 'node_modules/apify-cli/dist/apify.js');
const GUARD = path.join(CLI_DIR, 'loopback-only.mjs');
const CLI_TIMEOUT_MS = 120_000;
const ACTOR_NAME = 'cli-echo';

// The actor the test pushes: it logs its input and pushes three items that
// carry it, through the API the run gets from actord.
const MAIN_PY = `import json, os, urllib.request

BASE = os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2"


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + os.environ["APIFY_TOKEN"])
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


store = os.environ["ACTOR_DEFAULT_KEY_VALUE_STORE_ID"]
run_input = json.loads(call("GET", f"/key-value-stores/{store}/records/INPUT"))
print("cli-echo: got input", json.dumps(run_input, sort_keys=True), flush=True)
items = [{"echo": run_input, "n": n} for n in range(3)]
call("POST", f"/datasets/{os.environ['ACTOR_DEFAULT_DATASET_ID']}/items", items)
`;

// The actor of the large push: it reports the size of its large file.
const BIG_MAIN_PY = `import json, os, urllib.request

item = {"bigBytes": os.path.getsize("big.bin")}
request = urllib.request.Request(
    os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2/datasets/" + os.environ["ACTOR_DEFAULT_DATASET_ID"] + "/items",
    data=json.dumps(item).encode(), method="POST",
    headers={"Authorization": "Bearer " + os.environ["APIFY_TOKEN"], "Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=60).read()
`;

const server = useServer();
let home;
let actorDir;
let netLog;
let runId;
let datasetId;

/**
 * Runs the CLI with args in cwd; resolves to { code, stdout, stderr }, the
 * output without terminal colors.
 */
function apify(args, { cwd = home } = {}) {
  const env = {
    ...process.env,
    HOME: home,
    APIFY_CLIENT_BASE_URL: server.url,
    APIFY_DISABLE_KEYRING: '1',
    APIFY_CLI_DISABLE_TELEMETRY: '1',
    APIFY_CLI_SKIP_UPDATE_CHECK: '1',
    APIFY_CLI_SKIP_RENTAL_SUNSET_NOTICE: '1',
    APIFY_CLI_MAX_LINE_WIDTH: '200',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ACTORD_TEST_NET_LOG: netLog,
    NODE_OPTIONS: `--import=${GUARD}`,
  };
  delete env.APIFY_TOKEN;
  return new Promise((resolve) => {
    execFile(process.execPath, [APIFY_BIN, ...args], { cwd, env, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({
        code: error ? (error.code ?? error.signal) : 0,
        stdout: stripVTControlCharacters(stdout),
        stderr: stripVTControlCharacters(stderr),
      });
    });
  });
}

function describeResult(args, result) {
  return `apify ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

async function apifyOk(args, options) {
  const result = await apify(args, options);
  assert.equal(result.code, 0, describeResult(args, result));
  return result;
}

before(async () => {
  await fs.access(APIFY_BIN).catch(() => {
    throw new Error(`${APIFY_BIN} is missing: run npm ci --prefix tests/compat/cli`);
  });
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-cli-home-'));
  netLog = path.join(home, 'refused-connections.log');
  actorDir = path.join(home, ACTOR_NAME);
});

after(async () => {
  if (home) await fs.rm(home, { recursive: true, force: true });
});

test('apify login -t stores the token of the actord user', async () => {
  const { stdout, stderr } = await apifyOk(['login', '-t', server.token]);
  assert.match(stdout + stderr, /logged in to Apify as admin/);
  const auth = JSON.parse(await fs.readFile(path.join(home, '.apify/auth.json'), 'utf8'));
  assert.equal(auth.token, server.token);
  assert.equal(auth.username, 'admin');
});

test('apify push uploads the directory, builds it and sees the tag', async () => {
  // The CLI creates a missing actor with run options it downloads from
  // GitHub's actor template list, so the actor exists first, as after
  // an earlier push. Files written after it count as newer, so the CLI
  // pushes without --force.
  expectStatus(await server.api('POST', '/v2/acts', { body: { name: ACTOR_NAME } }), 201);
  // File times come from the kernel's coarse clock, a few ms behind the
  // actor's modifiedAt: without a pause the files can look older.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await fs.mkdir(path.join(actorDir, '.actor'), { recursive: true });
  await fs.writeFile(
    path.join(actorDir, '.actor/actor.json'),
    JSON.stringify({ actorSpecification: 1, name: ACTOR_NAME, version: '0.1', buildTag: 'latest' }),
  );
  await fs.writeFile(path.join(actorDir, 'Dockerfile'), 'FROM python:3\nCOPY . ./\nCMD ["python3", "main.py"]\n');
  await fs.writeFile(path.join(actorDir, 'main.py'), MAIN_PY);

  const args = ['push', '--json'];
  const result = await apifyOk(args, { cwd: actorDir });
  const outcome = JSON.parse(result.stdout);
  assert.equal(outcome.ok, true, describeResult(args, result));
  assert.equal(outcome.build.status, 'SUCCEEDED');
  // The build log streams while the CLI waits, and the tag is there on
  // the first look, so no "was not set" warning.
  assert.match(result.stderr, /Build succeeded/);
  assert.doesNotMatch(result.stderr, /was not set/);

  const actor = expectStatus(await server.api('GET', `/v2/acts/admin~${ACTOR_NAME}`), 200).data;
  assert.equal(actor.taggedBuilds.latest.buildId, outcome.build.id);
  const version = actor.versions.find((v) => v.versionNumber === '0.1');
  const main = version.sourceFiles.find((file) => file.name === 'main.py');
  assert.equal(main.content, MAIN_PY);
});

test('apify push over 3 MB', async () => {
  // Over 3 MB the CLI zips the directory, stores the zip as a record of
  // the store "actor-ID-source" and sends sourceType TARBALL with the
  // record's URL.
  const name = 'cli-big';
  const dir = path.join(home, name);
  expectStatus(await server.api('POST', '/v2/acts', { body: { name } }), 201);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await fs.mkdir(path.join(dir, '.actor'), { recursive: true });
  await fs.writeFile(
    path.join(dir, '.actor/actor.json'),
    JSON.stringify({ actorSpecification: 1, name, version: '0.1', buildTag: 'latest' }),
  );
  await fs.writeFile(path.join(dir, 'Dockerfile'), 'FROM python:3\nCOPY . ./\nCMD ["python3", "main.py"]\n');
  await fs.writeFile(path.join(dir, 'main.py'), BIG_MAIN_PY);
  // Random bytes, so the zip stays over 3 MB.
  await fs.writeFile(path.join(dir, 'big.bin'), crypto.randomBytes(3_500_000));

  const args = ['push', '--json'];
  const result = await apifyOk(args, { cwd: dir });
  const outcome = JSON.parse(result.stdout);
  assert.equal(outcome.build.status, 'SUCCEEDED', describeResult(args, result));

  const actor = expectStatus(await server.api('GET', `/v2/acts/admin~${name}`), 200).data;
  const version = actor.versions.find((v) => v.versionNumber === '0.1');
  assert.equal(version.sourceType, 'TARBALL');
  assert.match(version.tarballUrl, new RegExp(`/v2/key-value-stores/\\w+/records/version-0\\.1\\.zip`));
  const task = expectStatus(await server.api('POST', '/v2/actor-tasks', {
    body: { actId: actor.id, name: 'cli-big-task', input: {} },
  }), 201).data;
  const items = await server.api('POST', `/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`, { body: {} });
  expectStatus(items, 201);
  assert.deepEqual(items.json, [{ bigBytes: 3_500_000 }]);
});

test('apify call --input runs the actor and streams its log', async () => {
  const args = ['call', `admin~${ACTOR_NAME}`, '--input', '{"hello":"world"}'];
  const result = await apifyOk(args);
  assert.match(result.stderr, /cli-echo: got input \{"hello": "world"\}/, describeResult(args, result));
  assert.match(result.stdout, /Apify call result: SUCCEEDED/);
  // The CLI finds the run's build among the actor's taggedBuilds.
  assert.match(result.stdout, /Build: 0\.1\.1 \(latest\)/);
  runId = result.stdout.match(/Run ID: (\S+)/)?.[1];
  datasetId = result.stdout.match(/Dataset ID: (\S+)/)?.[1];
  assert.ok(runId, describeResult(args, result));
  assert.ok(datasetId, describeResult(args, result));

  const run = expectStatus(await server.api('GET', `/v2/actor-runs/${runId}`), 200).data;
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.defaultDatasetId, datasetId);
});

test('apify runs ls lists the run', async () => {
  assert.ok(runId, 'needs the run of the call test');
  // Without an argument, the actor of the current directory.
  const table = await apifyOk(['runs', 'ls'], { cwd: actorDir });
  assert.match(table.stdout, new RegExp(`${runId}\\s+Succeeded\\s+3`));

  const list = JSON.parse((await apifyOk(['runs', 'ls', `admin~${ACTOR_NAME}`, '--json'])).stdout);
  assert.deepEqual(
    list.items.map((run) => [run.id, run.status]),
    [[runId, 'SUCCEEDED']],
  );
});

test('apify datasets info shows the dataset, its run and owner', async () => {
  assert.ok(datasetId, 'needs the dataset of the call test');
  const text = await apifyOk(['datasets', 'info', datasetId]);
  assert.match(text.stdout, /Owned by admin/);
  assert.match(text.stdout, /Items: 3 clean \/ 3 total/);
  // The actor pushed its three items in one request.
  assert.match(text.stdout, /Operations: 0 reads \/ 1 write\b/);
  assert.match(text.stdout, /Storage size: \d+\.\d B/);

  const info = JSON.parse((await apifyOk(['datasets', 'info', datasetId, '--json'])).stdout);
  assert.equal(info.id, datasetId);
  assert.equal(info.itemCount, 3);
  assert.equal(info.user.username, 'admin');
  assert.equal(info.run.id, runId);
  assert.equal(info.actor.name, ACTOR_NAME);
});

test('apify runs info shows the run and its CPU and memory', async () => {
  assert.ok(runId, 'needs the run of the call test');
  const run = expectStatus(await server.api('GET', `/v2/actor-runs/${runId}`), 200).data;
  const args = ['runs', 'info', runId];
  const { stdout } = await apifyOk(args);
  assert.match(stdout, new RegExp(`Actor: admin/${ACTOR_NAME}`), stdout);
  assert.match(stdout, /Status: Succeeded \(exit code: 0\)/);
  assert.match(stdout, /Results: 3/);
  // The CLI prints cpuAvgUsage with two decimals and bytes in units of 1000.
  const cpu = stdout.match(/CPU: Average: ([\d.]+)% \| Maximum: ([\d.]+)%/);
  assert.ok(cpu, stdout);
  assert.equal(cpu[1], run.stats.cpuAvgUsage.toFixed(2));
  assert.ok(run.stats.cpuAvgUsage > 0, `cpuAvgUsage ${run.stats.cpuAvgUsage}`);
  const memory = stdout.match(/Memory: Average: [^|]+\| Maximum: ([\d.]+) MB/);
  assert.ok(memory, stdout);
  assert.ok(Math.abs(Number(memory[1]) * 1e6 - run.stats.memMaxBytes) < 0.01e6, `${memory[1]} MB vs ${run.stats.memMaxBytes} bytes`);
});

test('apify datasets ls shows names, items and sizes', async () => {
  assert.ok(datasetId, 'needs the dataset of the call test');
  const name = 'cli-stats-items';
  const dataset = expectStatus(await server.api('POST', `/v2/datasets?name=${name}`), 201).data;
  // Stored compact: {"n":1}{"n":2} are 14 bytes.
  expectStatus(await server.api('POST', `/v2/datasets/${dataset.id}/items`, { body: '[{"n": 1}, {"n": 2}]' }), 201);

  const { stdout } = await apifyOk(['datasets', 'ls']);
  const row = stdout.split('\n').find((line) => line.includes(dataset.id));
  assert.ok(row, stdout);
  assert.match(row, new RegExp(`admin/${name}\\W+2\\W+14 B`));

  // The run's dataset has no name, so only --unnamed lists it.
  const unnamed = await apifyOk(['datasets', 'ls', '--unnamed']);
  const runRow = unnamed.stdout.split('\n').find((line) => line.includes(datasetId));
  assert.ok(runRow, unnamed.stdout);
  const stored = expectStatus(await server.api('GET', `/v2/datasets/${datasetId}`), 200).data;
  assert.match(runRow, new RegExp(`\\W3\\W+${stored.stats.s3StorageBytes} B`));
});

test('apify key-value-stores ls shows names and sizes', async () => {
  const name = 'cli-stats-records';
  const store = expectStatus(await server.api('POST', `/v2/key-value-stores?name=${name}`), 201).data;
  const headers = { 'content-type': 'text/plain' };
  const record = (key) => `/v2/key-value-stores/${store.id}/records/${key}`;
  expectStatus(await server.api('PUT', record('a'), { body: 'hello', headers }), 201);
  expectStatus(await server.api('PUT', record('b'), { body: 'x'.repeat(40), headers }), 201);
  expectStatus(await server.api('DELETE', record('a')), 204);

  const { stdout } = await apifyOk(['key-value-stores', 'ls']);
  const row = stdout.split('\n').find((line) => line.includes(store.id));
  assert.ok(row, stdout);
  assert.match(row, new RegExp(`admin/${name}\\W+40 B`));

  const info = await apifyOk(['key-value-stores', 'info', store.id]);
  assert.match(info.stdout, /2 writes \/ 1 delete/);
  assert.match(info.stdout, /Storage size: 40\.0 B/);
});

test('apify api v2/datasets/:id/items prints the items', async () => {
  assert.ok(datasetId, 'needs the dataset of the call test');
  const { stdout } = await apifyOk(['api', `v2/datasets/${datasetId}/items`]);
  assert.deepEqual(JSON.parse(stdout), [0, 1, 2].map((n) => ({ echo: { hello: 'world' }, n })));
});

test('the CLI tried no connection off the machine', async () => {
  const refused = await fs.readFile(netLog, 'utf8').catch((error) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  assert.equal(refused, '', `the CLI tried to connect to:\n${refused}`);
});
