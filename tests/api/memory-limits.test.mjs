// Memory limits: a run that goes over its memory option is killed and
// FAILED with a status message saying so, whether its first process or a
// descendant allocates, under both mechanisms: a memory cgroup per run
// (--memory-enforcement=auto on a machine that lets actord create one) and
// RLIMIT_AS plus the resident-memory watchdog (--memory-enforcement=rlimit).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { ActordServer, expectError, runActordCli, sleep, textSourceFiles, useServer } from './lib/harness.mjs';

const MEMORY_MESSAGE = 'The run exceeded its memory limit of 128 MB and was killed.';
const OVER = { allocMbytes: 400, holdSecs: 20 };

const cgroupServer = useServer();
const rlimitServer = useServer({ args: ['--memory-enforcement', 'rlimit'] });
const tasks = new Map();

before(async () => {
  for (const server of [cgroupServer, rlimitServer]) {
    tasks.set(server, (await server.deployTask('memory-hog')).task.id);
  }
});

/** Returns the directory below which the server creates run cgroups, or null without cgroups. */
function cgroupBase(server) {
  const match = server.output.match(/memory limits: cgroup v[12] \S+, one cgroup per run below (\S+)/);
  return match ? match[1] : null;
}

/** Runs the memory-hog task with memory=128 and the given input; returns { res, run }. */
async function runHog(server, input, query = {}) {
  const taskId = tasks.get(server);
  const res = await server.runSync(taskId, { query: { memory: '128', ...query }, body: input });
  const run = await server.lastRun(taskId);
  return { res, run };
}

/**
 * Asserts the run failed for its memory and, unless a child allocated
 * (the first process may push its item after the kernel killed the child),
 * stored no item.
 */
