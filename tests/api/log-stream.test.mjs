// GET /v2/actor-runs/:id/log?stream=1 and /v2/logs/:id?stream=1. The log
// arrives line by line while the run goes, and the response ends when
// the run ends. A finished run's log comes whole. A client that leaves
// costs nothing, gzip and br streams flush each piece, and waiting
// streams use no CPU. The sleep actor prints a line, sleeps, and prints
// another.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';

import { processResources } from './lib/export-helpers.mjs';
import { ActordServer, expectError, expectStatus, sleep, useServer } from './lib/harness.mjs';

const server = useServer();

// How long the server may take to notice a client that left a quiet
// stream, in ms: its 5 s check interval plus the runner's 1 s tick.
const QUIET_CLIENT_RELEASE_MS = 9000;

let task;

before(async () => {
  ({ task } = await server.deployTask('sleep'));
});

/** Starts a run of the sleep task that sleeps `seconds`; returns the run. */
async function startRun(seconds) {
  const res = expectStatus(await server.api('POST', `/v2/actor-tasks/${task.id}/runs`, { body: { seconds } }), 201);
  return res.data;
}

/**
 * Streams a log with node:http, decoding gzip or br as it arrives.
 * Resolves to { status, headers, text, pieces, endedAt } where pieces are
 * { at, text } in arrival order (decoded) and times are Date.now() values.
 * `onPiece(piece, request)` is called for each piece. `on` is the server.
 */
function streamLog(target, { headers = {}, onPiece = () => {}, on = server } = {}) {
  return new Promise((resolve, reject) => {
    const pieces = [];
    const request = http.request({
      host: '127.0.0.1',
      port: on.port,
      path: target,
      agent: false,
      headers: { connection: 'close', ...headers },
    });
    request.on('error', (error) => {
      if (request.destroyed && request.leftOnPurpose) resolve({ pieces, aborted: true });
      else reject(error);
    });
    request.on('response', (response) => {
      const coding = response.headers['content-encoding'];
      const body =
        coding === 'gzip'
          ? response.pipe(zlib.createGunzip())
          : coding === 'br'
            ? response.pipe(zlib.createBrotliDecompress())
            : response;
      body.on('data', (chunk) => {
        const piece = { at: Date.now(), text: chunk.toString('utf8') };
        pieces.push(piece);
        onPiece(piece, request);
      });
      body.on('error', (error) => {
        if (request.leftOnPurpose) resolve({ pieces, aborted: true });
        else reject(error);
      });
      body.on('end', () =>
        resolve({
          status: response.statusCode,
          headers: response.headers,
          text: pieces.map((piece) => piece.text).join(''),
          pieces,
          endedAt: Date.now(),
        }),
      );
      response.on('close', () => {
        if (request.leftOnPurpose) resolve({ pieces, aborted: true });
      });
    });
    request.end();
  });
}

/** Lists the pieces with their arrival times, for assertion messages. */
function describePieces(stream) {
  return stream.pieces.map((piece) => `${new Date(piece.at).toISOString()} got ${JSON.stringify(piece.text)}`).join('\n');
}

/** Leaves a stream from inside onPiece. */
function leave(request) {
  request.leftOnPurpose = true;
  request.destroy();
}

/** Returns the arrival time of the piece that completes the first `text`. */
function arrivalOf(stream, text) {
  let seen = '';
  for (const piece of stream.pieces) {
    seen += piece.text;
    if (seen.includes(text)) return piece.at;
  }
  return null;
}

/** Counts the sockets actord has open. */
async function socketCount() {
  const { descriptors } = await processResources(server.process.pid);
  return descriptors.filter((target) => target.startsWith('socket:')).length;
}

