// An actor's versions one at a time (/v2/acts/:id/versions[/:number]), the
// taggedBuilds of an actor and public user objects (/v2/users/:id): the
// routes the Apify CLI's push and datasets info use.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectError, expectStatus, textSourceFiles, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

const DOCKERFILE = 'FROM python:3\nCMD ["python3", "main.py"]\n';

function version(number, main = 'print("hello")\n') {
  return {
    versionNumber: number,
    sourceType: 'SOURCE_FILES',
    buildTag: 'latest',
    sourceFiles: textSourceFiles({ 'main.py': main, Dockerfile: DOCKERFILE }),
  };
}

async function createActor(versions = []) {
  const body = { name: uniqueName('versions'), versions };
  return expectStatus(await server.api('POST', '/v2/actors', { body }), 201).data;
}

test('versions are listed, created, read, updated and deleted', async () => {
  const actor = await createActor([version('0.1')]);
  const base = `/v2/actors/${actor.id}/versions`;

  let list = expectStatus(await server.api('GET', base), 200).data;
  assert.equal(list.total, 1);
  assert.deepEqual(list.items, [version('0.1')]);

  const created = expectStatus(await server.api('POST', base, { body: version('0.2') }), 201).data;
  assert.deepEqual(created, version('0.2'));
  assert.deepEqual(expectStatus(await server.api('GET', `${base}/0.2`), 200).data, version('0.2'));

  // A PUT replaces the fields it has and keeps the others.
  const files = textSourceFiles({ 'main.py': 'print("two")\n', Dockerfile: DOCKERFILE });
  const updated = expectStatus(await server.api('PUT', `${base}/0.2`, { body: { sourceFiles: files } }), 200).data;
  assert.deepEqual(updated, { ...version('0.2'), sourceFiles: files });
  const stored = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data;
  assert.deepEqual(stored.versions, [version('0.1'), updated]);

  expectStatus(await server.api('DELETE', `${base}/0.1`), 204);
  list = expectStatus(await server.api('GET', base), 200).data;
  assert.deepEqual(list, { total: 1, items: [updated] });
  expectError(await server.api('GET', `${base}/0.1`), 404, 'record-not-found');
});

test('a build uses the version that PUT stored', async () => {
  const actor = await createActor([version('0.1')]);
  const files = textSourceFiles({ 'main.py': 'print("from put")\n', Dockerfile: DOCKERFILE });
  expectStatus(await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: { sourceFiles: files } }), 200);
  const build = await server.buildActor(actor.id);
  assert.equal(build.status, 'SUCCEEDED');
  const tagged = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data.taggedBuilds;
  assert.deepEqual(Object.keys(tagged), ['latest']);
  assert.equal(tagged.latest.buildId, build.id);
  assert.equal(tagged.latest.buildNumber, build.buildNumber);
  assert.equal(tagged.latest.finishedAt, build.finishedAt);

  const run = expectStatus(await server.api('POST', `/v2/acts/${actor.id}/runs?waitForFinish=60`), 201).data;
  assert.equal((await server.waitForRun(run.id)).status, 'SUCCEEDED');
  const log = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log`), 200).body.toString();
  assert.match(log, /from put/);
});

test('an actor without builds has no tagged builds', async () => {
  const actor = await createActor();
  assert.deepEqual(expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data.taggedBuilds, {});
});

test('bad version requests get 400 or 404 naming the value', async () => {
  const actor = await createActor([version('0.1')]);
  const base = `/v2/acts/${actor.id}/versions`;

  let error = expectError(await server.api('POST', base, { body: version('0.1') }), 400, 'invalid-input');
  assert.match(error.message, /'0\.1' already exists/);
  error = expectError(await server.api('POST', base, { body: { buildTag: 'x' } }), 400, 'invalid-input');
  assert.match(error.message, /versionNumber/);
  error = expectError(await server.api('POST', base, { body: version('one') }), 400, 'invalid-input');
  assert.match(error.message, /MAJOR\.MINOR/);
  error = expectError(
    await server.api('PUT', `${base}/0.1`, { body: { sourceType: 'GIT_REPO' } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /GIT_REPO/);
  error = expectError(
    await server.api('PUT', `${base}/0.1`, { body: { versionNumber: '0.2' } }),
    400,
    'invalid-input',
  );
  assert.match(error.message, /'0\.1'/);
  expectError(await server.api('PUT', `${base}/9.9`, { body: {} }), 404, 'record-not-found');
  expectError(await server.api('DELETE', `${base}/9.9`), 404, 'record-not-found');
  const notObject = { body: '[]', headers: { 'content-type': 'application/json' } };
  expectError(await server.api('POST', base, notObject), 400, 'invalid-input');

  // Nothing of the refused requests was stored.
  const list = expectStatus(await server.api('GET', base), 200).data;
  assert.deepEqual(list.items, [version('0.1')]);
});

test('another user cannot read or change the versions', async () => {
  const actor = await createActor([version('0.1')]);
  const token = await server.addUser(uniqueName('other'));
  const res = await server.api('GET', `/v2/acts/${actor.id}/versions`, { token });
  assert.ok(res.status === 403 || res.status === 404, res.describe());
  const put = await server.api('PUT', `/v2/acts/${actor.id}/versions/0.1`, { body: {}, token });
  assert.ok(put.status === 403 || put.status === 404, put.describe());
});

test('/v2/users/:id gives the public part of a user by ID or name', async () => {
  const me = await server.me();
  const byId = expectStatus(await server.api('GET', `/v2/users/${me.id}`), 200).data;
  assert.deepEqual(byId, { id: me.id, username: 'admin', profile: {} });
  assert.deepEqual(expectStatus(await server.api('GET', '/v2/users/admin'), 200).data, byId);
  const error = expectError(await server.api('GET', '/v2/users/nobody-here'), 404, 'record-not-found');
  assert.match(error.message, /nobody-here/);
});
