// Test harness for the black-box API tests: starts a real actord on a fresh
// data dir and a free loopback port, talks to it over HTTP, deploys test
// actors and stops it with SIGTERM.
//
// Environment:
//   ACTORD_BIN             server binary, relative to the repository root or
//                          absolute (default build/actord)
//   ACTORD_TEST_SHOW_LOG=1 copy the server's stdout and stderr to this stderr
//   ACTORD_TEST_KEEP_DATA=1 keep each temporary data dir after the test

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ACTORD_BIN = path.resolve(REPO_DIR, process.env.ACTORD_BIN || 'build/actord');
export const FIXTURES_DIR = path.join(REPO_DIR, 'tests/api/fixtures/actors');

// The X-Apify-Pagination-Limit value that means "no limit".
export const NO_LIMIT = '999999999999';
// Maximum request body size, in bytes, that the Apify API accepts.
export const MAX_PAYLOAD_BYTES = 9437184;
export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED'];

// Lines that AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
// print on stderr when they find a bug.
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_CHARS = 8000;

let nameCounter = 0;

/** Parses text as JSON; returns undefined when it is not JSON. */
export function parseJsonOrUndefined(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Returns a name that is unique within this test process, such as "echo-3". */
export function uniqueName(prefix) {
  nameCounter += 1;
  return `${prefix}-${nameCounter}`;
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and closing the socket. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves like `promise`, or to `fallback` after `ms`. The timer is
 * cleared either way, so it does not keep the test process alive.
 */
export async function raceTimeout(promise, ms, fallback = null) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function tail(text, chars = OUTPUT_TAIL_CHARS) {
  return text.length > chars ? `...${text.slice(-chars)}` : text;
}

/** Returns the sanitizer report lines found in a process's output, or an empty list. */
export function findSanitizerReports(output) {
  return output.split('\n').filter((line) => SANITIZER_MARKERS.some((marker) => line.includes(marker)));
}

/** Returns the output from the first sanitizer report on, for an assertion message. */
function sanitizerExcerpt(output) {
  const starts = SANITIZER_MARKERS.map((marker) => output.indexOf(marker)).filter((index) => index >= 0);
  const start = output.lastIndexOf('\n', Math.min(...starts)) + 1;
  return output.slice(start, start + OUTPUT_TAIL_CHARS);
}

/**
 * Runs an actord command line (not `serve`) to completion.
 * Resolves to { code, signal, stdout, stderr } and never rejects on a
 * non-zero exit, but fails on a sanitizer report.
 */
export function runActordCli(args, { env = {}, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      ACTORD_BIN,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.signal) {
          reject(error);
          return;
        }
        const reports = findSanitizerReports(stderr);
        if (reports.length > 0) {
          reject(new Error(`actord ${args.join(' ')} reported a sanitizer error:\n${sanitizerExcerpt(stderr)}`));
          return;
        }
        resolve({ code: error ? error.code : 0, signal: error ? error.signal : null, stdout, stderr });
      },
    );
  });
}

/**
 * One HTTP response, with the body read in full.
 * `json` is the parsed body, or undefined when the body is not JSON.
 */
export class ApiResponse {
  constructor(request, status, headers, body) {
    this.request = request;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.text = body.toString('utf8');
    try {
      this.json = JSON.parse(this.text);
    } catch {
      this.json = undefined;
    }
  }

  /** "POST /v2/... -> 400 {...}", for assertion messages. */
  describe() {
    return `${this.request} -> ${this.status} ${tail(this.text, 1500)}`;
  }

  /** Returns the value of a response header, or null when it is absent. */
  header(name) {
    return this.headers.get(name);
  }

  /** The value of `data` in a `{"data": ...}` body. */
  get data() {
    return this.json?.data;
  }
}

/** Asserts the response status and returns the response, so calls can be chained. */
export function expectStatus(res, status) {
  assert.equal(res.status, status, `expected status ${status}: ${res.describe()}`);
  return res;
}

/**
 * Asserts an error response: the status, a JSON Content-Type and a body of
 * the form {"error":{"type","message"}} with the given type.
 * Returns the error object.
 */
export function expectError(res, status, type) {
  expectStatus(res, status);
  const contentType = res.header('content-type') ?? '';
  assert.match(contentType, /^application\/json/, `error Content-Type: ${res.describe()}`);
  assert.equal(typeof res.json?.error, 'object', `error body shape: ${res.describe()}`);
  assert.equal(res.json.error.type, type, `error type: ${res.describe()}`);
  assert.equal(typeof res.json.error.message, 'string', `error message: ${res.describe()}`);
  assert.ok(res.json.error.message.length > 0, `empty error message: ${res.describe()}`);
  return res.json.error;
}

