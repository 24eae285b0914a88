// actord serve: startup on an empty data dir, the admin user and its token,
// --help, SIGTERM, restart on the same data dir, and `actord user add`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  ActordServer,
  expectStatus,
  FIXTURES_DIR,
  openRequest,
  raceTimeout,
  readSourceFiles,
  runActordCli,
  sleep,
  uniqueName,
} from './lib/harness.mjs';

async function makeDataDir() {
  return fs.mkdtemp(path.join(os.tmpdir(), 'actord-serve-test-'));
}

/** Starts a server, runs fn(server), and always stops it. */
async function withServer(options, fn) {
  const server = new ActordServer(options);
  await server.start();
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

describe('help', () => {
  test('top-level help lists commands and options', async () => {
    const result = await runActordCli(['--help']);
    assert.equal(result.code, 0, `actord --help exit code; stderr:\n${result.stderr}`);
    const text = result.stdout + result.stderr;
    for (const word of ['serve', 'user add', 'push', '--listen', '--data-dir', '--sync-wait-secs', '--log-level']) {
      assert.ok(text.includes(word), `actord --help does not mention ${word}:\n${text}`);
    }
  });

  test('serve help gives units and defaults', async () => {
    const result = await runActordCli(['serve', '--help']);
    assert.equal(result.code, 0, `actord serve --help exit code; stderr:\n${result.stderr}`);
    const text = result.stdout + result.stderr;
    for (const option of ['--listen', '--data-dir', '--sync-wait-secs', '--log-level']) {
      assert.ok(text.includes(option), `actord serve --help does not mention ${option}:\n${text}`);
    }
    for (const level of ['debug', 'info', 'warn', 'error']) {
      assert.ok(text.includes(level), `actord serve --help does not list log level ${level}:\n${text}`);
    }

    // Each option of serve is a line starting with "--", followed by
    // indented continuation lines; every such block must give a default.
    const blocks = [];
    for (const line of text.split('\n')) {
      if (/^\s*--[a-z]/.test(line)) blocks.push(line);
      else if (blocks.length > 0 && /^\s{8,}\S/.test(line)) blocks[blocks.length - 1] += ` ${line.trim()}`;
      else if (blocks.length > 0 && line.trim() === '') break;
    }
    assert.ok(blocks.length >= 4, `no option list found in:\n${text}`);
    for (const block of blocks) {
      assert.match(block, /default/i, `option without a default: ${block}`);
    }
    const syncWait = blocks.find((block) => block.includes('--sync-wait-secs'));
    assert.match(syncWait, /300/, `--sync-wait-secs help does not give the default 300: ${syncWait}`);
    assert.match(syncWait, /second/i, `--sync-wait-secs help does not give the unit: ${syncWait}`);
  });
});

describe('first start', () => {
  test('generated token is in a 0600 file', async () => {
    const dataDir = await makeDataDir();
    try {
      await withServer({ dataDir, token: null }, async (server) => {
        const stat = await fs.stat(path.join(dataDir, 'token'));
        assert.equal(stat.mode & 0o777, 0o600, `token file mode is ${(stat.mode & 0o777).toString(8)}`);
        assert.match(server.token, /^\S{16,}$/, 'token file holds a token of at least 16 characters');
        // The database contains the tokens too.
        for (const name of ['actord.sqlite3', 'actord.sqlite3-wal', 'actord.sqlite3-shm']) {
          const mode = (await fs.stat(path.join(dataDir, name))).mode & 0o777;
          assert.equal(mode, 0o600, `${name} mode is ${mode.toString(8)}`);
        }

        const me = await server.me();
        assert.equal(me.username, 'admin');
        assert.equal(typeof me.id, 'string');
        assert.ok(me.id.length > 0);
      });
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('log names the token file, never the token', async () => {
    const dataDir = await makeDataDir();
    try {
      let output = '';
      await withServer({ dataDir, token: null, logLevel: 'debug' }, async (server) => {
        // Requests that carry the token in the query string, a header and a
        // body, so an access log or a debug dump would show it.
        await server.api('GET', `/v2/users/me?token=${server.token}`, { token: null });
        await server.api('GET', '/v2/users/me');
        await server.api('POST', `/v2/acts?token=${server.token}`, { body: { name: 'x' }, token: null });
        await sleep(200);
        output = server.output;
        assert.ok(!output.includes(server.token), `the log contains the token:\n${output}`);
        assert.ok(output.includes(path.join(dataDir, 'token')), `the log does not name the token file:\n${output}`);
      });
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('ACTORD_USERNAME and ACTORD_TOKEN set the user', async () => {
    await withServer({ username: 'jane-doe', token: 'env-token-0123456789abcdef' }, async (server) => {
      const me = await server.me();
      assert.equal(me.username, 'jane-doe');
      const wrong = await server.api('GET', '/v2/users/me', { token: 'env-token-0123456789abcdeX' });
      assert.equal(wrong.status, 401, wrong.describe());
    });
  });

  test('log levels are accepted', async () => {
    for (const logLevel of ['debug', 'info', 'warn', 'error']) {
      await withServer({ logLevel }, async (server) => {
        await server.me();
      });
    }
  });
});

describe('stop and restart', () => {
  test('SIGTERM exits 0 while idle', async () => {
    const server = new ActordServer();
    await server.start();
    const started = Date.now();
    await server.stop();
    assert.ok(Date.now() - started < 10_000, 'actord took over 10 s to stop');
  });

  test('SIGTERM ends runs and their processes', async () => {
    const dataDir = await makeDataDir();
    try {
      const server = new ActordServer({ dataDir });
      await server.start();
      let waiting;
      let task;
      let run;
      let children;
      try {
        ({ task } = await server.deployTask('sleep', { input: { seconds: 30 } }));
        waiting = openRequest(`${server.url}/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        });
        waiting.request.end('{}');
        // Wait until the run has started, so stopping has a child process to end.
        const deadline = Date.now() + 20_000;
        for (;;) {
          run = await server.lastRun(task.id);
          if (run && run.status === 'RUNNING') break;
          assert.ok(Date.now() < deadline, `run did not reach RUNNING: ${JSON.stringify(run)}`);
          await sleep(100);
        }
        children = await server.childProcessIds();
        assert.ok(children.length > 0, 'actord has no child process while a run is RUNNING');
      } catch (error) {
        await server.stop();
        throw error;
      }
      await server.stop({ removeDataDir: false });

      // The run ends ABORTED, and a run that ends ABORTED is 400 run-failed.
      const response = await raceTimeout(
        waiting.response.catch((error) => ({ status: null, text: `connection failed: ${error.code}` })),
        5000,
        { status: null, text: 'no response within 5 s' },
      );
      assert.equal(response.status, 400, `waiting sync request after SIGTERM: ${response.status} ${response.text}`);
      assert.equal(response.json?.error?.type, 'run-failed', response.text);
      assert.equal(
        response.json.error.message,
        `Actor run did not succeed (run ID: ${run.id}, status: ABORTED)`,
      );

      for (const pid of children) {
        const alive = await fs.access(`/proc/${pid}`).then(
          () => true,
          () => false,
        );
        assert.ok(!alive, `actor process ${pid} still runs after actord stopped`);
      }

      const restarted = new ActordServer({ dataDir, token: server.token });
      await restarted.start();
      try {
        const after = await restarted.getRun(run.id);
        assert.equal(after.status, 'ABORTED', `run status after a SIGTERM of actord: ${after.status}`);
        assert.match(after.finishedAt ?? '', /Z$/);
      } finally {
        await restarted.stop();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('restart keeps all data', async () => {
    const dataDir = await makeDataDir();
    try {
      const first = new ActordServer({ dataDir, token: null });
      await first.start();
      let saved;
      try {
        const { actor, build, task } = await first.deployTask('push-items', { input: { count: 3 } });
        const items = await first.runSyncItems(task.id);
        assert.equal(items.length, 3);
        const run = await first.lastRun(task.id);
        const recordPath = `/v2/key-value-stores/${run.defaultKeyValueStoreId}/records/kept-record`;
        const put = await first.api('PUT', recordPath, {
          body: 'kept across restarts',
          headers: { 'content-type': 'text/plain' },
        });
        expectStatus(put, 201);
        saved = { token: first.token, actor, build, task, run, recordPath, items };
      } catch (error) {
        await first.stop();
        throw error;
      }
      await first.stop({ removeDataDir: false });

      const second = new ActordServer({ dataDir, token: null });
      await second.start();
      try {
        assert.equal(second.token, saved.token, 'the generated token changed on restart');
        const actor = expectStatus(await second.api('GET', `/v2/acts/${saved.actor.id}`), 200).data;
        assert.equal(actor.name, saved.actor.name);
        const build = expectStatus(await second.api('GET', `/v2/actor-builds/${saved.build.id}`), 200).data;
        assert.equal(build.buildNumber, saved.build.buildNumber);
        assert.equal(build.status, 'SUCCEEDED');
        const task = expectStatus(await second.api('GET', `/v2/actor-tasks/${saved.task.id}`), 200).data;
        assert.equal(task.name, saved.task.name);
        assert.deepEqual(task.input, { count: 3 });

        const run = await second.getRun(saved.run.id);
        assert.equal(run.status, 'SUCCEEDED');
        assert.equal(run.defaultDatasetId, saved.run.defaultDatasetId);
        const last = await second.lastRun(saved.task.id);
        assert.equal(last.id, saved.run.id);

        const items = expectStatus(await second.api('GET', `/v2/datasets/${run.defaultDatasetId}/items`), 200);
        assert.deepEqual(items.json, saved.items);
        const record = expectStatus(await second.api('GET', saved.recordPath), 200);
        assert.equal(record.text, 'kept across restarts');
        const log = expectStatus(await second.api('GET', `/v2/actor-runs/${saved.run.id}/log`), 200);
        assert.match(log.text, /push-items: pushed 3 items/);

        // The restored build still runs.
        const again = await second.runSyncItems(saved.task.id);
        assert.equal(again.length, 3);
      } finally {
        await second.stop();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('user add', () => {
  test('creates a user while serving', async () => {
    await withServer({}, async (server) => {
      const name = uniqueName('second-user');
      const token = await server.addUser(name);
      assert.notEqual(token, server.token);
      const me = await server.me(token);
      assert.equal(me.username, name);
      const admin = await server.me();
      assert.notEqual(me.id, admin.id);
    });
  });
});

describe('older data dir', () => {
  // The runs table as the first release created it, before maxItems and
  // maxTotalChargeUsd had columns.
  const OLD_RUNS_TABLE =
    'CREATE TABLE runs (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, actor_id TEXT NOT NULL,' +
    ' task_id TEXT NOT NULL, build_id TEXT NOT NULL, build_number TEXT NOT NULL, status TEXT NOT NULL,' +
    ' status_message TEXT, message_terminal INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL,' +
    ' finished_at INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT -1,' +
    ' timeout_secs REAL NOT NULL, memory_mbytes INTEGER NOT NULL, dataset_id TEXT NOT NULL,' +
    ' kvs_id TEXT NOT NULL, rq_id TEXT NOT NULL, origin TEXT NOT NULL,' +
    ' input_body_len INTEGER NOT NULL, pid INTEGER NOT NULL DEFAULT 0);' +
    " INSERT INTO runs VALUES ('oldRun00000000001', 'u', 'a', '', 'b', '0.1.1', 'SUCCEEDED', NULL, 0," +
    " 1, 2, 0, 0, 1024, 'd', 'k', 'r', 'API', 0, 0);";

  test('gets the new run columns', async () => {
    const dataDir = await makeDataDir();
    try {
      const db = path.join(dataDir, 'actord.sqlite3');
      const made = spawnSync(
        'python3',
        ['-c', 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()', db, OLD_RUNS_TABLE],
        { encoding: 'utf8' },
      );
      assert.equal(made.status, 0, made.stderr);
      await withServer({ dataDir }, async (server) => {
        const { task } = await server.deployTask('print-env');
        const [item] = await server.runSyncItems(task.id, { query: { maxItems: '3' }, body: {} });
        assert.equal(item.env.ACTOR_MAX_PAID_DATASET_ITEMS, '3');
        assert.equal((await server.lastRun(task.id)).options.maxItems, 3);
        const old = await server.api('GET', '/v2/actor-runs/oldRun00000000001');
        assert.equal(old.status, 200, old.describe());
        assert.equal(old.json.data.options.maxItems, undefined);
      });
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  // The builds table before builds kept the envVars of their version.
  const OLD_BUILDS_TABLE =
    'CREATE TABLE builds (id TEXT PRIMARY KEY, actor_id TEXT NOT NULL, user_id TEXT NOT NULL,' +
    ' version TEXT NOT NULL, seq INTEGER NOT NULL, number TEXT NOT NULL, status TEXT NOT NULL,' +
    ' command TEXT, input_schema TEXT, doc TEXT NOT NULL, UNIQUE (actor_id, number));' +
    " INSERT INTO builds VALUES ('oldBuild000000001', 'a', 'u', '0.1', 1, '0.1.1', 'SUCCEEDED'," +
    ' \'["true"]\', NULL, \'{"id":"oldBuild000000001"}\');';

  /**
   * Runs SQL on the database of dataDir with Python's sqlite3: a script of
   * statements, or with rows set one query whose rows it returns.
   */
  function sqlite(dataDir, sql, { rows = false } = {}) {
    const script =
      'import json, sqlite3, sys\n' +
      'c = sqlite3.connect(sys.argv[1])\n' +
      'if sys.argv[3] == "rows":\n' +
      '    print(json.dumps(c.execute(sys.argv[2]).fetchall()))\n' +
      'else:\n' +
      '    c.executescript(sys.argv[2])\n' +
      '    c.commit()\n' +
      '    print("[]")\n';
    const db = path.join(dataDir, 'actord.sqlite3');
    const result = spawnSync('python3', ['-c', script, db, sql, rows ? 'rows' : 'script'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  }

  test('gets the build column for environment variables', async () => {
    const dataDir = await makeDataDir();
    try {
      sqlite(dataDir, OLD_BUILDS_TABLE);
      let actorId;
      await withServer({ dataDir }, async (server) => {
        const sourceFiles = await readSourceFiles(path.join(FIXTURES_DIR, 'print-env'));
        const body = {
          name: uniqueName('old-builds'),
          versions: [{ versionNumber: '0.1', sourceType: 'SOURCE_FILES', sourceFiles, envVars: [{ name: 'KEPT', value: 'yes' }] }],
        };
        actorId = expectStatus(await server.api('POST', '/v2/acts', { body }), 201).data.id;
        const build = await server.buildActor(actorId);
        assert.equal(build.status, 'SUCCEEDED', JSON.stringify(build));
        const run = expectStatus(await server.api('POST', `/v2/acts/${actorId}/runs?waitForFinish=60`), 201).data;
        assert.equal((await server.waitForRun(run.id)).status, 'SUCCEEDED');
      });
      const rows = sqlite(dataDir, 'SELECT id, env_vars FROM builds ORDER BY rowid', { rows: true });
      assert.deepEqual(rows[0], ['oldBuild000000001', null]);
      assert.equal(rows.length, 2);
      assert.deepEqual(JSON.parse(rows[1][1]), [{ name: 'KEPT', value: 'yes', isSecret: false }]);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