async function expectMemoryFailure(server, res, run, { childAllocated = false } = {}) {
  expectError(res, 400, 'run-failed');
  assert.match(res.json.error.message, /status: FAILED/);
  const fetched = await server.getRun(run.id);
  assert.equal(fetched.status, 'FAILED');
  assert.equal(fetched.statusMessage, MEMORY_MESSAGE);
  if (!childAllocated) {
    const items = await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items`);
    assert.deepEqual(items.json, [], 'the run ended before its hold');
  }
  const log = await server.api('GET', `/v2/actor-runs/${run.id}/log`);
  assert.match(log.text, /limit of 128 MB/);
  return log.text;
}

/** 1 while a process with this pid exists. */
async function processExists(pid) {
  try {
    await fs.access(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

for (const [mode, server] of [['cgroup', cgroupServer], ['rlimit', rlimitServer]]) {
  describe(`memory limit, ${mode}`, () => {
    test('start log names the mechanism', (t) => {
      if (mode === 'rlimit') {
        assert.match(server.output, /memory limits: RLIMIT_AS of the run's memory plus 16384 MB, and a resident-memory watchdog every 250 ms \(--memory-enforcement=rlimit\)/);
      } else if (cgroupBase(server)) {
        assert.match(server.output, /memory limits: cgroup v[12] memory\.(max|limit_in_bytes), one cgroup per run below \S+\/actord-\d+/);
      } else {
        assert.match(server.output, /memory limits: RLIMIT_AS .* \(no writable memory cgroup: cgroup v2: .*; cgroup v1: .*\)/);
        t.diagnostic('no memory cgroup on this machine: auto chose the rlimit');
      }
    });

    test('run over its limit fails', async () => {
      const { res, run } = await runHog(server, OVER);
      await expectMemoryFailure(server, res, run);
      assert.equal(run.options.memoryMbytes, 128);
    });

    test('run under its limit succeeds', async () => {
      // Address space that is not resident does not count.
      const items = await server.runSyncItems(tasks.get(server), {
        query: { memory: '128' },
        body: { allocMbytes: 32, holdSecs: 0, reserveMbytes: 1024 },
      });
      assert.deepEqual(items, [{ allocatedMbytes: 32 }]);
    });

    test('child over the limit fails the run', async () => {
      const { res, run } = await runHog(server, { ...OVER, inChild: true });
      await expectMemoryFailure(server, res, run, { childAllocated: true });
    });
  });
}

describe('memory limit, rlimit only', () => {
  test('Node.js fetch works under RLIMIT_AS', async () => {
    // Node.js reserves address space far beyond its use, about 10 GB for
    // the WebAssembly memory of fetch(): the headroom must cover it.
    const script = [
      "const buffer = Buffer.alloc(48 * 1024 * 1024, 1);",
      "const url = `${process.env.APIFY_API_BASE_URL}/v2/datasets/${process.env.ACTOR_DEFAULT_DATASET_ID}/items`;",
      "const headers = { authorization: `Bearer ${process.env.APIFY_TOKEN}`, 'content-type': 'application/json' };",
      "const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ node: process.version, mbytes: buffer.length >> 20 }) });",
      "if (!res.ok) process.exit(1);",
    ].join('\n');
    const files = textSourceFiles({ Dockerfile: 'FROM node:20\nCMD ["node", "main.mjs"]\n', 'main.mjs': script });
    const actor = await rlimitServer.createActor('node-under-rlimit', files);
    const build = await rlimitServer.buildActor(actor.id);
    assert.equal(build.status, 'SUCCEEDED');
    const task = await rlimitServer.createTask(actor.id);
    // 256 MB, not 128: Node.js with fetch() loaded and the buffer comes
    // near 128 MB of resident memory, and the watchdog would be what fails.
    const res = await rlimitServer.runSync(task.id, { query: { memory: '256' } });
    if (res.status !== 201) {
      const run = await rlimitServer.lastRun(task.id);
      const log = await rlimitServer.api('GET', `/v2/actor-runs/${run.id}/log`);
      assert.fail(`run ${run.status} (${run.statusMessage}): ${res.describe()}\n${log.text}`);
    }
    const items = res.json;
    assert.equal(items.length, 1);
    assert.equal(items[0].mbytes, 48);
    assert.match(items[0].node, /^v\d+/);
  });
});

describe('memory limit, cgroup only', () => {
  test('process outside the group is caught', async (t) => {
    if (!cgroupBase(cgroupServer)) return t.skip('no memory cgroup on this machine');
    const { res, run } = await runHog(cgroupServer, { ...OVER, inChild: true, leaveGroup: true });
    await expectMemoryFailure(cgroupServer, res, run, { childAllocated: true });
  });

  test('leftover process dies with the run', async (t) => {
    if (!cgroupBase(cgroupServer)) return t.skip('no memory cgroup on this machine');
    const input = { allocMbytes: 16, holdSecs: 60, detach: true, leaveGroup: true };
    const items = await cgroupServer.runSyncItems(tasks.get(cgroupServer), { query: { memory: '128' }, body: input });
    assert.deepEqual(items, [{ allocatedMbytes: 16 }]);
    const run = await cgroupServer.lastRun(tasks.get(cgroupServer));
    const log = await cgroupServer.api('GET', `/v2/actor-runs/${run.id}/log`);
    const pid = Number(log.text.match(/memory-hog: child pid (\d+)/)?.[1]);
    assert.ok(pid > 0, `the child printed its pid:\n${log.text}`);
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = await processExists(pid);
      if (alive) await sleep(100);
    }
    assert.equal(alive, false, `process ${pid} outlived its run`);
  });

  test('run cgroups are removed', async (t) => {
    const base = cgroupBase(cgroupServer);
    if (!base) return t.skip('no memory cgroup on this machine');
    let left = null;
    for (let i = 0; i < 50 && left?.length !== 0; i++) {
      if (left) await sleep(100);
      left = (await fs.readdir(base)).filter((name) => name.startsWith('run-'));
    }
    assert.deepEqual(left, [], `run cgroups left in ${base}`);
  });

  test('restartOnError restarts it', async () => {
    const { res, run } = await runHog(cgroupServer, { ...OVER }, { restartOnError: '1' });
    await expectMemoryFailure(cgroupServer, res, run);
    const fetched = await cgroupServer.getRun(run.id);
    assert.equal(fetched.stats.restartCount, 3);
  });

  test('stale cgroups are removed at start', async (t) => {
    const base = cgroupBase(cgroupServer);
    if (!base) return t.skip('no memory cgroup on this machine');
    // A pid above the kernel's largest (2^22) belongs to no process.
    const stale = path.join(path.dirname(base), 'actord-4194399');
    await fs.mkdir(path.join(stale, 'run-left'), { recursive: true });
    const next = new ActordServer();
    try {
      await next.start();
      await assert.rejects(fs.access(stale), `${stale} is still there`);
      assert.match(next.output, /removing the cgroup \S+actord-4194399 left by actord process 4194399/);
    } finally {
      await next.stop();
      // cgroupfs removes a directory with rmdir only, never its files.
      await fs.rmdir(path.join(stale, 'run-left')).catch(() => {});
      await fs.rmdir(stale).catch(() => {});
    }
  });
});

describe('memory enforcement option', () => {
  test('unknown value exits 2', async () => {
    const result = await runActordCli(['serve', '--memory-enforcement', 'cgroups']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--memory-enforcement must be auto, cgroup, rlimit or none, got 'cgroups'/);
  });

  test('headroom sets RLIMIT_AS', async () => {
    const server = new ActordServer({ args: ['--memory-enforcement', 'rlimit', '--rlimit-as-headroom-mbytes', '256'] });
    try {
      await server.start();
      assert.match(server.output, /memory limits: RLIMIT_AS of the run's memory plus 256 MB/);
      const { task } = await server.deployTask('memory-hog');
      // 1024 MB cannot be mapped under 128 + 256 MB, so mmap fails with
      // ENOMEM, though none of it would be resident.
      const res = await server.runSync(task.id, {
        query: { memory: '128' },
        body: { allocMbytes: 0, holdSecs: 0, reserveMbytes: 1024 },
      });
      expectError(res, 400, 'run-failed');
      const run = await server.lastRun(task.id);
      assert.equal(run.status, 'FAILED');
      assert.notEqual(run.statusMessage, MEMORY_MESSAGE);
      const log = await server.api('GET', `/v2/actor-runs/${run.id}/log`);
      assert.match(log.text, /OSError: \[Errno 12\] Cannot allocate memory/);
    } finally {
      await server.stop();
    }
  });

  test('zero headroom sets no RLIMIT_AS', async () => {
    const result = await runActordCli(['serve', '--rlimit-as-headroom-mbytes', '-1']);
    assert.equal(result.code, 2, result.stderr);
    const server = new ActordServer({ args: ['--memory-enforcement', 'rlimit', '--rlimit-as-headroom-mbytes', '0'] });
    try {
      await server.start();
      assert.match(server.output, /memory limits: a resident-memory watchdog every 250 ms, no RLIMIT_AS \(--memory-enforcement=rlimit\)/);
      const { task } = await server.deployTask('memory-hog');
      const res = await server.runSync(task.id, { query: { memory: '128' }, body: OVER });
      expectError(res, 400, 'run-failed');
      assert.equal((await server.lastRun(task.id)).statusMessage, MEMORY_MESSAGE);
    } finally {
      await server.stop();
    }
  });

  test('none leaves the process alone', async () => {
    const server = new ActordServer({ args: ['--memory-enforcement', 'none'] });
    try {
      await server.start();
      assert.match(server.output, /memory limits: not enforced \(--memory-enforcement=none\)/);
      const { task } = await server.deployTask('memory-hog');
      const items = await server.runSyncItems(task.id, {
        query: { memory: '128' },
        body: { allocMbytes: 192, holdSecs: 0 },
      });
      assert.deepEqual(items, [{ allocatedMbytes: 192 }]);
    } finally {
      await server.stop();
    }
  });
});