/**
 * Asserts a 4xx response with a body of the form {"error":{"type","message"}},
 * for errors whose exact status and type the contract leaves open.
 */
export function expectClientError(res) {
  assert.ok(res.status >= 400, `expected a 4xx status: ${res.describe()}`);
  assert.ok(res.status < 500, `expected a 4xx status: ${res.describe()}`);
  assert.equal(typeof res.json?.error?.type, 'string', `error body shape: ${res.describe()}`);
  assert.equal(typeof res.json?.error?.message, 'string', `error body shape: ${res.describe()}`);
}

/** Reads an actor directory into the `sourceFiles` of an actor version. */
export async function readSourceFiles(dir, { format = 'TEXT' } = {}) {
  const files = [];
  async function walk(relative) {
    const entries = await fs.readdir(path.join(dir, relative), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') await walk(name);
      } else if (entry.isFile()) {
        const content = await fs.readFile(path.join(dir, name));
        files.push({
          name,
          format,
          content: format === 'BASE64' ? content.toString('base64') : content.toString('utf8'),
        });
      }
    }
  }
  await walk('');
  return files;
}

/** Turns {"main.py": "...", ...} into `sourceFiles` with format TEXT. */
export function textSourceFiles(filesByName) {
  return Object.entries(filesByName).map(([name, content]) => ({ name, format: 'TEXT', content }));
}

/** The parsed `.actor/actor.json` of a fixture actor. */
export async function readFixtureActorJson(fixture) {
  const text = await fs.readFile(path.join(FIXTURES_DIR, fixture, '.actor/actor.json'), 'utf8');
  return JSON.parse(text);
}

/**
 * Sends one HTTP request with node:http, for what fetch cannot do: a chosen
 * Content-Length, a chunked upload, a disconnect mid-request, or many
 * concurrent requests on one agent.
 *
 * Returns { request, response } where `request` is the http.ClientRequest,
 * already given its headers, and `response` is a promise of
 * { status, headers, text, json }. The caller writes the body and ends the
 * request. The promise rejects only when no response arrives.
 */
export function openRequest(url, { method = 'GET', headers = {}, agent } = {}) {
  const request = http.request(url, { method, headers, agent });
  const response = new Promise((resolve, reject) => {
    request.on('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: parseJsonOrUndefined(text) });
      });
    });
    request.on('error', reject);
  });
  // A response may arrive while the body is still being written, and writes
  // after the server closed the connection then fail with EPIPE or
  // ECONNRESET. The response promise reports what matters.
  request.on('error', () => {});
  response.catch(() => {});
  request.flushHeaders();
  return { request, response };
}

/**
 * Parses one HTTP/1.1 response from raw bytes. Skips 1xx interim responses.
 * Returns { status, headers, text, json, complete } or null when no complete
 * header block has arrived. Header names are lower case, and `complete` is
 * false while the body is shorter than its Content-Length.
 */
export function parseRawResponse(bytes) {
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    rest = rest.subarray(end + 4);
    if (status >= 100 && status < 200) continue;
    const length = headers['content-length'] === undefined ? rest.length : Number(headers['content-length']);
    const text = rest.subarray(0, length).toString('utf8');
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers, text, json, complete: rest.length >= length };
  }
}

/**
 * Sends a request over a raw TCP connection, the way a careful client
 * uploads a large body. It writes `head` (the request line and headers,
 * ending in an empty line) and waits `earlyResponseMs` for a response to
 * the headers alone, as a client sending `Expect: 100-continue` would. Then it
 * calls `writeBody(write)`, where `await write(buffer)` sends a piece of the
 * body and returns false once the server has responded or closed the
 * connection, so the caller stops sending. When `writeBody` returns, the
 * client only reads. Resolves to the parsed response once it is complete or
 * the connection closes, or null when none came within `timeoutMs`.
 *
 * The client never writes after the server has responded, because Node.js
 * drops unread response bytes when a write fails with EPIPE.
 */
export function rawExchange(port, head, writeBody, { timeoutMs = 15_000, earlyResponseMs = 300 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received = [];
    let responded = false;
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(received)));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => {
      received.push(chunk);
      const response = parseRawResponse(Buffer.concat(received));
      if (response) responded = true;
      if (response?.complete) finish();
    });
    socket.on('error', () => {
      closed = true;
    });
    socket.on('close', () => {
      closed = true;
      // Let the last 'data' event arrive before parsing what was received.
      setImmediate(finish);
    });
    const write = async (buffer) => {
      if (responded || closed || done) return false;
      if (!socket.write(buffer)) {
        await new Promise((resume) => {
          const check = setInterval(() => {
            if (socket.writableNeedDrain === false || responded || closed || done) {
              clearInterval(check);
              resume();
            }
          }, 5);
        });
      }
      return !(responded || closed || done);
    };
    socket.once('connect', async () => {
      socket.write(head);
      await sleep(earlyResponseMs);
      try {
        await writeBody(write);
      } catch {
        // The connection broke while writing; the response, if any, decides.
      }
    });
  });
}

