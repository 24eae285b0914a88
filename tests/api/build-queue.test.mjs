// Builds run in the background: the POST that starts one returns at once
// (or after waitForFinish), the build goes READY -> RUNNING -> its end, its
// log can be streamed while it runs, it can be aborted, and builds that a
// stopped or crashed actord left unfinished end at the next start.
//
// The builds here are held at a gate: the actor's package.json has a
// preinstall script that waits until the test creates a file, so each
// state lasts as long as the test needs, without timing guesses. npm
// needs no registry for a package without dependencies.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  ActordServer,
  expectError,
  expectStatus,
  sleep,
  textSourceFiles,
  uniqueName,
  useServer,
} from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

// One HTTP thread: a build that held it would stop every other request
// while it ran.
const server = useServer({ args: ['--threads', '1'] });
const run = promisify(execFile);

let gateDir;
before(async () => {
  gateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-gates-'));
});
after(async () => {
  // Opens every gate, so no install script of a failed test lingers.
  const names = await fs.readdir(gateDir).catch(() => []);
  await Promise.all(names.map((name) => fs.writeFile(path.join(gateDir, name, 'open'), '')));
  await sleep(300);
  await fs.rm(gateDir, { recursive: true, force: true });
});

/** Makes a new gate: a folder whose file "open" lets the install go on. */
async function newGate() {
  const dir = await fs.mkdtemp(path.join(gateDir, 'gate-'));
  return { dir, open: () => fs.writeFile(path.join(dir, 'open'), '') };
}

/** Source files of an actor whose npm install waits at gate. */
function gatedFiles(gate) {
  const script = `echo waiting at the gate; while [ ! -f ${gate.dir}/open ]; do sleep 0.05; done; echo through the gate`;
  return textSourceFiles({
    'package.json': JSON.stringify({
      name: 'gated', version: '0.0.1', type: 'module', private: true,
      scripts: { preinstall: script, start: 'node main.js' },
    }),
    'main.js': "console.log('ran');\n",
  });
}

/** Starts a build without waiting; returns the build object of the 201. */
async function startBuild(srv, actorId, query = '') {
  const res = await srv.api('POST', `/v2/acts/${actorId}/builds?version=0.1${query}`);
  expectStatus(res, 201);
  return res;
}

async function getBuild(srv, id) {
  return expectStatus(await srv.api('GET', `/v2/actor-builds/${id}`), 200).data;
}

/** Polls the build until its status is one of statuses. */
async function waitForBuild(srv, id, statuses, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const build = await getBuild(srv, id);
    if (statuses.includes(build.status)) return build;
    assert.ok(Date.now() < deadline, `build ${id} is ${build.status}, not ${statuses}`);
    await sleep(50);
  }
}

/** Waits until the build's log has text (the install has reached the gate). */
async function waitForLog(srv, id, text) {
  for (let i = 0; i < 600; i++) {
    const log = await srv.api('GET', `/v2/logs/${id}`);
    if (log.text.includes(text)) return log.text;
    await sleep(50);
  }
  assert.fail(`the log of build ${id} never showed "${text}"`);
}

