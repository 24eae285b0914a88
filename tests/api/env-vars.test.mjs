// The environment variables of actor versions: the env-vars routes and
// the check that every way of saving a version applies. Secret values are
// left out of every response. A build takes a snapshot of the variables,
// its runs get them, and with applyEnvVarsToBuild so does its npm step.
// No test needs the npm registry, because the npm step installs nothing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { expectError, expectStatus, textSourceFiles, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

const DOCKERFILE = 'FROM python:3\nCMD ["python3", "main.py"]\n';

// Pushes one item: every entry of the process environment as [name,
// value] (duplicates would show), and what the npm install script saw.
const MAIN_PY = `import json, os, urllib.request

raw = open("/proc/self/environ", "rb").read().decode("utf-8")
pairs = [entry.split("=", 1) for entry in raw.split("\\0") if entry]
install = None
if os.path.exists("install-env.json"):
    install = json.load(open("install-env.json"))
body = json.dumps({"pairs": pairs, "install": install}).encode("utf-8")
url = os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2/datasets/" + os.environ["ACTOR_DEFAULT_DATASET_ID"] + "/items"
request = urllib.request.Request(url, data=body, method="POST")
request.add_header("Authorization", "Bearer " + os.environ["APIFY_TOKEN"])
request.add_header("Content-Type", "application/json")
urllib.request.urlopen(request, timeout=60).read()
`;

// package.json whose install script records the environment npm gave it.
const PACKAGE_JSON = JSON.stringify({
  name: 'env-vars-actor',
  version: '1.0.0',
  scripts: {
    install: 'node -e "require(\'fs\').writeFileSync(\'install-env.json\', JSON.stringify(process.env))"',
  },
});

function version(number, { envVars, withPackage = false, ...rest } = {}) {
  const files = { 'main.py': MAIN_PY, Dockerfile: DOCKERFILE };
  if (withPackage) files['package.json'] = PACKAGE_JSON;
  const v = { versionNumber: number, sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles: textSourceFiles(files), ...rest };
  if (envVars !== undefined) v.envVars = envVars;
  return v;
}

async function createActor(versions) {
  const body = { name: uniqueName('env-vars'), versions };
  return expectStatus(await server.api('POST', '/v2/acts', { body }), 201).data;
}

/** Builds the actor's version 0.1 and asserts that it succeeded. */
async function build(actorId) {
  const b = await server.buildActor(actorId);
  assert.equal(b.status, 'SUCCEEDED', JSON.stringify(b));
  return b;
}

/** Runs a build of the actor; returns its item: { env: {name: [values]}, install }. */
async function runEnv(actorId, buildNumber = 'latest') {
  const res = await server.api('POST', `/v2/acts/${actorId}/run-sync-get-dataset-items?build=${buildNumber}`, { body: {} });
  const [item] = expectStatus(res, 201).json;
  const env = {};
  for (const [name, value] of item.pairs) (env[name] ??= []).push(value);
  return { env, install: item.install };
}

/** Asserts that no value of a secret appears anywhere in the response. */
function assertHidden(res, secretValue) {
  assert.ok(!res.text.includes(secretValue), `${res.describe()} shows the secret: ${res.text}`);
}

test('env-vars routes list, create, read, update and delete', async () => {
  const actor = await createActor([version('0.1', { envVars: [{ name: 'FIRST', value: 'one' }] })]);
  const base = `/v2/acts/${actor.id}/versions/0.1/env-vars`;

  assert.deepEqual(expectStatus(await server.api('GET', base), 200).data, {
    total: 1,
    items: [{ name: 'FIRST', value: 'one', isSecret: false }],
  });
  const created = await server.api('POST', base, { body: { name: 'SECOND', value: 'two' } });
  assert.deepEqual(expectStatus(created, 201).data, { name: 'SECOND', value: 'two', isSecret: false });
  assert.deepEqual(expectStatus(await server.api('GET', `${base}/SECOND`), 200).data, {
    name: 'SECOND',
    value: 'two',
    isSecret: false,
  });

  // A PUT replaces the fields it has; the name may be left out.
  const updated = await server.api('PUT', `${base}/FIRST`, { body: { value: 'uno' } });
  assert.deepEqual(expectStatus(updated, 200).data, { name: 'FIRST', value: 'uno', isSecret: false });
  expectStatus(await server.api('DELETE', `${base}/SECOND`), 204);
  expectError(await server.api('GET', `${base}/SECOND`), 404, 'record-not-found');

  const stored = expectStatus(await server.api('GET', `/v2/acts/${actor.id}/versions/0.1`), 200).data;
  assert.deepEqual(stored.envVars, [{ name: 'FIRST', value: 'uno', isSecret: false }]);
  assert.equal(stored.buildTag, 'latest', 'the other fields of the version stay');
});