/** A running (or stopped) actord process with its own data dir and port. */
export class ActordServer {
  /**
   * Options:
   *   dataDir       use this dir and keep it on stop (default: a new temp dir, removed on stop)
   *   token         the admin token given as ACTORD_TOKEN; null to let actord
   *                 generate one and read it from DATA_DIR/token (default: random)
   *   username      ACTORD_USERNAME (default: unset, so actord uses "admin")
   *   syncWaitSecs  --sync-wait-secs
   *   killGraceSecs --kill-grace-secs
   *   args          more command-line options of serve
   *   rateLimits    { standard, records, runs } for --rate-limit,
   *                 --rate-limit-records, --rate-limit-runs (default: all 0,
   *                 no limits)
   *   logLevel      --log-level
   *   env           extra environment variables
   *   openFileLimit start actord with this soft RLIMIT_NOFILE, as a login
   *                 shell's `ulimit -Sn` would (default: inherited)
   *   openFileHardLimit start actord with this hard (and soft)
   *                 RLIMIT_NOFILE, which actord cannot raise
   */
  constructor(options = {}) {
    this.options = options;
    this.process = null;
    this.output = '';
    this.exit = null;
  }

  /**
   * Starts actord and waits until it accepts requests. Calls made while it
   * starts wait for it, because Node.js 20 runs the `before` hooks of a test
   * file's top level concurrently.
   */
  start() {
    this.starting = this.startProcess();
    return this.starting;
  }

