// Versions with sourceType TARBALL: the source is a zip or tar archive at
// tarballUrl. The Apify CLI's push stores a zip in a key-value store and
// gives the record's URL. actord reads such a URL from its own store.
// Other URLs are downloaded, here from a server the test runs on
// loopback. A single top folder, as in GitHub's archives, is left out.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { expectError, expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();
const run = promisify(execFile);

// The actor reads a data file and checks that its tool kept the
// executable bit, so the item shows that the archive was unpacked whole.
const MAIN_PY = `import json, os, urllib.request

base = os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2"
with open("data/message.txt") as f:
    message = f.read().strip()
item = {"message": message, "toolIsExecutable": os.access("bin/tool.sh", os.X_OK),
        "linkKept": os.path.lexists("link")}
request = urllib.request.Request(base + "/datasets/" + os.environ["ACTOR_DEFAULT_DATASET_ID"] + "/items",
    data=json.dumps(item).encode(), method="POST",
    headers={"Authorization": "Bearer " + os.environ["APIFY_TOKEN"], "Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=60).read()
`;

let workDir;
let archiveServer;
let archiveUrl;
const served = new Map();

before(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-tarball-'));
  archiveServer = http.createServer((req, res) => {
    const body = served.get(req.url);
    if (req.url === '/slow.zip') {
      // 100 bytes a second of a body that never completes in time.
      res.writeHead(200, { 'content-length': '1000000' });
      const timer = setInterval(() => res.write(Buffer.alloc(100)), 1000);
      req.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/repo.tar.gz' }).end();
    } else if (body) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } else {
      res.writeHead(404).end('not here');
    }
  });
  await new Promise((resolve) => archiveServer.listen(0, '127.0.0.1', resolve));
  archiveUrl = `http://127.0.0.1:${archiveServer.address().port}`;
});

after(async () => {
  archiveServer?.close();
  await fs.rm(workDir, { recursive: true, force: true });
});