test('secret values are never returned', async () => {
  const secret = 'hunter2-secret-value';
  const actor = await createActor([
    version('0.1', { envVars: [{ name: 'PLAIN', value: 'visible' }, { name: 'TOKEN', value: secret, isSecret: true }] }),
  ]);
  const base = `/v2/acts/${actor.id}`;
  const hidden = { name: 'TOKEN', isSecret: true };

  assert.deepEqual(actor.versions[0].envVars, [{ name: 'PLAIN', value: 'visible', isSecret: false }, hidden]);
  for (const target of [base, '/v2/acts', `${base}/versions`, `${base}/versions/0.1`, `${base}/versions/0.1/env-vars`]) {
    const res = expectStatus(await server.api('GET', target), 200);
    assertHidden(res, secret);
    assert.match(res.text, /visible/, `${target} shows the plain value`);
  }
  const secretVar = expectStatus(await server.api('GET', `${base}/versions/0.1/env-vars/TOKEN`), 200);
  assert.deepEqual(secretVar.data, hidden);

  const created = await server.api('POST', `${base}/versions/0.1/env-vars`, {
    body: { name: 'OTHER', value: 'other-secret-value', isSecret: true },
  });
  assert.deepEqual(expectStatus(created, 201).data, { name: 'OTHER', isSecret: true });
  const madeSecret = await server.api('PUT', `${base}/versions/0.1/env-vars/PLAIN`, { body: { isSecret: true } });
  assert.deepEqual(expectStatus(madeSecret, 200).data, { name: 'PLAIN', isSecret: true });
  const versionPut = await server.api('PUT', `${base}/versions/0.1`, { body: { buildTag: 'beta' } });
  assertHidden(expectStatus(versionPut, 200), secret);
  const actorPut = await server.api('PUT', base, { body: { title: 'Env vars' } });
  assertHidden(expectStatus(actorPut, 200), secret);
  assertHidden(expectStatus(actorPut, 200), 'visible');
});

test('a secret sent back without its value keeps it', async () => {
  const actor = await createActor([
    version('0.1', { envVars: [{ name: 'KEPT', value: 'kept-secret', isSecret: true }] }),
  ]);
  const base = `/v2/acts/${actor.id}/versions/0.1`;

  // A client that reads the version and writes it back, as an editor does.
  const read = expectStatus(await server.api('GET', base), 200).data;
  expectStatus(await server.api('PUT', base, { body: read }), 200);
  const whole = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data;
  expectStatus(await server.api('PUT', `/v2/acts/${actor.id}`, { body: { versions: whole.versions } }), 200);
  expectStatus(await server.api('PUT', `${base}/env-vars/KEPT`, { body: { isSecret: true } }), 200);

  await build(actor.id);
  const { env } = await runEnv(actor.id);
  assert.deepEqual(env.KEPT, ['kept-secret']);
});