/** Lists the command lines of processes that mention text, from ps. */
async function processesWith(text) {
  const { stdout } = await run('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((line) => line.includes(text));
}

describe('a build in the background', () => {
  test('the POST returns at once, the build runs and streams its log', async () => {
    const gate = await newGate();
    const actor = await server.createActor(uniqueName('gated'), gatedFiles(gate));
    const res = await startBuild(server, actor.id, '&tag=gated');
    const started = res.data;
    assert.ok(['READY', 'RUNNING'].includes(started.status), started.status);
    assert.equal(started.finishedAt, null);
    assert.equal(started.buildNumber, '0.1.1');
    assert.equal(res.header('location'), `${server.url}/v2/actor-builds/${started.id}`);

    await waitForBuild(server, started.id, ['RUNNING']);
    await waitForLog(server, started.id, 'waiting at the gate');
    // The one HTTP thread is free while npm runs.
    expectStatus(await server.api('GET', '/v2/acts'), 200);
    const waited = expectStatus(await server.api('GET', `/v2/actor-builds/${started.id}?waitForFinish=1`), 200).data;
    assert.equal(waited.status, 'RUNNING');
    const tags = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data.taggedBuilds ?? {};
    assert.equal(tags.gated, undefined, 'the tag waits for the build to succeed');
    const early = await server.api('POST', `/v2/acts/${actor.id}/runs?build=0.1.1`);
    expectError(early, 400, 'invalid-input');
    assert.match(early.json.error.message, /Build 0\.1\.1 has not finished \(status RUNNING\)/);

    const stream = server.api('GET', `/v2/logs/${started.id}?stream=1`);
    await sleep(200);
    await gate.open();
    const streamed = await stream;
    expectStatus(streamed, 200);
    assert.match(streamed.text, /waiting at the gate/);
    assert.match(streamed.text, /through the gate/);
    assert.match(streamed.text, /Build succeeded\.\n$/);

    const done = expectStatus(await server.api('GET', `/v2/actor-builds/${started.id}?waitForFinish=60`), 200).data;
    assert.equal(done.status, 'SUCCEEDED');
    assert.ok(Date.parse(done.finishedAt) >= Date.parse(done.startedAt));
    assert.equal(typeof done.stats.durationMillis, 'number');
    const tagged = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data.taggedBuilds;
    assert.equal(tagged.gated.buildId, started.id);
  });

  test('waitForFinish on the POST returns the ended build', async () => {
    const gate = await newGate();
    await gate.open();
    const actor = await server.createActor(uniqueName('gated'), gatedFiles(gate));
    const res = await startBuild(server, actor.id, '&waitForFinish=60');
    assert.equal(res.data.status, 'SUCCEEDED');
    expectError(await server.api('POST', `/v2/acts/${actor.id}/builds?waitForFinish=soon`), 400, 'invalid-input');
  });

  test('builds wait READY for a builder, and abort ends either state', async () => {
    const gateA = await newGate();
    const gateB = await newGate();
    const actorA = await server.createActor(uniqueName('gated'), gatedFiles(gateA));
    const actorB = await server.createActor(uniqueName('gated'), gatedFiles(gateB));
    const first = (await startBuild(server, actorA.id)).data;
    const second = (await startBuild(server, actorB.id)).data;
    const third = (await startBuild(server, actorB.id)).data;
    assert.deepEqual([second.buildNumber, third.buildNumber], ['0.1.1', '0.1.2']);
    await waitForBuild(server, first.id, ['RUNNING']);
    await waitForBuild(server, second.id, ['RUNNING']);
    await waitForLog(server, first.id, 'waiting at the gate');
    assert.equal((await getBuild(server, third.id)).status, 'READY', 'two builders: the third waits');

    const queued = expectStatus(await server.api('POST', `/v2/actor-builds/${third.id}/abort`), 200).data;
    assert.equal(queued.status, 'ABORTED');
    assert.match((await server.api('GET', `/v2/logs/${third.id}`)).text, /The build was aborted before it started\./);

    assert.equal((await processesWith(gateA.dir)).length > 0, true, 'the install script waits at gate A');
    const running = expectStatus(await server.api('POST', `/v2/actor-builds/${first.id}/abort`), 200).data;
    assert.equal(running.status, 'ABORTED');
    assert.ok(running.finishedAt);
    const log = (await server.api('GET', `/v2/logs/${first.id}`)).text;
    assert.match(log, /npm install was stopped because the build was aborted\./);
    assert.match(log, /Build aborted\.\n$/);
    assert.deepEqual(await processesWith(gateA.dir), [], 'npm and its scripts are killed');

    const again = expectStatus(await server.api('POST', `/v2/actor-builds/${first.id}/abort`), 200).data;
    assert.equal(again.status, 'ABORTED', 'an ended build is returned as it is');
    await gateB.open();
    assert.equal((await waitForBuild(server, second.id, ['SUCCEEDED', 'FAILED'])).status, 'SUCCEEDED');
  });

  test('abort of unknown or foreign builds', async () => {
    expectError(await server.api('POST', '/v2/actor-builds/NoSuchBuild1234/abort'), 404, 'record-not-found');
    const { build } = await server.deployFixture('echo-input');
    const token = await server.addUser(uniqueName('other'));
    expectError(await server.api('POST', `/v2/actor-builds/${build.id}/abort`, { token }), 403, 'permission-denied');
    expectError(await server.api('GET', `/v2/actor-builds/${build.id}?waitForFinish=-1`), 400, 'invalid-input');
  });
});

describe('build webhooks', () => {
  test('ACTOR.BUILD.* events reach the webhooks of the actor', async () => {
    const receiver = new Receiver();
    await receiver.start();
    const gate = await newGate();
    try {
      const actor = await server.createActor(uniqueName('gated'), gatedFiles(gate));
      const requestUrl = receiver.url('/hook');
      const eventTypes = ['ACTOR.BUILD.CREATED', 'ACTOR.BUILD.SUCCEEDED', 'ACTOR.BUILD.ABORTED'];
      const hook = expectStatus(await server.api('POST', '/v2/webhooks', {
        body: { eventTypes, condition: { actorId: actor.id }, requestUrl },
      }), 201).data;
      assert.deepEqual(hook.eventTypes, eventTypes);
      // A webhook of run events hears nothing of builds.
      expectStatus(await server.api('POST', '/v2/webhooks', {
        body: { eventTypes: ['ACTOR.RUN.CREATED', 'ACTOR.RUN.SUCCEEDED'], condition: { actorId: actor.id }, requestUrl },
      }), 201);

      const aborted = (await startBuild(server, actor.id)).data;
      await waitForLog(server, aborted.id, 'waiting at the gate');
      expectStatus(await server.api('POST', `/v2/actor-builds/${aborted.id}/abort`), 200);
      await gate.open();
      const built = (await startBuild(server, actor.id, '&waitForFinish=60')).data;
      assert.equal(built.status, 'SUCCEEDED');

      const received = (await receiver.waitFor('/hook', 4)).map((r) => r.json);
      await sleep(200);
      assert.equal(receiver.received('/hook').length, 4, 'no more than the four events');
      const seen = received.map((r) => [r.eventType, r.eventData.actorBuildId]);
      assert.deepEqual(seen.sort(), [
        ['ACTOR.BUILD.ABORTED', aborted.id],
        ['ACTOR.BUILD.CREATED', aborted.id],
        ['ACTOR.BUILD.CREATED', built.id],
        ['ACTOR.BUILD.SUCCEEDED', built.id],
      ].sort());
      const done = received.find((r) => r.eventType === 'ACTOR.BUILD.SUCCEEDED');
      assert.deepEqual(done.eventData, { actorId: actor.id, actorBuildId: built.id });
      assert.equal(done.resource.id, built.id);
      assert.equal(done.resource.status, 'SUCCEEDED');
      assert.equal(done.userId, hook.userId);
    } finally {
      await gate.open();
      await receiver.stop();
    }
  });
});

describe('--max-concurrent-builds', () => {
  test('with 1, a second build waits READY until the first ends', async () => {
    const srv = new ActordServer({ args: ['--max-concurrent-builds', '1'] });
    const gate = await newGate();
    try {
      await srv.start();
      const actor = await srv.createActor(uniqueName('gated'), gatedFiles(gate));
      const first = (await startBuild(srv, actor.id)).data;
      const second = (await startBuild(srv, actor.id)).data;
      await waitForLog(srv, first.id, 'waiting at the gate');
      assert.equal((await getBuild(srv, second.id)).status, 'READY');
      await gate.open();
      assert.equal((await waitForBuild(srv, second.id, ['SUCCEEDED', 'FAILED'])).status, 'SUCCEEDED');
    } finally {
      await gate.open();
      await srv.stop();
    }
  });
});

describe('builds left unfinished by a stopped actord', () => {
  let dataDir;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-build-stop-'));
  });
  after(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('stop and crash during a build', async () => {
    const gate = await newGate();
    let srv = new ActordServer({ dataDir });
    const token = () => srv.token;
    try {
      await srv.start();
      const actor = await srv.createActor(uniqueName('gated'), gatedFiles(gate));
      const stopped = (await startBuild(srv, actor.id)).data;
      await waitForLog(srv, stopped.id, 'waiting at the gate');
      await srv.stop({ removeDataDir: false });

      srv = new ActordServer({ dataDir, token: token() });
      await srv.start();
      const aborted = await getBuild(srv, stopped.id);
      assert.equal(aborted.status, 'ABORTED');
      assert.match((await srv.api('GET', `/v2/logs/${stopped.id}`)).text, /Build aborted\.\n$/);

      const crashed = (await startBuild(srv, actor.id)).data;
      await waitForLog(srv, crashed.id, 'waiting at the gate');
      srv.process.kill('SIGKILL');
      await srv.exited;
      srv.process = null;
      assert.ok((await processesWith(gate.dir)).length > 0, 'npm outlives the crashed actord');

      srv = new ActordServer({ dataDir, token: token() });
      await srv.start();
      assert.deepEqual(await processesWith(gate.dir), [], 'the next start kills the npm of the build');
      assert.match(srv.output, new RegExp(`killing process \\d+ of build ${crashed.id}, left running by a previous actord`));
      await gate.open();
      const failed = await getBuild(srv, crashed.id);
      assert.equal(failed.status, 'FAILED');
      assert.ok(failed.finishedAt);
      assert.ok(failed.stats.durationMillis >= 0, JSON.stringify(failed.stats));
      assert.match((await srv.api('GET', `/v2/logs/${crashed.id}`)).text,
        /actord stopped before the build finished, so it failed\. Start a new build\./);
      const next = (await startBuild(srv, actor.id, '&waitForFinish=60')).data;
      assert.equal(next.status, 'SUCCEEDED');
      assert.equal(next.buildNumber, '0.1.3');
    } finally {
      await gate.open();
      if (srv.process) await srv.stop({ removeDataDir: false });
    }
  });
});