/** Writes the actor's files under dir (below top when given). */
async function writeActor(dir, message) {
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.mkdir(path.join(dir, 'data'), { recursive: true });
  await fs.mkdir(path.join(dir, 'bin'), { recursive: true });
  await fs.writeFile(path.join(dir, 'src', '__main__.py'), MAIN_PY);
  await fs.writeFile(path.join(dir, 'data', 'message.txt'), `${message}\n`);
  await fs.writeFile(path.join(dir, 'bin', 'tool.sh'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await fs.symlink('/etc/passwd', path.join(dir, 'link'));
}

/** Zips the actor's files at the archive's top, as `apify push` does. */
async function zipActor(message) {
  const dir = await fs.mkdtemp(path.join(workDir, 'zip-'));
  await writeActor(dir, message);
  const file = path.join(workDir, `${path.basename(dir)}.zip`);
  await run('zip', ['-q', '-r', '-y', file, '.'], { cwd: dir });
  return fs.readFile(file);
}

/** Packs a tar.gz with every file inside one top folder, as GitHub does, and a hard link. */
async function tarActorInFolder(message) {
  const dir = await fs.mkdtemp(path.join(workDir, 'tar-'));
  await writeActor(path.join(dir, 'repo-main'), message);
  // tar stores the second name of a file as a hard link entry.
  await fs.link(path.join(dir, 'repo-main', 'data', 'message.txt'), path.join(dir, 'repo-main', 'data', 'copy.txt'));
  const file = path.join(workDir, `${path.basename(dir)}.tar.gz`);
  await run('tar', ['-czf', file, '-C', dir, 'repo-main']);
  return fs.readFile(file);
}

/** Python's zipfile writes the entry names given, "../" included. */
async function zipWithEntry(name) {
  const file = path.join(workDir, `${uniqueName('bad')}.zip`);
  await run('python3', ['-c', `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("src/__main__.py", "print(1)")
    z.writestr(sys.argv[2], "x")`, file, name]);
  return fs.readFile(file);
}

async function createStore() {
  return expectStatus(await server.api('POST', `/v2/key-value-stores?name=${uniqueName('src')}`), 201).data;
}

async function putRecord(storeId, key, body, headers = {}) {
  const res = await server.api('PUT', `/v2/key-value-stores/${storeId}/records/${key}`, {
    body, headers: { 'content-type': 'application/zip', ...headers },
  });
  expectStatus(res, 201);
}

/** Creates an actor with a TARBALL version and builds it. */
async function buildTarball(tarballUrl, { token } = {}) {
  const body = {
    name: uniqueName('tarball'),
    versions: [{ versionNumber: '0.1', sourceType: 'TARBALL', tarballUrl, buildTag: 'latest' }],
  };
  const actor = expectStatus(await server.api('POST', '/v2/acts', { body, token }), 201).data;
  const build = await server.buildActor(actor.id, { token });
  const log = (await server.api('GET', `/v2/logs/${build.id}`, { token })).text;
  return { actor, build, log };
}

async function runActor(actor) {
  const task = await server.createTask(actor.id);
  return server.runSyncItems(task.id);
}

describe('TARBALL sources', () => {
  test('a zip in a key-value store, as apify push stores it', async () => {
    const store = await createStore();
    await putRecord(store.id, 'version-0.1.zip', await zipActor('from the store'));
    const url = `${server.url}/v2/key-value-stores/${store.id}/records/version-0.1.zip?disableRedirect=true`;
    const { actor, build, log } = await buildTarball(url);
    assert.equal(build.status, 'SUCCEEDED', log);
    assert.match(log, /Unpacked 3 files from \d+ bytes \(links and other special entries were skipped\)\./);
    assert.deepEqual(await runActor(actor), [{ message: 'from the store', toolIsExecutable: true, linkKept: false }]);
  });

  test('a record stored gzip-encoded is decoded first', async () => {
    const store = await createStore();
    await putRecord(store.id, 'source.zip', zlib.gzipSync(await zipActor('gzipped')), { 'content-encoding': 'gzip' });
    const { actor, build, log } = await buildTarball(`http://localhost:${server.port}/v2/key-value-stores/${store.id}/records/source.zip`);
    assert.equal(build.status, 'SUCCEEDED', log);
    assert.deepEqual(await runActor(actor), [{ message: 'gzipped', toolIsExecutable: true, linkKept: false }]);
  });

  test('a tar.gz downloaded over HTTP, its top folder left out, after a redirect', async () => {
    served.set('/repo.tar.gz', await tarActorInFolder('downloaded'));
    const { actor, build, log } = await buildTarball(`${archiveUrl}/moved`);
    assert.equal(build.status, 'SUCCEEDED', log);
    assert.match(log, /Fetching the source archive http:\/\/127\.0\.0\.1:\d+\/moved\./);
    assert.match(log, /Unpacked 4 files from \d+ bytes \(links and other special entries were skipped\)\./);
    assert.deepEqual(await runActor(actor), [{ message: 'downloaded', toolIsExecutable: true, linkKept: false }]);
  });

  test('a version without a usable tarballUrl is refused when saved', async () => {
    for (const tarballUrl of [undefined, '', 'ftp://127.0.0.1/a.zip', 42, 'http://127.0.0.1/a b.zip']) {
      const body = { name: uniqueName('tarball'), versions: [{ versionNumber: '0.1', sourceType: 'TARBALL', tarballUrl }] };
      const res = await server.api('POST', '/v2/acts', { body });
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, /Version 0\.1: sourceType TARBALL needs tarballUrl, the http or https URL/);
    }
    const body = { name: uniqueName('git'), versions: [{ versionNumber: '0.1', sourceType: 'GIT_REPO', gitRepoUrl: 'x' }] };
    const res = await server.api('POST', '/v2/acts', { body });
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, /sourceType "GIT_REPO" is not supported; actord builds SOURCE_FILES and TARBALL/);
  });

  test('unusable archives fail the build with the reason in its log', async () => {
    const store = await createStore();
    await putRecord(store.id, 'text', 'this is not an archive', { 'content-type': 'text/plain' });
    await putRecord(store.id, 'escape.zip', await zipWithEntry('../outside.txt'));
    await putRecord(store.id, 'absolute.zip', await zipWithEntry('/tmp/absolute.txt'));
    const record = (key) => `${server.url}/v2/key-value-stores/${store.id}/records/${key}`;
    const cases = [
      [record('text'), /The tarballUrl archive is not a zip or tar archive that actord can read\.|cannot be read/],
      [record('escape.zip'), /The archive has an entry with an unsafe path: \.\.\/outside\.txt/],
      [record('absolute.zip'), /The archive has an entry with an unsafe path: \/tmp\/absolute\.txt/],
      [record('missing.zip'), new RegExp(`The key-value store ${store.id} has no record 'missing\\.zip' \\(tarballUrl\\)\\.`)],
      [`${archiveUrl}/nothing.zip`, /Downloading tarballUrl http:\/\/127\.0\.0\.1:\d+\/nothing\.zip gave HTTP status 404, not 200\./],
    ];
    for (const [url, reason] of cases) {
      const { build, log } = await buildTarball(url);
      assert.equal(build.status, 'FAILED', `${url}: ${log}`);
      assert.match(log, reason);
      assert.match(log, /Build failed\.\n$/);
      await assert.rejects(fs.access(path.join(server.dataDir, 'builds', build.id)), 'a failed build keeps no files');
    }
    await assert.rejects(fs.access(path.join(server.dataDir, 'builds', 'outside.txt')));
  });

  test('a store named username~name, or a missing store, on actord itself', async () => {
    const name = uniqueName('src');
    const store = expectStatus(await server.api('POST', `/v2/key-value-stores?name=${name}`), 201).data;
    await putRecord(store.id, 'v.zip', await zipActor('by name'));
    const byName = await buildTarball(`http://127.0.0.1:${server.port}/v2/key-value-stores/admin~${name}/records/v.zip`);
    assert.equal(byName.build.status, 'SUCCEEDED', byName.log);
    const missing = await buildTarball(`http://localhost:${server.port}/v2/key-value-stores/AAAAAAAAAAAAAAAAA/records/v.zip`);
    assert.equal(missing.build.status, 'FAILED');
    assert.match(missing.log, /The key-value store AAAAAAAAAAAAAAAAA of tarballUrl was not found\./);
  });

  test('an abort stops a slow download, and a failed build leaves no files', async () => {
    const body = {
      name: uniqueName('slow'),
      versions: [{ versionNumber: '0.1', sourceType: 'TARBALL', tarballUrl: `${archiveUrl}/slow.zip` }],
    };
    const actor = expectStatus(await server.api('POST', '/v2/acts', { body }), 201).data;
    const build = expectStatus(await server.api('POST', `/v2/acts/${actor.id}/builds?version=0.1`), 201).data;
    for (let i = 0; i < 100 && (await server.api('GET', `/v2/logs/${build.id}`)).text.indexOf('Fetching') < 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    const aborted = expectStatus(await server.api('POST', `/v2/actor-builds/${build.id}/abort`), 200).data;
    assert.equal(aborted.status, 'ABORTED');
    assert.ok(Date.now() - started < 5000, 'the abort does not wait for the download');
    const log = (await server.api('GET', `/v2/logs/${build.id}`)).text;
    assert.match(log, /The download of tarballUrl was stopped because the build was aborted\./);
    await assert.rejects(fs.access(path.join(server.dataDir, 'builds', build.id)), 'an aborted build keeps no files');
  });

  test("another user's store is not read", async () => {
    const store = await createStore();
    await putRecord(store.id, 'version-0.1.zip', await zipActor('private'));
    const token = await server.addUser(uniqueName('other'));
    const url = `${server.url}/v2/key-value-stores/${store.id}/records/version-0.1.zip`;
    const { build, log } = await buildTarball(url, { token });
    assert.equal(build.status, 'FAILED', log);
    assert.match(log, new RegExp(`The key-value store ${store.id} of tarballUrl belongs to another user\\.`));
  });
});