test('bad environment variables get 400 naming the value', async () => {
  const actor = await createActor([version('0.1', { envVars: [{ name: 'TAKEN', value: 'x', isSecret: true }] })]);
  const base = `/v2/acts/${actor.id}/versions/0.1/env-vars`;
  const cases = [
    [{ name: '1ST', value: 'x' }, /'1ST' is not valid/],
    [{ name: 'WITH-DASH', value: 'x' }, /'WITH-DASH' is not valid/],
    [{ name: '', value: 'x' }, /'' is not valid/],
    [{ name: 'N'.repeat(129), value: 'x' }, /is not valid.*128/],
    [{ name: 'APIFY_TOKEN', value: 'x' }, /'APIFY_TOKEN' is reserved/],
    [{ name: 'ACTOR_RUN_ID', value: 'x' }, /'ACTOR_RUN_ID' is reserved/],
    [{ name: 'apify_token', value: 'x' }, /'apify_token' is reserved/],
    [{ name: 'NO_VALUE' }, /'NO_VALUE'.*'value' is required/],
    [{ name: 'NUMBER', value: 5 }, /'NUMBER': field 'value' must be a string, got number\.$/],
    [{ name: 'NUL', value: 'a\u0000b' }, /'NUL': the value must not contain U\+0000\.$/],
    [{ name: 'HUGE', value: 'x'.repeat(65537) }, /'HUGE': the value must be at most 65536 bytes, got 65537\.$/],
    [{ name: 'FLAG', value: 'x', isSecret: 'yes' }, /'FLAG'.*'isSecret' must be true or false/],
    [{ name: 'NEW_SECRET', isSecret: true }, /'NEW_SECRET'.*'value' is required/],
    [{ value: 'x' }, /'name' is required/],
    [{ name: 'TAKEN', value: 'y' }, /'TAKEN' already exists in version 0\.1/],
  ];
  for (const [body, message] of cases) {
    const error = expectError(await server.api('POST', base, { body }), 400, 'invalid-input');
    assert.match(error.message, message, JSON.stringify(body).slice(0, 80));
  }

  let error = expectError(
    await server.api('PUT', `${base}/TAKEN`, { body: { name: 'RENAMED' } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'TAKEN'/);
  error = expectError(await server.api('PUT', `${base}/TAKEN`, { body: { isSecret: false } }), 400, 'invalid-input');
  assert.match(error.message, /'TAKEN' is a secret/);
  expectError(await server.api('PUT', `${base}/MISSING`, { body: { value: 'x' } }), 404, 'record-not-found');
  expectError(await server.api('DELETE', `${base}/MISSING`), 404, 'record-not-found');
  expectError(await server.api('GET', `/v2/acts/${actor.id}/versions/9.9/env-vars`), 404, 'record-not-found');
  expectError(
    await server.api('POST', `/v2/acts/${actor.id}/versions/9.9/env-vars`, { body: { name: 'A', value: 'b' } }),
    404,
    'record-not-found',
  );

  // Nothing of the refused requests was stored.
  const list = expectStatus(await server.api('GET', base), 200).data;
  assert.deepEqual(list, { total: 1, items: [{ name: 'TAKEN', isSecret: true }] });
});

test('versions are checked the same way on every route', async () => {
  const twice = [{ name: 'SAME', value: '1' }, { name: 'SAME', value: '2' }];
  let error = expectError(
    await server.api('POST', '/v2/acts', { body: { name: uniqueName('env-vars'), versions: [version('0.1', { envVars: twice })] } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'SAME' twice/);

  const actor = await createActor([version('0.1')]);
  const reserved = [{ name: 'ACTOR_ID', value: 'x' }];
  error = expectError(
    await server.api('PUT', `/v2/acts/${actor.id}`, { body: { versions: [version('0.1', { envVars: reserved })] } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'ACTOR_ID' is reserved/);
  error = expectError(
    await server.api('POST', `/v2/acts/${actor.id}/versions`, { body: version('0.2', { envVars: 'A=1' }) }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'envVars' must be an array/);
  error = expectError(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { envVars: [{ name: 'X', value: 1 }] } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'X'.*a string/);
  error = expectError(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { applyEnvVarsToBuild: 'yes' } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'applyEnvVarsToBuild' must be true or false/);
  const many = Array.from({ length: 1001 }, (_, i) => ({ name: `V${i}`, value: '' }));
  error = expectError(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { envVars: many } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /1001 environment variables; at most 1000/);
  const big = Array.from({ length: 5 }, (_, i) => ({ name: `BIG${i}`, value: 'x'.repeat(60000) }));
  error = expectError(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { envVars: big } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /at most 262144/);

  // null means no variables; isSecret null means false.
  const saved = await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, {
    body: { envVars: [{ name: 'N', value: 'v', isSecret: null }] },
  });
  assert.deepEqual(expectStatus(saved, 200).data.envVars, [{ name: 'N', value: 'v', isSecret: false }]);
  const cleared = await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { envVars: null } });
  assert.deepEqual(expectStatus(cleared, 200).data.envVars, []);
});

test('runs get the variables of their build, not the current ones', async () => {
  const envVars = [
    { name: 'GREETING', value: 'first build' },
    { name: 'SECRET_KEY', value: 's3cr3t', isSecret: true },
    { name: 'HOME', value: '/tmp/custom-home' },
  ];
  const actor = await createActor([version('0.1', { envVars })]);
  const first = await build(actor.id);
  expectStatus(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1/env-vars/GREETING`, { body: { value: 'second build' } }),
    200,
  );

  let { env, install } = await runEnv(actor.id);
  assert.deepEqual(env.GREETING, ['first build'], 'a change needs a new build');
  assert.deepEqual(env.SECRET_KEY, ['s3cr3t']);
  assert.deepEqual(env.HOME, ['/tmp/custom-home'], 'a custom variable replaces an inherited one');
  assert.deepEqual(env.ACTOR_BUILD_ID, [first.id]);
  assert.equal(install, null, 'the version has no package.json');

  const second = await build(actor.id);
  ({ env } = await runEnv(actor.id));
  assert.deepEqual(env.GREETING, ['second build']);
  assert.deepEqual(env.ACTOR_BUILD_ID, [second.id]);
  ({ env } = await runEnv(actor.id, first.buildNumber));
  assert.deepEqual(env.GREETING, ['first build'], 'the first build keeps its snapshot');

  const log = expectStatus(await server.api('GET', `/v2/actor-builds/${second.id}/log`), 200).text;
  assert.match(log, /get 3 environment variables of the version: GREETING, SECRET_KEY, HOME\./);
  assert.ok(!log.includes('s3cr3t'), 'the build log names variables, never their values');
});

test('applyEnvVarsToBuild gives npm the variables', async () => {
  const envVars = [
    { name: 'BUILD_SETTING', value: 'for npm' },
    { name: 'BUILD_SECRET', value: 'npm-secret', isSecret: true },
  ];
  const actor = await createActor([version('0.1', { envVars, withPackage: true })]);
  await build(actor.id);
  let { install } = await runEnv(actor.id);
  assert.ok(install, 'the install script ran');
  assert.equal(install.BUILD_SETTING, undefined, 'npm gets nothing without applyEnvVarsToBuild');

  expectStatus(
    await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { applyEnvVarsToBuild: true } }),
    200,
  );
  const b = await build(actor.id);
  ({ install } = await runEnv(actor.id));
  assert.equal(install.BUILD_SETTING, 'for npm');
  assert.equal(install.BUILD_SECRET, 'npm-secret');
  assert.equal(install.APIFY_TOKEN, undefined);
  assert.equal(install.ACTORD_TOKEN, undefined);
  const log = expectStatus(await server.api('GET', `/v2/actor-builds/${b.id}/log`), 200).text;
  assert.match(log, /and so does npm \(applyEnvVarsToBuild\)/);
});

test('actord variables win over stored data that breaks the rules', async () => {
  const actor = await createActor([version('0.1', { envVars: [{ name: 'GOOD', value: 'yes' }] })]);
  // Versions stored before the API checked their variables can hold any
  // name; write such a version into the store as an older actord would.
  const bad = [
    { name: 'GOOD', value: 'yes' },
    { name: 'APIFY_TOKEN', value: 'forged-token' },
    { name: 'ACTOR_RUN_ID', value: 'forged-run' },
    { name: 'GOOD', value: 'second' },
    { name: '1BAD', value: 'x' },
  ];
  const db = path.join(server.dataDir, 'actord.sqlite3');
  const sql = "UPDATE actors SET doc = json_set(doc, '$.versions[0].envVars', json(?)) WHERE id = ?";
  const written = spawnSync(
    'python3',
    [
      '-c',
      'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2], (sys.argv[3], sys.argv[4])); c.commit()',
      db,
      sql,
      JSON.stringify(bad),
      actor.id,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(written.status, 0, written.stderr);

  await build(actor.id);
  const { env } = await runEnv(actor.id);
  assert.deepEqual(env.GOOD, ['yes']);
  assert.deepEqual(env.APIFY_TOKEN, [server.token]);
  assert.equal(env.ACTOR_RUN_ID.length, 1);
  assert.notEqual(env.ACTOR_RUN_ID[0], 'forged-run');
  assert.equal(env['1BAD'], undefined);
});