  async startProcess() {
    const options = this.options;
    this.ownsDataDir = !options.dataDir;
    this.dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'actord-test-')));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.token = options.token === undefined ? crypto.randomBytes(16).toString('hex') : options.token;

    const env = { ...process.env, ...options.env };
    delete env.ACTORD_TOKEN;
    delete env.ACTORD_USERNAME;
    if (this.token !== null) env.ACTORD_TOKEN = this.token;
    if (options.username) env.ACTORD_USERNAME = options.username;

    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir];
    if (options.syncWaitSecs !== undefined) args.push('--sync-wait-secs', String(options.syncWaitSecs));
    if (options.logLevel) args.push('--log-level', options.logLevel);
    if (options.killGraceSecs !== undefined) args.push('--kill-grace-secs', String(options.killGraceSecs));
    // Most tests send bursts no client of the platform may send, so rate
    // limits are off unless a test sets them.
    const limits = { standard: 0, records: 0, runs: 0, ...options.rateLimits };
    args.push('--rate-limit', String(limits.standard));
    args.push('--rate-limit-records', String(limits.records));
    args.push('--rate-limit-runs', String(limits.runs));
    if (options.args) args.push(...options.args);

    this.output = '';
    this.exit = null;
    if (options.openFileLimit || options.openFileHardLimit) {
      // The shell execs actord, so the child's PID is actord's.
      const limit = options.openFileHardLimit
        ? `ulimit -n ${Number(options.openFileHardLimit)}`
        : `ulimit -Sn ${Number(options.openFileLimit)}`;
      const script = `${limit} && exec "$0" "$@"`;
      this.process = spawn('/bin/sh', ['-c', script, ACTORD_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      this.process = spawn(ACTORD_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    }
    const showLog = process.env.ACTORD_TEST_SHOW_LOG === '1';
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        this.output += text;
        if (showLog) process.stderr.write(text);
      });
    }
    this.exited = new Promise((resolve) => {
      this.process.on('error', (error) => {
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
      this.process.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });

    await this.waitUntilReady();
    return this;
  }

  async waitUntilReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.exit) {
        throw new Error(`actord exited during startup (${JSON.stringify(this.exit)}):\n${tail(this.output)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`actord did not answer on ${this.url} within ${READY_TIMEOUT_MS} ms:\n${tail(this.output)}`);
      }
      try {
        await fetch(`${this.url}/v2/users/me`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch {
        await sleep(50);
      }
    }
    if (this.token === null) {
      this.token = (await fs.readFile(path.join(this.dataDir, 'token'), 'utf8')).trim();
    }
  }

  /** Throws when actord died or printed a sanitizer report, with its output in the message. */
  assertHealthy() {
    const reports = findSanitizerReports(this.output);
    assert.equal(reports.length, 0, `actord reported a sanitizer error:\n${sanitizerExcerpt(this.output)}`);
    if (this.process && this.exit && !this.stopping) {
      assert.fail(`actord exited unexpectedly (${JSON.stringify(this.exit)}):\n${tail(this.output)}`);
    }
  }

  /** Sends SIGTERM, waits for the exit and asserts exit code 0 and no sanitizer report. */
  async stop({ removeDataDir = this.ownsDataDir } = {}) {
    if (!this.process) return;
    this.stopping = true;
    if (!this.exit) this.process.kill('SIGTERM');
    const outcome = await raceTimeout(this.exited, STOP_TIMEOUT_MS);
    if (!outcome) {
      this.process.kill('SIGKILL');
      await this.exited;
      assert.fail(`actord did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM:\n${tail(this.output)}`);
    }
    this.process = null;
    this.stopping = false;
    const reports = findSanitizerReports(this.output);
    assert.equal(reports.length, 0, `actord reported a sanitizer error:\n${sanitizerExcerpt(this.output)}`);
    assert.deepEqual(outcome, { code: 0, signal: null }, `actord exit after SIGTERM:\n${tail(this.output)}`);
    if (removeDataDir && process.env.ACTORD_TEST_KEEP_DATA !== '1') {
      await fs.rm(this.dataDir, { recursive: true, force: true });
    }
  }

  /**
   * Sends a request with fetch and reads the whole response.
   *   body    an object or array is sent as JSON; a string or Buffer as is
   *   headers extra request headers
   *   token   the token for `Authorization: Bearer` (default: the admin
   *           token; null sends none)
   *   signal  an AbortSignal
   * `target` is a path such as "/v2/users/me" or a full URL.
   */
  async api(method, target, { body, headers = {}, token, signal } = {}) {
    await this.starting;
    const url = target.startsWith('http') ? target : `${this.url}${target}`;
    const requestHeaders = { ...headers };
    const bearer = token === undefined ? this.token : token;
    if (bearer !== null) requestHeaders.authorization = `Bearer ${bearer}`;

    let payload;
    if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        payload = body;
      } else {
        payload = JSON.stringify(body);
        if (!Object.keys(requestHeaders).some((name) => name.toLowerCase() === 'content-type')) {
          requestHeaders['content-type'] = 'application/json';
        }
      }
    }

    let res;
    try {
      res = await fetch(url, { method, headers: requestHeaders, body: payload, signal });
    } catch (error) {
      // A refused connection usually means that actord died, so report that with its output.
      await raceTimeout(this.exited, 500);
      const reason = error.cause?.code ?? error.cause?.message ?? error.message;
      if (this.exit && !this.stopping) {
        throw new Error(
          `${method} ${target} failed (${reason}) because actord exited (${JSON.stringify(this.exit)}):\n` +
            tail(this.output),
          { cause: error },
        );
      }
      throw new Error(`${method} ${target} failed (${reason}); actord output:\n${tail(this.output, 3000)}`, {
        cause: error,
      });
    }
    const buffer = Buffer.from(await res.arrayBuffer());
    const shownUrl = url.replace(this.url, '');
    return new ApiResponse(`${method} ${shownUrl}`, res.status, res.headers, buffer);
  }

  /** GET /v2/users/me with the given token; returns the user object. */
  async me(token) {
    return expectStatus(await this.api('GET', '/v2/users/me', { token }), 200).data;
  }

  /** Creates a user with `actord user add` and returns its token. */
  async addUser(name) {
    await this.starting;
    const result = await runActordCli(['user', 'add', name, '--data-dir', this.dataDir]);
    assert.equal(result.code, 0, `actord user add ${name} failed:\n${result.stderr}`);
    const lines = result.stdout.trim().split('\n');
    const token = lines[lines.length - 1].trim();
    assert.ok(token.length > 0, `actord user add ${name} printed no token`);
    return token;
  }

  /** POST /v2/acts with one version of the given source files; returns the actor. */
  async createActor(name, sourceFiles, { versionNumber = '0.1', token } = {}) {
    const body = {
      name,
      versions: [{ versionNumber, sourceType: 'SOURCE_FILES', buildTag: 'latest', sourceFiles }],
    };
    return expectStatus(await this.api('POST', '/v2/acts', { body, token }), 201).data;
  }

  /**
   * Builds an actor version and waits for the build to finish.
   * Returns the finished build object; does not check its status.
   */
  async buildActor(actorId, { version = '0.1', tag = 'latest', token } = {}) {
    const query = new URLSearchParams({ version, tag, waitForFinish: '60' });
    const res = await this.api('POST', `/v2/acts/${actorId}/builds?${query}`, { token });
    let build = expectStatus(res, 201).data;
    const deadline = Date.now() + 120_000;
    while (!TERMINAL_STATUSES.includes(build.status)) {
      assert.ok(Date.now() < deadline, `build ${build.id} still ${build.status} after 120 s`);
      await sleep(200);
      build = expectStatus(await this.api('GET', `/v2/actor-builds/${build.id}`, { token }), 200).data;
    }
    return build;
  }

  /**
   * Creates and builds an actor from tests/api/fixtures/actors/FIXTURE under
   * a unique name; asserts that the build succeeded. Returns { actor, build }.
   */
  async deployFixture(fixture, { name = uniqueName(fixture), token } = {}) {
    const sourceFiles = await readSourceFiles(path.join(FIXTURES_DIR, fixture));
    const actor = await this.createActor(name, sourceFiles, { token });
    const build = await this.buildActor(actor.id, { token });
    assert.equal(build.status, 'SUCCEEDED', `build of fixture ${fixture}: ${JSON.stringify(build)}`);
    return { actor, build };
  }

  /** POST /v2/actor-tasks; returns the task. */
  async createTask(actId, { name = uniqueName('task'), input = {}, options = {}, token } = {}) {
    const body = {
      actId,
      name,
      input,
      options: { build: 'latest', timeoutSecs: 60, memoryMbytes: 1024, ...options },
    };
    return expectStatus(await this.api('POST', '/v2/actor-tasks', { body, token }), 201).data;
  }

  /** Deploys a fixture actor and creates a task for it. Returns { actor, build, task }. */
  async deployTask(fixture, { input, options, token } = {}) {
    const { actor, build } = await this.deployFixture(fixture, { token });
    const task = await this.createTask(actor.id, { input, options, token });
    return { actor, build, task };
  }

  /**
   * Calls run-sync-get-dataset-items of a task.
   *   method  POST (default) or GET
   *   query   an object of query parameters
   *   body    the input override (POST only)
   */
  async runSync(taskId, { method = 'POST', query = {}, body, headers, token, signal } = {}) {
    const search = new URLSearchParams(query).toString();
    const target = `/v2/actor-tasks/${taskId}/run-sync-get-dataset-items${search ? `?${search}` : ''}`;
    return this.api(method, target, { body, headers, token, signal });
  }

  /** Calls run-sync-get-dataset-items, asserts 201 and returns the parsed items. */
  async runSyncItems(taskId, options) {
    const res = expectStatus(await this.runSync(taskId, options), 201);
    assert.ok(Array.isArray(res.json), `items must be a JSON array: ${res.describe()}`);
    return res.json;
  }

  /** GET /v2/actor-tasks/:id/runs/last; returns the run, or null on 404. */
  async lastRun(taskId, { token } = {}) {
    const res = await this.api('GET', `/v2/actor-tasks/${taskId}/runs/last`, { token });
    if (res.status === 404) return null;
    return expectStatus(res, 200).data;
  }

  /** GET /v2/actor-runs/:id; returns the run. */
  async getRun(runId, { token } = {}) {
    return expectStatus(await this.api('GET', `/v2/actor-runs/${runId}`, { token }), 200).data;
  }

  /** Polls a run until it reaches a terminal status; returns the run. */
  async waitForRun(runId, { timeoutMs = 60_000, token } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.getRun(runId, { token });
      if (TERMINAL_STATUSES.includes(run.status)) return run;
      assert.ok(Date.now() < deadline, `run ${runId} still ${run.status} after ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** PIDs of the server's child processes, read from /proc. */
  async childProcessIds() {
    const children = [];
    for (const entry of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) === this.process.pid) children.push(Number(entry));
      } catch {
        // The process ended while the list was read.
      }
    }
    return children;
  }

  /** Returns the process group ID of the server process, from /proc/PID/stat. */
  async processGroupId() {
    const stat = await fs.readFile(`/proc/${this.process.pid}/stat`, 'utf8');
    // The command name in field 2 is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  }
}

/**
 * Starts one actord for the calling test file: before all tests, stopped
 * after them, with a health check after each test that fails the test when
 * actord died or printed a sanitizer report.
 */
export function useServer(options = {}) {
  const server = new ActordServer(options);
  before(async () => {
    await server.start();
  });
  afterEach(() => {
    if (server.process) server.assertHealthy();
  });
  after(async () => {
    await server.stop();
  });
  return server;
}
