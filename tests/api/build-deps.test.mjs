// Builds install npm dependencies as an actor's Dockerfile would:
// `npm install --omit=dev`, or `npm ci --omit=dev` with a lock file, in the
// build's own directory, with npm's output in the build log. A failed
// install fails the build and leaves the `latest` tag alone. Run logs
// start every line with a UTC timestamp. No test needs the npm registry:
// dependencies are local folders and tarballs made by `npm pack`.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import { expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();
const run = promisify(execFile);

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

// The actor: pushes one item with the label its dependency exports,
// whether the dev dependency was installed, and the environment its
// install script saw (when it has one).
const MAIN_JS = `import fs from 'node:fs';
import dep from 'dep';

const base = process.env.APIFY_API_BASE_URL.replace(/\\/$/, '') + '/v2';
const item = {
  label: dep.label,
  devInstalled: fs.existsSync('node_modules/devdep'),
  installEnv: fs.existsSync('install-env.json') ? JSON.parse(fs.readFileSync('install-env.json', 'utf8')) : null,
};
console.log('pushing the item');
process.stdout.write('a last line without a newline');
const response = await fetch(base + '/datasets/' + process.env.ACTOR_DEFAULT_DATASET_ID + '/items', {
  method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.APIFY_TOKEN, 'content-type': 'application/json' },
  body: JSON.stringify(item),
});
if (response.status !== 201) process.exit(3);
`;

/** Source files of a local package named `name` whose main module exports { label }. */
function packageFiles(dir, name, label) {
  return {
    [`${dir}/package.json`]: JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
    [`${dir}/index.js`]: `module.exports = { label: ${JSON.stringify(label)} };\n`,
  };
}

/** package.json of the actor, depending on `dep` (at depSpec) and on a dev dependency. */
function actorPackageJson(depSpec, extra = {}) {
  return JSON.stringify({
    name: 'deps-actor',
    version: '1.0.0',
    type: 'module',
    scripts: { start: 'node main.js' },
    dependencies: { dep: depSpec },
    devDependencies: { devdep: 'file:./vendor-devdep' },
    ...extra,
  });
}

/** Actor sources with `dep` in the folder vendor-dep, exporting label. */
function folderActor(label, packageExtra) {
  return {
    'package.json': actorPackageJson('file:./vendor-dep', packageExtra),
    'main.js': MAIN_JS,
    ...packageFiles('vendor-dep', 'dep', label),
    ...packageFiles('vendor-devdep', 'devdep', 'dev'),
  };
}

function sourceFiles(filesByName) {
  return Object.entries(filesByName).map(([name, content]) =>
    Buffer.isBuffer(content)
      ? { name, format: 'BASE64', content: content.toString('base64') }
      : { name, format: 'TEXT', content },
  );
}

async function buildLog(buildId) {
  return expectStatus(await server.api('GET', `/v2/actor-builds/${buildId}/log`), 200).text;
}

/** Replaces the source files of version 0.1 of the actor. */
async function updateSources(actorId, filesByName) {
  const body = {
    versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles: sourceFiles(filesByName) }],
  };
  expectStatus(await server.api('PUT', `/v2/acts/${actorId}`, { body }), 200);
}

/** Runs the actor's build `build` through a task; returns { item, log } of the run. */
async function runBuild(actorId, build = 'latest') {
  const task = await server.createTask(actorId);
  const res = await server.runSync(task.id, { query: { build } });
  const lastRun = await server.lastRun(task.id);
  const log = lastRun ? (await server.api('GET', `/v2/actor-runs/${lastRun.id}/log`)).text : '(no run)';
  assert.equal(res.status, 201, `run-sync: ${res.describe()}\nrun log:\n${log}`);
  assert.equal(res.json.length, 1, res.describe());
  return { item: res.json[0], log };
}

let tempDir;

before(async () => {
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-build-deps-'));
});

after(async () => {
  await fs.rm(tempDir, { recursive: true, force: true });
});

/** Writes the files under a new folder of tempDir; returns its path. */
async function writeTree(name, filesByName) {
  const dir = path.join(tempDir, name);
  for (const [file, content] of Object.entries(filesByName)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), content);
  }
  return dir;
}

/** Packs a package exporting label with `npm pack`; returns the tarball's bytes. */
async function packTarball(name, label) {
  const dir = await writeTree(`pack-${name}-${label}`, packageFiles('.', name, label));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: dir });
  return fs.readFile(path.join(dir, stdout.trim().split('\n').pop()));
}