/** Returns the CPU time actord has used, in ms (utime + stime from /proc). */
async function cpuMs() {
  const stat = await fs.readFile(`/proc/${server.process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5), in clock ticks
  // (USER_HZ, 100 a second on Linux), so one tick is 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

describe('streamed log', () => {
  test('lines arrive while the run goes', async () => {
    const run = await startRun(2);
    const stream = await streamLog(`/v2/actor-runs/${run.id}/log?stream=1`);
    const finished = await server.getRun(run.id);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(finished.status, 'SUCCEEDED');

    const sleepingAt = arrivalOf(stream, 'sleep: sleeping 2 s');
    const doneAt = arrivalOf(stream, 'sleep: done');
    assert.ok(sleepingAt !== null, `first line missing from ${JSON.stringify(stream.text)}`);
    assert.ok(doneAt !== null, `last line missing from ${JSON.stringify(stream.text)}`);
    // The actor sleeps 2 s between its two lines.
    assert.ok(doneAt - sleepingAt >= 1500, `lines arrived ${doneAt - sleepingAt} ms apart:\n${describePieces(stream)}`);
    assert.ok(stream.endedAt >= doneAt);
    assert.ok(
      stream.endedAt >= Date.parse(finished.finishedAt) - 50,
      `stream ended at ${new Date(stream.endedAt).toISOString()}, run finished at ${finished.finishedAt}`,
    );
    assert.match(stream.text, /The run ended with status SUCCEEDED/);

    const whole = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log`), 200);
    assert.equal(stream.text, whole.text, 'the stream is the whole log');
  });

  test('/v2/logs and stream=true stream too', async () => {
    const run = await startRun(1);
    const stream = await streamLog(`/v2/logs/${run.id}?stream=true`);
    assert.equal(stream.status, 200);
    const sleepingAt = arrivalOf(stream, 'sleep: sleeping 1 s');
    const doneAt = arrivalOf(stream, 'sleep: done');
    assert.ok(doneAt - sleepingAt >= 700, `lines arrived ${doneAt - sleepingAt} ms apart:\n${describePieces(stream)}`);
    assert.equal((await server.getRun(run.id)).status, 'SUCCEEDED');
  });

  test('finished run streams whole log', async () => {
    const run = await startRun(0);
    await server.waitForRun(run.id);
    const whole = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log`), 200);
    const started = Date.now();
    const stream = await streamLog(`/v2/actor-runs/${run.id}/log?stream=1`);
    assert.ok(Date.now() - started < 2000, 'the log of a finished run comes at once');
    assert.equal(stream.text, whole.text);
    assert.match(stream.text, /sleep: done/);
  });

  test('stream=0 returns the log so far', async () => {
    const run = await startRun(2);
    await sleep(800);
    const started = Date.now();
    const res = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log?stream=0`), 200);
    assert.ok(Date.now() - started < 1000, 'stream=0 does not wait for the run');
    assert.doesNotMatch(res.text, /sleep: done/);
    await server.waitForRun(run.id);
  });

  test('download names the file', async () => {
    const run = await startRun(0);
    await server.waitForRun(run.id);
    const res = expectStatus(await server.api('GET', `/v2/logs/${run.id}?download=1&raw=1`), 200);
    assert.equal(res.header('content-disposition'), `attachment; filename="${run.id}.log"`);
    assert.match(res.text, /sleep: done/);
  });

  test('invalid and unknown', async () => {
    const run = await startRun(0);
    for (const name of ['stream', 'download', 'raw']) {
      const error = expectError(await server.api('GET', `/v2/logs/${run.id}?${name}=maybe`), 400, 'invalid-input');
      assert.match(error.message, new RegExp(`'${name}'`));
    }
    expectError(await server.api('GET', '/v2/actor-runs/noSuchRun/log?stream=1'), 404, 'record-not-found');
    await server.waitForRun(run.id);
  });
});

describe('compressed streamed log', () => {
  for (const coding of ['gzip', 'br']) {
    test(`${coding} stream flushes each line`, async () => {
      const run = await startRun(2);
      const stream = await streamLog(`/v2/actor-runs/${run.id}/log?stream=1`, {
        headers: { 'accept-encoding': coding },
      });
      assert.equal(stream.headers['content-encoding'], coding);
      assert.equal(stream.headers.vary, 'Accept-Encoding');
      const sleepingAt = arrivalOf(stream, 'sleep: sleeping 2 s');
      const doneAt = arrivalOf(stream, 'sleep: done');
      assert.ok(doneAt - sleepingAt >= 1500, `lines arrived ${doneAt - sleepingAt} ms apart:\n${describePieces(stream)}`);
      const whole = expectStatus(await server.api('GET', `/v2/actor-runs/${run.id}/log`), 200);
      assert.equal(stream.text, whole.text);
    });
  }
});

