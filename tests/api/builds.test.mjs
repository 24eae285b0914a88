// Builds: numbering, the build object and log, how the process command and
// the input schema are found in the source files, and immutable builds
// picked by tag or number.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  expectClientError,
  expectError,
  expectStatus,
  textSourceFiles,
  uniqueName,
  useServer,
} from './lib/harness.mjs';

const server = useServer();

/**
 * Python source of an actor that pushes one item
 * {"ran": label, "argv": its arguments, "buildNumber": ACTOR_BUILD_NUMBER, "input": INPUT}.
 */
function reportingPython(label) {
  return `import json, os, sys, urllib.request

base = os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2"
headers = {"Authorization": "Bearer " + os.environ["APIFY_TOKEN"], "Content-Type": "application/json"}
store = os.environ["ACTOR_DEFAULT_KEY_VALUE_STORE_ID"]
with urllib.request.urlopen(urllib.request.Request(base + "/key-value-stores/" + store + "/records/INPUT", headers=headers), timeout=60) as response:
    run_input = json.loads(response.read())
item = {"ran": ${JSON.stringify(label)}, "argv": sys.argv[1:], "buildNumber": os.environ.get("ACTOR_BUILD_NUMBER"), "input": run_input}
request = urllib.request.Request(base + "/datasets/" + os.environ["ACTOR_DEFAULT_DATASET_ID"] + "/items", data=json.dumps(item).encode(), method="POST", headers=headers)
urllib.request.urlopen(request, timeout=60).read()
`;
}

const REPORTING_JS = `const base = process.env.APIFY_API_BASE_URL.replace(/\\/$/, '') + '/v2';
const item = { ran: 'npm start', argv: process.argv.slice(2), buildNumber: process.env.ACTOR_BUILD_NUMBER };
const response = await fetch(base + '/datasets/' + process.env.ACTOR_DEFAULT_DATASET_ID + '/items', {
  method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.APIFY_TOKEN, 'content-type': 'application/json' },
  body: JSON.stringify(item),
});
if (response.status !== 201) process.exit(3);
`;

function actorJson(extra = {}) {
  return JSON.stringify({ actorSpecification: 1, name: 'variant', version: '0.1', ...extra });
}

/** Creates and builds an actor from {path: content}; returns { actor, build }. */
async function buildFiles(files) {
  const actor = await server.createActor(uniqueName('variant'), textSourceFiles(files));
  const build = await server.buildActor(actor.id);
  return { actor, build };
}

/** Builds the files, asserts success, runs a task once and returns its single item. */
async function runFiles(files, { input = {} } = {}) {
  const { actor, build } = await buildFiles(files);
  assert.equal(build.status, 'SUCCEEDED', `build: ${JSON.stringify(build)}`);
  const task = await server.createTask(actor.id, { input });
  const res = await server.runSync(task.id, { body: {} });
  if (res.status !== 201) {
    const run = await server.lastRun(task.id);
    const log = run ? (await server.api('GET', `/v2/actor-runs/${run.id}/log`)).text : '(no run)';
    assert.fail(`run-sync: ${res.describe()}\nrun log:\n${log}`);
  }
  assert.equal(res.json.length, 1, res.describe());
  return res.json[0];
}