describe('npm install', () => {
  test('package.json without dependencies', async () => {
    const actor = await server.createActor(
      uniqueName('no-deps'),
      sourceFiles({
        'package.json': JSON.stringify({ name: 'no-deps', version: '1.0.0', scripts: { start: 'node main.js' } }),
        'main.js': 'console.log("hello");\n',
      }),
    );
    const build = await server.buildActor(actor.id);
    const log = await buildLog(build.id);
    assert.equal(build.status, 'SUCCEEDED', log);
    assert.match(log, /Running "npm install --omit=dev --no-audit --no-fund --no-update-notifier" in the build directory/);
    assert.match(log, /Installed the dependencies\./);
  });

  test('local folder dependency, dev one omitted', async () => {
    const actor = await server.createActor(uniqueName('folder-dep'), sourceFiles(folderActor('from folder')));
    const build = await server.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED', await buildLog(build.id));
    const { item } = await runBuild(actor.id);
    assert.equal(item.label, 'from folder');
    assert.equal(item.devInstalled, false);
  });

  test('tarball dependency is extracted', async () => {
    const tarball = await packTarball('dep', 'from tarball');
    const files = folderActor('unused');
    files['package.json'] = actorPackageJson('file:vendor/dep-1.0.0.tgz');
    files['vendor/dep-1.0.0.tgz'] = tarball;
    const actor = await server.createActor(uniqueName('tarball-dep'), sourceFiles(files));
    const build = await server.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED', await buildLog(build.id));
    const { item } = await runBuild(actor.id);
    assert.equal(item.label, 'from tarball');
  });

  test('every build log line has a timestamp', async () => {
    const actor = await server.createActor(uniqueName('log-lines'), sourceFiles(folderActor('x')));
    const build = await server.buildActor(actor.id);
    const log = await buildLog(build.id);
    assert.equal(build.status, 'SUCCEEDED', log);
    const lines = log.split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 3, log);
    for (const line of lines) assert.match(line, TIMESTAMP, `line without a timestamp in:\n${log}`);
  });

  test('install script gets no actord token', async () => {
    const files = folderActor('env', {
      scripts: {
        start: 'node main.js',
        install: 'node -e "require(\'fs\').writeFileSync(\'install-env.json\', JSON.stringify(process.env))"',
      },
    });
    const actor = await server.createActor(uniqueName('install-env'), sourceFiles(files));
    const build = await server.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED', await buildLog(build.id));
    const { item } = await runBuild(actor.id);
    assert.ok(item.installEnv, 'the install script did not run');
    assert.equal(item.installEnv.ACTORD_TOKEN, undefined);
    assert.ok(!Object.values(item.installEnv).includes(server.token), 'a variable of npm holds the token');
    assert.ok(item.installEnv.PATH, 'npm needs PATH');
  });

  test('missing dependency fails the build', async () => {
    const files = folderActor('x');
    files['package.json'] = actorPackageJson('file:vendor/missing-1.0.0.tgz');
    const actor = await server.createActor(uniqueName('missing-dep'), sourceFiles(files));
    const build = await server.buildActor(actor.id);
    const log = await buildLog(build.id);
    assert.equal(build.status, 'FAILED', log);
    assert.match(log, /npm error .*ENOENT.*missing-1\.0\.0\.tgz/, 'npm output is missing from the build log');
    assert.match(log, /npm install failed with exit code [1-9]/);
    assert.match(log, /Build failed\./);
  });
});

describe('npm ci', () => {
  test('lock file installs with npm ci', async () => {
    const files = folderActor('locked');
    const dir = await writeTree('locked', files);
    await run('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
    files['package-lock.json'] = await fs.readFile(path.join(dir, 'package-lock.json'), 'utf8');
    const actor = await server.createActor(uniqueName('npm-ci'), sourceFiles(files));
    const build = await server.buildActor(actor.id);
    const log = await buildLog(build.id);
    assert.equal(build.status, 'SUCCEEDED', log);
    assert.match(log, /Running "npm ci --omit=dev --no-audit/);
    const { item } = await runBuild(actor.id);
    assert.equal(item.label, 'locked');
    assert.equal(item.devInstalled, false);
  });

  test('lock file out of sync fails', async () => {
    const files = folderActor('stale');
    files['package-lock.json'] = JSON.stringify({
      name: 'deps-actor',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'deps-actor', version: '1.0.0' } },
    });
    const actor = await server.createActor(uniqueName('npm-ci-stale'), sourceFiles(files));
    const build = await server.buildActor(actor.id);
    const log = await buildLog(build.id);
    assert.equal(build.status, 'FAILED', log);
    assert.match(log, /npm ci failed with exit code [1-9]/);
  });
});

describe('builds and tags', () => {
  test('builds keep their own node_modules', async () => {
    const actor = await server.createActor(uniqueName('own-modules'), sourceFiles(folderActor('first')));
    const first = await server.buildActor(actor.id);
    assert.equal(first.status, 'SUCCEEDED', await buildLog(first.id));
    await updateSources(actor.id, folderActor('second'));
    const second = await server.buildActor(actor.id);
    assert.equal(second.status, 'SUCCEEDED', await buildLog(second.id));

    assert.equal((await runBuild(actor.id, first.buildNumber)).item.label, 'first');
    assert.equal((await runBuild(actor.id, second.buildNumber)).item.label, 'second');
  });

  test('latest moves with a SUCCEEDED build only', async () => {
    const actor = await server.createActor(uniqueName('tag-moves'), sourceFiles(folderActor('one')));
    assert.equal((await server.buildActor(actor.id)).status, 'SUCCEEDED');
    await updateSources(actor.id, folderActor('two'));
    const second = await server.buildActor(actor.id);
    assert.equal(second.status, 'SUCCEEDED');
    // The build has ended, so a run of `latest` at once must get it.
    assert.equal((await runBuild(actor.id)).item.label, 'two');

    const broken = folderActor('three');
    broken['package.json'] = actorPackageJson('file:vendor/missing-1.0.0.tgz');
    await updateSources(actor.id, broken);
    assert.equal((await server.buildActor(actor.id)).status, 'FAILED');
    assert.equal((await runBuild(actor.id)).item.label, 'two');
  });
});

describe('run log', () => {
  test('every line starts with a timestamp', async () => {
    const actor = await server.createActor(uniqueName('run-log'), sourceFiles(folderActor('logged')));
    assert.equal((await server.buildActor(actor.id)).status, 'SUCCEEDED');
    const { log } = await runBuild(actor.id);
    assert.match(log, /pushing the item/);
    assert.match(log, /a last line without a newline/);
    const lines = log.split('\n').filter((line) => line !== '');
    for (const line of lines) assert.match(line, TIMESTAMP, `line without a timestamp in:\n${log}`);
    const actorLine = lines.find((line) => line.includes('pushing the item'));
    assert.match(actorLine, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pushing the item$/);
  });
});