describe('clients that leave', () => {
  test('leaving mid-stream frees the connection', async () => {
    await sleep(200);
    const baseline = await socketCount();
    const run = await startRun(6);
    const left = await streamLog(`/v2/actor-runs/${run.id}/log?stream=1`, {
      onPiece: (piece, request) => {
        if (piece.text.includes('sleep: sleeping')) leave(request);
      },
    });
    assert.ok(left.aborted, 'the client left');
    // The run is quiet now, so only the periodic check finds the socket closed.
    const deadline = Date.now() + QUIET_CLIENT_RELEASE_MS;
    let sockets = await socketCount();
    while (sockets > baseline && Date.now() < deadline) {
      await sleep(200);
      sockets = await socketCount();
    }
    assert.ok(sockets <= baseline, `actord has ${sockets} sockets, ${baseline} before the stream`);
    assert.equal((await server.getRun(run.id)).status, 'RUNNING', 'freed before the run ended');
    server.assertHealthy();
    const later = await streamLog(`/v2/actor-runs/${run.id}/log?stream=1`);
    assert.match(later.text, /sleep: done/);
  });

  test('waiting streams cost no CPU', async () => {
    const run = await startRun(4);
    const streams = [];
    let firstLines = 0;
    for (let i = 0; i < 20; i += 1) {
      streams.push(
        streamLog(`/v2/actor-runs/${run.id}/log?stream=1`, {
          onPiece: (piece) => {
            if (piece.text.includes('sleep: sleeping')) firstLines += 1;
          },
        }),
      );
    }
    // Under load (and the sanitizers) the actor can take seconds to start.
    const until = Date.now() + 15_000;
    while (firstLines < 20 && Date.now() < until) await sleep(50);
    assert.equal(firstLines, 20, 'every stream got the first line');
    // 20 streams wait through 1.5 s of a quiet run. Busy polling would
    // take a core; waiting suspended takes next to nothing.
    const before = await cpuMs();
    await sleep(1500);
    const used = (await cpuMs()) - before;
    assert.ok(used < 300, `actord used ${used} ms of CPU in 1500 ms with 20 waiting streams`);
    const results = await Promise.all(streams);
    for (const result of results) assert.match(result.text, /sleep: done/);
  });
});

describe('stopping actord', () => {
  test('SIGTERM ends open streams', async () => {
    const other = new ActordServer({ killGraceSecs: 1 });
    await other.start();
    try {
      const { task: sleepTask } = await other.deployTask('sleep');
      const res = await other.api('POST', `/v2/actor-tasks/${sleepTask.id}/runs`, { body: { seconds: 30 } });
      const run = expectStatus(res, 201).data;
      let sawFirstLine;
      const firstLine = new Promise((resolve) => {
        sawFirstLine = resolve;
      });
      const streams = [null, 'gzip'].map((coding) =>
        streamLog(`/v2/actor-runs/${run.id}/log?stream=1`, {
          on: other,
          headers: coding ? { 'accept-encoding': coding } : {},
          onPiece: (piece) => {
            if (piece.text.includes('sleep: sleeping')) sawFirstLine();
          },
        }),
      );
      await firstLine;
      await sleep(300);
      const stopping = other.stop();
      // Both streams end with the abort lines, well before the run's 30 s.
      for (const stream of await Promise.all(streams)) {
        assert.equal(stream.status, 200);
        assert.match(stream.text, /actord is stopping; aborting the run\./);
        assert.match(stream.text, /The run ended with status ABORTED/);
      }
      await stopping;
    } finally {
      if (other.process) await other.stop();
    }
  });
});