describe('build object', () => {
  test('numbers count up per version', async () => {
    const actor = await server.createActor(
      uniqueName('numbered'),
      textSourceFiles({ 'main.py': reportingPython('numbered'), Dockerfile: 'CMD ["python3", "main.py"]\n' }),
    );
    const first = await server.buildActor(actor.id);
    const second = await server.buildActor(actor.id);
    const third = await server.buildActor(actor.id);
    assert.deepEqual(
      [first.buildNumber, second.buildNumber, third.buildNumber],
      ['0.1.1', '0.1.2', '0.1.3'],
    );
    assert.equal(first.status, 'SUCCEEDED');
    assert.notEqual(first.id, second.id);
  });

  test('POST returns 201 with the build', async () => {
    const actor = await server.createActor(
      uniqueName('build-response'),
      textSourceFiles({ 'main.py': reportingPython('x'), Dockerfile: 'CMD ["python3", "main.py"]\n' }),
    );
    const res = await server.api('POST', `/v2/acts/${actor.id}/builds?version=0.1&tag=latest&waitForFinish=60`);
    expectStatus(res, 201);
    assert.equal(typeof res.data.id, 'string');
    assert.equal(res.data.buildNumber, '0.1.1');
    assert.equal(res.data.status, 'SUCCEEDED', res.describe());
    const viaActors = await server.api('POST', `/v2/actors/${actor.id}/builds?version=0.1&waitForFinish=60`);
    expectStatus(viaActors, 201);
    assert.equal(viaActors.data.buildNumber, '0.1.2');
  });

  test('GET returns status and number', async () => {
    const actor = await server.createActor(
      uniqueName('build-get'),
      textSourceFiles({ 'main.py': reportingPython('x'), Dockerfile: 'CMD ["python3", "main.py"]\n' }),
    );
    const build = await server.buildActor(actor.id);
    const res = expectStatus(await server.api('GET', `/v2/actor-builds/${build.id}`), 200);
    assert.equal(res.data.id, build.id);
    assert.equal(res.data.status, 'SUCCEEDED');
    assert.equal(res.data.buildNumber, '0.1.1');
  });

  test('unknown build is 404', async () => {
    expectError(await server.api('GET', '/v2/actor-builds/NoSuchBuild12345'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actor-builds/NoSuchBuild12345/log'), 404, 'record-not-found');
  });

  test('log is served as text on both routes', async () => {
    const { build } = await buildFiles({ 'main.py': reportingPython('x'), Dockerfile: 'CMD ["python3", "main.py"]\n' });
    for (const target of [`/v2/actor-builds/${build.id}/log`, `/v2/logs/${build.id}`]) {
      const res = expectStatus(await server.api('GET', target), 200);
      assert.match(res.header('content-type') ?? '', /^text\/plain/, res.describe());
    }
  });
});

describe('process command', () => {
  test('Dockerfile CMD exec form', async () => {
    const item = await runFiles({
      'main.py': reportingPython('exec form'),
      Dockerfile: 'FROM python:3\nCOPY . ./\nCMD ["python3", "main.py", "exec-arg", "two words"]\n',
    });
    assert.equal(item.ran, 'exec form');
    assert.deepEqual(item.argv, ['exec-arg', 'two words']);
  });

  test('Dockerfile CMD shell form', async () => {
    const item = await runFiles({
      'main.py': reportingPython('shell form'),
      Dockerfile: 'FROM python:3\nCMD test -f main.py && python3 main.py shell-arg\n',
    });
    assert.equal(item.ran, 'shell form');
    assert.deepEqual(item.argv, ['shell-arg']);
  });

  test('last CMD and continuation lines', async () => {
    const item = await runFiles({
      'main.py': reportingPython('continued'),
      Dockerfile: [
        'FROM python:3',
        '# A comment line.',
        'CMD ["python3", "main.py", "first-cmd"]',
        'cmd ["python3", \\',
        '     "main.py", \\',
        '     "last-cmd"]',
        '',
      ].join('\n'),
    });
    assert.deepEqual(item.argv, ['last-cmd']);
  });

  test('.actor/Dockerfile before Dockerfile', async () => {
    const item = await runFiles({
      'main.py': reportingPython('dot-actor'),
      Dockerfile: 'CMD ["python3", "main.py", "from-root"]\n',
      '.actor/Dockerfile': 'CMD ["python3", "main.py", "from-dot-actor"]\n',
    });
    assert.deepEqual(item.argv, ['from-dot-actor']);
  });

  test('actor.json dockerfile wins', async () => {
    const item = await runFiles({
      'main.py': reportingPython('named'),
      Dockerfile: 'CMD ["python3", "main.py", "from-root"]\n',
      '.actor/Dockerfile': 'CMD ["python3", "main.py", "from-dot-actor"]\n',
      '.actor/custom.Dockerfile': 'CMD ["python3", "main.py", "from-named-file"]\n',
      '.actor/actor.json': actorJson({ dockerfile: './custom.Dockerfile' }),
    });
    assert.deepEqual(item.argv, ['from-named-file']);
  });

  test('package.json runs npm start', async () => {
    const item = await runFiles({
      'package.json': JSON.stringify({
        name: 'npm-variant',
        version: '1.0.0',
        type: 'module',
        scripts: { start: 'node main.js npm-arg' },
      }),
      'main.js': REPORTING_JS,
    });
    assert.equal(item.ran, 'npm start');
    assert.deepEqual(item.argv, ['npm-arg']);
  });

  test('src/__main__.py runs python3 -m src', async () => {
    const item = await runFiles({
      'src/__init__.py': '',
      'src/__main__.py': reportingPython('module'),
    });
    assert.equal(item.ran, 'module');
  });

  test('Dockerfile without CMD falls back', async () => {
    const item = await runFiles({
      Dockerfile: 'FROM python:3\nCOPY . ./\n',
      'src/__init__.py': '',
      'src/__main__.py': reportingPython('fallback module'),
    });
    assert.equal(item.ran, 'fallback module');
  });

  test('no command fails the build', async () => {
    const { build } = await buildFiles({ 'main.py': reportingPython('never'), 'README.md': 'No command here.\n' });
    assert.equal(build.status, 'FAILED', JSON.stringify(build));
    assert.equal(build.buildNumber, '0.1.1');
    for (const target of [`/v2/actor-builds/${build.id}/log`, `/v2/logs/${build.id}`]) {
      const log = expectStatus(await server.api('GET', target), 200);
      assert.match(log.header('content-type') ?? '', /^text\/plain/);
      assert.match(log.text, /Dockerfile|CMD|package\.json|__main__/, `the build log does not say why: ${log.text}`);
    }
  });

  test('task on a failed build cannot run', async () => {
    const { actor, build } = await buildFiles({ 'main.py': reportingPython('never') });
    assert.equal(build.status, 'FAILED');
    const task = await server.createTask(actor.id);
    expectClientError(await server.runSync(task.id, { body: {} }));
  });
});

describe('input schema', () => {
  const DOCKERFILE = 'CMD ["python3", "main.py"]\n';
  const schema = (value) =>
    JSON.stringify({
      title: 'Schema',
      type: 'object',
      schemaVersion: 1,
      properties: { source: { title: 'Source', type: 'string', description: 'Where the default came from.', default: value } },
    });

  test('.actor/input_schema.json defaults', async () => {
    const item = await runFiles({
      'main.py': reportingPython('schema'),
      Dockerfile: DOCKERFILE,
      '.actor/input_schema.json': schema('dot-actor'),
      'INPUT_SCHEMA.json': schema('root'),
    });
    assert.deepEqual(item.input, { source: 'dot-actor' });
  });

  test('actor.json input names the schema', async () => {
    const item = await runFiles({
      'main.py': reportingPython('schema'),
      Dockerfile: DOCKERFILE,
      '.actor/actor.json': actorJson({ input: './custom_schema.json' }),
      '.actor/custom_schema.json': schema('named'),
      '.actor/input_schema.json': schema('dot-actor'),
      'INPUT_SCHEMA.json': schema('root'),
    });
    assert.deepEqual(item.input, { source: 'named' });
  });

  test('INPUT_SCHEMA.json defaults', async () => {
    const item = await runFiles({
      'main.py': reportingPython('schema'),
      Dockerfile: DOCKERFILE,
      'INPUT_SCHEMA.json': schema('root'),
    });
    assert.deepEqual(item.input, { source: 'root' });
  });

  test('task input beats the default', async () => {
    const item = await runFiles(
      {
        'main.py': reportingPython('schema'),
        Dockerfile: DOCKERFILE,
        '.actor/input_schema.json': schema('dot-actor'),
      },
      { input: { source: 'task' } },
    );
    assert.deepEqual(item.input, { source: 'task' });
  });
});

describe('build selection', () => {
  test('builds are immutable and selectable', async () => {
    const dockerfile = 'CMD ["python3", "main.py"]\n';
    const actor = await server.createActor(
      uniqueName('versions'),
      textSourceFiles({ 'main.py': reportingPython('first source'), Dockerfile: dockerfile }),
    );
    const first = await server.buildActor(actor.id);
    assert.equal(first.status, 'SUCCEEDED');

    const versions = [
      {
        versionNumber: '0.1',
        sourceType: 'SOURCE_FILES',
        buildTag: 'latest',
        sourceFiles: textSourceFiles({ 'main.py': reportingPython('second source'), Dockerfile: dockerfile }),
      },
    ];
    expectStatus(await server.api('PUT', `/v2/acts/${actor.id}`, { body: { versions } }), 200);
    const second = await server.buildActor(actor.id);
    assert.equal(second.status, 'SUCCEEDED');
    assert.equal(second.buildNumber, '0.1.2');

    const latestTask = await server.createTask(actor.id);
    const latest = await server.runSyncItems(latestTask.id, { body: {} });
    assert.equal(latest[0].ran, 'second source');
    assert.equal(latest[0].buildNumber, '0.1.2');

    const byQuery = await server.runSyncItems(latestTask.id, { body: {}, query: { build: '0.1.1' } });
    assert.equal(byQuery[0].ran, 'first source', 'build=0.1.1 must run the first build');
    assert.equal(byQuery[0].buildNumber, '0.1.1');
    const run = await server.lastRun(latestTask.id);
    assert.equal(run.buildId, first.id);
    assert.equal(run.buildNumber, '0.1.1');

    const byTag = await server.runSyncItems(latestTask.id, { body: {}, query: { build: 'latest' } });
    assert.equal(byTag[0].ran, 'second source');

    const pinnedTask = await server.createTask(actor.id, { options: { build: '0.1.1' } });
    const pinned = await server.runSyncItems(pinnedTask.id, { body: {} });
    assert.equal(pinned[0].ran, 'first source', 'a task with options.build 0.1.1 must run the first build');
  });

  test('unknown build number is 4xx', async () => {
    const actor = await server.createActor(
      uniqueName('unknown-build'),
      textSourceFiles({ 'main.py': reportingPython('x'), Dockerfile: 'CMD ["python3", "main.py"]\n' }),
    );
    await server.buildActor(actor.id);
    const task = await server.createTask(actor.id);
    expectClientError(await server.runSync(task.id, { body: {}, query: { build: '9.9.9' } }));
    assert.equal(await server.lastRun(task.id), null, 'an unknown build started a run');
  });
});

describe('deleting builds', () => {
  test('DELETE of a build', async () => {
    const files = textSourceFiles({ 'src/__main__.py': 'print("hi")\n' });
    const actor = await server.createActor(uniqueName('deleted'), files);
    const first = await server.buildActor(actor.id);
    const second = await server.buildActor(actor.id);
    assert.equal(second.status, 'SUCCEEDED');
    const dir = path.join(server.dataDir, 'builds', first.id);
    await fs.access(dir);

    let res = await server.api('DELETE', `/v2/actor-builds/${second.id}`);
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, /Build 0\.1\.2 has the tag 'latest'; tag another build first\./);
    expectStatus(await server.api('DELETE', `/v2/actor-builds/${first.id}`), 204);
    await assert.rejects(fs.access(dir));
    expectError(await server.api('GET', `/v2/actor-builds/${first.id}`), 404, 'record-not-found');
    expectError(await server.api('DELETE', `/v2/actor-builds/${first.id}`), 404, 'record-not-found');
    const token = await server.addUser(uniqueName('other'));
    expectError(await server.api('DELETE', `/v2/actor-builds/${second.id}`, { token }), 403, 'permission-denied');

    // Deleting the actor removes the files of its builds.
    const latestDir = path.join(server.dataDir, 'builds', second.id);
    await fs.access(latestDir);
    expectStatus(await server.api('DELETE', `/v2/acts/${actor.id}`), 204);
    await assert.rejects(fs.access(latestDir));
  });
});
