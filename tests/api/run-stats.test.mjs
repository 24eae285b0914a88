// The resource stats of a run: the CPU time and peak memory of its
// processes, measured when the runner reaps them, under each memory
// enforcement (a cgroup where actord can make one, the resident-memory
// watchdog, and none). cpuAvgUsage is percent of one core over the run's
// duration, so cpuAvgUsage * durationMillis / 100000 is the CPU seconds.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectStatus, sleep, useServer } from './lib/harness.mjs';

const MIB = 1024 * 1024;

/** CPU seconds the stats of run account for. */
function cpuSeconds(run) {
  return (run.stats.cpuAvgUsage * run.stats.durationMillis) / 100_000;
}

for (const mechanism of ['auto', 'rlimit', 'none']) {
  describe(`--memory-enforcement ${mechanism}`, () => {
    const server = useServer({ args: ['--memory-enforcement', mechanism] });
    let cpuTask;
    let memoryTask;

    before(async () => {
      cpuTask = (await server.deployTask('cpu-burn')).task;
      memoryTask = (await server.deployTask('memory-hog')).task;
    });

    async function runToEnd(task, input) {
      await server.runSyncItems(task.id, { body: input });
      const run = await server.lastRun(task.id);
      assert.equal(run.status, 'SUCCEEDED');
      return run;
    }

    for (const inChild of [false, true]) {
      const where = inChild ? 'waited child' : 'first process';

      test(`CPU time of ${where}`, async () => {
        const run = await runToEnd(cpuTask, { cpuSecs: 0.6, inChild });
        assert.equal(typeof run.stats.cpuAvgUsage, 'number');
        const seconds = cpuSeconds(run);
        assert.ok(seconds >= 0.59, `${seconds} CPU seconds, expected at least the 0.6 burned: ${JSON.stringify(run.stats)}`);
        // Python's start and the HTTP calls add some CPU time.
        assert.ok(seconds <= 0.6 + 5, `${seconds} CPU seconds: ${JSON.stringify(run.stats)}`);
        assert.ok(run.stats.cpuAvgUsage <= 100 * 64, `cpuAvgUsage ${run.stats.cpuAvgUsage}`);
      });

      test(`peak memory of ${where}`, async () => {
        const run = await runToEnd(memoryTask, { allocMbytes: 96, holdSecs: 0, inChild });
        assert.ok(Number.isInteger(run.stats.memMaxBytes), `memMaxBytes ${run.stats.memMaxBytes}`);
        assert.ok(run.stats.memMaxBytes >= 96 * MIB, `memMaxBytes ${run.stats.memMaxBytes} under the 96 MiB written`);
        assert.ok(run.stats.memMaxBytes < 1024 * MIB, `memMaxBytes ${run.stats.memMaxBytes} over the run's 1024 MB`);
      });
    }

    test('samples not taken are 0', async () => {
      const run = await runToEnd(cpuTask, { cpuSecs: 0.1 });
      assert.equal(run.stats.cpuMaxUsage, 0);
      assert.equal(run.stats.memAvgBytes, 0);
    });
  });
}

describe('while the run goes', () => {
  const server = useServer();

  test('stats are 0 before a process ended', async () => {
    const { task } = await server.deployTask('sleep', { input: { seconds: 30 } });
    const started = expectStatus(await server.api('POST', `/v2/actor-tasks/${task.id}/runs`), 201).data;
    let run = await server.getRun(started.id);
    for (let i = 0; run.status === 'READY' && i < 100; i++) {
      await sleep(100);
      run = await server.getRun(started.id);
    }
    assert.equal(run.status, 'RUNNING');
    assert.equal(run.stats.cpuAvgUsage, 0);
    assert.equal(run.stats.memMaxBytes, 0);
    assert.equal(run.stats.cpuMaxUsage, 0);
    assert.equal(run.stats.memAvgBytes, 0);

    expectStatus(await server.api('POST', `/v2/actor-runs/${started.id}/abort`), 200);
    run = await server.waitForRun(started.id);
    assert.equal(run.status, 'ABORTED');
    // The killed process was reaped, so its peak memory is known.
    assert.ok(run.stats.memMaxBytes > 0, `memMaxBytes ${run.stats.memMaxBytes}`);
  });
});
