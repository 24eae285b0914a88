// Actors: create, read by ID or name, update, delete, under /v2/acts and
// /v2/actors, with TEXT and BASE64 source files.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  FIXTURES_DIR,
  expectError,
  expectStatus,
  readSourceFiles,
  textSourceFiles,
  uniqueName,
  useServer,
} from './lib/harness.mjs';

const server = useServer();

const MAIN_PY = 'print("hello")\n';
const DOCKERFILE = 'FROM python:3\nCMD ["python3", "main.py"]\n';

function versionBody(sourceFiles = textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE })) {
  return [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles }];
}

describe('create', () => {
  test('returns 201 with the actor', async () => {
    const name = uniqueName('created');
    const me = await server.me();
    const res = expectStatus(await server.api('POST', '/v2/acts', { body: { name, versions: versionBody() } }), 201);
    const actor = res.data;
    assert.equal(typeof actor.id, 'string');
    assert.ok(actor.id.length > 0);
    assert.equal(actor.name, name);
    assert.equal(actor.username, 'admin');
    assert.equal(actor.userId, me.id);
    assert.ok(Array.isArray(actor.versions), `versions: ${res.describe()}`);
    assert.equal(actor.versions.length, 1);
    assert.equal(actor.versions[0].versionNumber, '0.1');
    assert.equal(actor.versions[0].sourceType, 'SOURCE_FILES');
  });

  test('duplicate name is 409', async () => {
    const name = uniqueName('duplicate');
    await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    const again = await server.api('POST', '/v2/acts', { body: { name, versions: versionBody() } });
    expectError(again, 409, 'actor-name-not-unique');
    const viaActors = await server.api('POST', '/v2/actors', { body: { name, versions: versionBody() } });
    expectError(viaActors, 409, 'actor-name-not-unique');
  });

  test('same name for two users', async () => {
    const name = uniqueName('shared-name');
    const otherToken = await server.addUser(uniqueName('actor-owner'));
    await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    const res = await server.api('POST', '/v2/acts', { token: otherToken, body: { name, versions: versionBody() } });
    expectStatus(res, 201);
  });

  test('invalid bodies are 400', async () => {
    const cases = [
      ['not JSON', '{"name": '],
      ['array', '[]'],
      ['missing name', JSON.stringify({ versions: versionBody() })],
      ['name not a string', JSON.stringify({ name: 42, versions: versionBody() })],
      ['versions not an array', JSON.stringify({ name: uniqueName('bad'), versions: 'x' })],
    ];
    for (const [label, body] of cases) {
      const res = await server.api('POST', '/v2/acts', { body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${label}: ${res.describe()}`);
      assert.equal(typeof res.json?.error?.type, 'string', `${label}: ${res.describe()}`);
      assert.equal(typeof res.json?.error?.message, 'string', `${label}: ${res.describe()}`);
    }
  });

  test('actors prefix creates too', async () => {
    const name = uniqueName('via-actors');
    const res = expectStatus(await server.api('POST', '/v2/actors', { body: { name, versions: versionBody() } }), 201);
    const byActs = expectStatus(await server.api('GET', `/v2/acts/${res.data.id}`), 200);
    assert.equal(byActs.data.name, name);
  });
});

describe('read', () => {
  test('by ID, full name and tilde name', async () => {
    const name = uniqueName('readable');
    const actor = await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    for (const id of [actor.id, `admin~${name}`, `~${name}`]) {
      for (const prefix of ['/v2/acts', '/v2/actors']) {
        const res = expectStatus(await server.api('GET', `${prefix}/${id}`), 200);
        assert.equal(res.data.id, actor.id, res.describe());
        assert.equal(res.data.name, name);
      }
    }
  });

  test('unknown actor is 404', async () => {
    expectError(await server.api('GET', '/v2/acts/NoSuchActorId123'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/acts/admin~no-such-actor'), 404, 'record-not-found');
    expectError(await server.api('GET', '/v2/actors/~no-such-actor'), 404, 'record-not-found');
  });

  test('source files come back', async () => {
    const sourceFiles = await readSourceFiles(path.join(FIXTURES_DIR, 'echo-input'));
    const actor = await server.createActor(uniqueName('with-files'), sourceFiles);
    const res = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200);
    const stored = res.data.versions[0].sourceFiles;
    assert.ok(Array.isArray(stored), `sourceFiles: ${res.describe()}`);
    const byName = Object.fromEntries(stored.map((file) => [file.name, file]));
    for (const file of sourceFiles) {
      assert.ok(byName[file.name], `file ${file.name} missing: ${res.describe()}`);
      assert.equal(byName[file.name].content, file.content, `content of ${file.name}`);
    }
  });
});

describe('update', () => {
  test('PUT merges title and keeps versions', async () => {
    const name = uniqueName('updatable');
    const actor = await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    const put = expectStatus(await server.api('PUT', `/v2/acts/${actor.id}`, { body: { title: 'New title' } }), 200);
    assert.equal(put.data.title, 'New title');
    assert.equal(put.data.name, name);
    const got = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data;
    assert.equal(got.title, 'New title');
    assert.equal(got.name, name);
    assert.equal(got.versions.length, 1);
    assert.equal(got.versions[0].versionNumber, '0.1');
  });

  test('PUT renames the actor', async () => {
    const oldName = uniqueName('old-name');
    const newName = uniqueName('new-name');
    const actor = await server.createActor(oldName, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    expectStatus(await server.api('PUT', `/v2/actors/~${oldName}`, { body: { name: newName } }), 200);
    const byNewName = expectStatus(await server.api('GET', `/v2/acts/admin~${newName}`), 200).data;
    assert.equal(byNewName.id, actor.id);
    expectError(await server.api('GET', `/v2/acts/admin~${oldName}`), 404, 'record-not-found');
  });

  test('PUT adds a buildable version', async () => {
    const actor = await server.createActor(
      uniqueName('new-version'),
      textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }),
    );
    const versions = [
      {
        versionNumber: '0.2',
        sourceType: 'SOURCE_FILES',
        buildTag: 'latest',
        sourceFiles: textSourceFiles({ 'main.py': 'print("two")\n', Dockerfile: DOCKERFILE }),
      },
    ];
    expectStatus(await server.api('PUT', `/v2/acts/${actor.id}`, { body: { versions } }), 200);
    const got = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data;
    const version = got.versions.find((entry) => entry.versionNumber === '0.2');
    assert.ok(version, `version 0.2 missing: ${JSON.stringify(got.versions)}`);
    const mainPy = version.sourceFiles.find((file) => file.name === 'main.py');
    assert.equal(mainPy.content, 'print("two")\n');
    const build = await server.buildActor(actor.id, { version: '0.2' });
    assert.equal(build.status, 'SUCCEEDED', JSON.stringify(build));
    assert.equal(build.buildNumber, '0.2.1');
  });

  test('PUT to a taken name is 409', async () => {
    const takenName = uniqueName('taken');
    await server.createActor(takenName, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    const actor = await server.createActor(
      uniqueName('renamer'),
      textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }),
    );
    const res = await server.api('PUT', `/v2/acts/${actor.id}`, { body: { name: takenName } });
    expectError(res, 409, 'actor-name-not-unique');
  });
});

describe('delete', () => {
  test('DELETE is 204 then 404', async () => {
    const name = uniqueName('deletable');
    const actor = await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    const res = await server.api('DELETE', `/v2/acts/${actor.id}`);
    expectStatus(res, 204);
    assert.equal(res.text, '', 'a 204 has no body');
    expectError(await server.api('GET', `/v2/acts/${actor.id}`), 404, 'record-not-found');
    expectError(await server.api('DELETE', `/v2/acts/${actor.id}`), 404, 'record-not-found');
    // The name is free again.
    await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
  });

  test('DELETE by name under actors', async () => {
    const name = uniqueName('deletable-by-name');
    const actor = await server.createActor(name, textSourceFiles({ 'main.py': MAIN_PY, Dockerfile: DOCKERFILE }));
    expectStatus(await server.api('DELETE', `/v2/actors/admin~${name}`), 204);
    expectError(await server.api('GET', `/v2/actors/${actor.id}`), 404, 'record-not-found');
  });
});

describe('source formats', () => {
  test('BASE64 source files build and run', async () => {
    const sourceFiles = await readSourceFiles(path.join(FIXTURES_DIR, 'echo-input'), { format: 'BASE64' });
    const actor = await server.createActor(uniqueName('base64'), sourceFiles);
    const build = await server.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED', JSON.stringify(build));
    const task = await server.createTask(actor.id, { input: { message: 'from base64' } });
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items.length, 1);
    assert.equal(items[0].input.message, 'from base64');
  });
});
