// `actord push DIR`, and the example site-crawler actor crawling a small
// site served on 127.0.0.1 by this test.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  FIXTURES_DIR,
  REPO_DIR,
  expectError,
  expectStatus,
  freePort,
  readFixtureActorJson,
  runActordCli,
  useServer,
} from './lib/harness.mjs';

const server = useServer();
const SITE_CRAWLER_DIR = path.join(REPO_DIR, 'examples/actors/site-crawler');

function push(dir, { url = server.url, token = server.token } = {}) {
  return runActordCli(['push', dir], { env: { ACTORD_URL: url, ACTORD_TOKEN: token } });
}

function lastLine(text) {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1].trim();
}

/** Writes {path: content} into a new temp dir and returns its path. */
async function writeActorDir(files) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'actord-push-test-'));
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  return dir;
}

describe('actord push', () => {
  const tempDirs = [];

  after(async () => {
    for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
  });

  test('sends environmentVariables and keeps what the push does not change', async () => {
    const name = `push-env-${Date.now()}`;
    const files = {
      '.actor/actor.json': JSON.stringify({ actorSpecification: 1, name, version: '0.1', environmentVariables: { GREETING: 'hello' } }),
      'Dockerfile': 'FROM python:3\nCMD ["python3", "main.py"]\n',
      'main.py': 'import os\nprint("greeting", os.environ.get("GREETING"), os.environ.get("TOKEN_SET"))\n',
    };
    const dir = await writeActorDir(files);
    tempDirs.push(dir);
    const first = await push(dir);
    assert.equal(first.code, 0, `push failed:\n${first.stdout}\n${first.stderr}`);
    const actor = expectStatus(await server.api('GET', `/v2/acts/~${name}`), 200).data;
    const vars = expectStatus(await server.api('GET', `/v2/acts/${actor.id}/versions/0.1/env-vars`), 200).data;
    assert.deepEqual(vars.items.map((v) => [v.name, v.value, v.isSecret]), [['GREETING', 'hello', false]]);

    // A secret set through the API, and another version, survive a push
    // whose actor.json has no environmentVariables.
    expectStatus(await server.api('POST', `/v2/acts/${actor.id}/versions/0.1/env-vars`, {
      body: { name: 'TOKEN_SET', value: 'yes', isSecret: true },
    }), 201);
    expectStatus(await server.api('POST', `/v2/acts/${actor.id}/versions`, {
      body: { versionNumber: '0.2', sourceType: 'SOURCE_FILES', sourceFiles: [{ name: 'main.py', format: 'TEXT', content: 'print(2)' }] },
    }), 201);
    await fs.writeFile(path.join(dir, '.actor/actor.json'), JSON.stringify({ actorSpecification: 1, name, version: '0.1' }));
    const second = await push(dir);
    assert.equal(second.code, 0, `push failed:\n${second.stdout}\n${second.stderr}`);
    const after = expectStatus(await server.api('GET', `/v2/acts/${actor.id}`), 200).data;
    assert.deepEqual(after.versions.map((v) => v.versionNumber).sort(), ['0.1', '0.2']);
    const varsAfter = expectStatus(await server.api('GET', `/v2/acts/${actor.id}/versions/0.1/env-vars`), 200).data;
    assert.deepEqual(varsAfter.items.map((v) => [v.name, v.isSecret]), [['GREETING', false], ['TOKEN_SET', true]]);
    const task = await server.createTask(actor.id);
    const run = expectStatus(await server.api('POST', `/v2/actor-tasks/${task.id}/runs?waitForFinish=60`), 201).data;
    const log = (await server.api('GET', `/v2/actor-runs/${run.id}/log`)).text;
    assert.match(log, /greeting hello yes/);

    await fs.writeFile(path.join(dir, '.actor/actor.json'), JSON.stringify({ actorSpecification: 1, name, version: '0.1', environmentVariables: { API_KEY: '@apiKey' } }));
    const secret = await push(dir);
    assert.notEqual(secret.code, 0);
    assert.match(secret.stderr, /environmentVariables\.API_KEY names the Apify CLI secret @apiKey, which actord push cannot read; leave it out and create it with POST/);

    await fs.writeFile(path.join(dir, '.actor/actor.json'), JSON.stringify({ actorSpecification: 1, name, version: '0.1', environmentVariables: ['A'] }));
    const notObject = await push(dir);
    assert.notEqual(notObject.code, 0);
    assert.match(notObject.stderr, /environmentVariables in \.actor\/actor\.json must be an object of names and string values/);
  });

  test('prints the build number', async () => {
    const dir = path.join(FIXTURES_DIR, 'push-items');
    const { name } = await readFixtureActorJson('push-items');
    const first = await push(dir);
    assert.equal(first.code, 0, `push failed:\n${first.stdout}\n${first.stderr}`);
    assert.equal(lastLine(first.stdout), '0.1.1', first.stdout);

    const actor = expectStatus(await server.api('GET', `/v2/acts/~${name}`), 200).data;
    assert.equal(actor.name, name);
    const files = actor.versions[0].sourceFiles.map((file) => file.name);
    for (const file of ['main.py', 'Dockerfile', '.actor/actor.json']) {
      assert.ok(files.includes(file), `pushed files lack ${file}: ${files}`);
    }

    const second = await push(dir);
    assert.equal(second.code, 0, `second push failed:\n${second.stderr}`);
    assert.equal(lastLine(second.stdout), '0.1.2', second.stdout);

    const task = await server.createTask(actor.id, { input: { count: 2 } });
    const items = await server.runSyncItems(task.id, { body: {} });
    assert.equal(items.length, 2);
  });

  test('push updates the source', async () => {
    const dir = await writeActorDir({
      '.actor/actor.json': JSON.stringify({ actorSpecification: 1, name: 'pushed-twice', version: '0.3' }),
      Dockerfile: 'CMD ["python3", "main.py"]\n',
      'main.py': 'print("first source")\n',
    });
    tempDirs.push(dir);
    const first = await push(dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(lastLine(first.stdout), '0.3.1');

    await fs.writeFile(path.join(dir, 'main.py'), 'print("second source")\n');
    const second = await push(dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(lastLine(second.stdout), '0.3.2');
    const actor = expectStatus(await server.api('GET', '/v2/acts/~pushed-twice'), 200).data;
    const version = actor.versions.find((entry) => entry.versionNumber === '0.3');
    const mainPy = version.sourceFiles.find((file) => file.name === 'main.py');
    assert.equal(mainPy.content, 'print("second source")\n');
  });

  test('wrong token fails', async () => {
    const result = await push(path.join(FIXTURES_DIR, 'sleep'), { token: 'wrong-token' });
    assert.notEqual(result.code, 0, 'push with a wrong token exited 0');
    assert.ok(result.stderr.trim().length > 0, 'push with a wrong token printed no message');
    expectError(await server.api('GET', '/v2/acts/~sleep'), 404, 'record-not-found');
  });

  test('missing actor.json fails', async () => {
    const dir = await writeActorDir({ Dockerfile: 'CMD ["python3", "main.py"]\n', 'main.py': 'print(1)\n' });
    tempDirs.push(dir);
    const result = await push(dir);
    assert.notEqual(result.code, 0, 'push without .actor/actor.json exited 0');
    assert.match(result.stderr, /actor\.json/, `the message does not name actor.json: ${result.stderr}`);
  });

  test('missing directory fails', async () => {
    const result = await push(path.join(os.tmpdir(), 'actord-no-such-dir-7f3a'));
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.trim().length > 0, 'no message for a missing directory');
  });

  test('failed build fails', async () => {
    const dir = await writeActorDir({
      '.actor/actor.json': JSON.stringify({ actorSpecification: 1, name: 'no-command', version: '0.1' }),
      'main.py': 'print(1)\n',
    });
    tempDirs.push(dir);
    const result = await push(dir);
    assert.notEqual(result.code, 0, `push of an actor without a command exited 0:\n${result.stdout}`);
    assert.match(result.stderr, /FAILED|fail/i, `the message does not say the build failed: ${result.stderr}`);
  });

  test('unreachable server fails', async () => {
    const closedPort = await freePort();
    const result = await push(path.join(FIXTURES_DIR, 'sleep'), { url: `http://127.0.0.1:${closedPort}` });
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.trim().length > 0, 'no message when the server is unreachable');
  });
});

describe('site-crawler example', () => {
  let site;
  let offSite;
  let offSiteHits = 0;
  let task;

  function page(title, body, description) {
    const meta = description ? `<meta name="description" content="${description}">` : '';
    return `<!doctype html><html><head><title>${title}</title>${meta}</head><body>${body}</body></html>`;
  }

  before(async () => {
    const offSitePort = await freePort();
    offSite = http.createServer((req, res) => {
      offSiteHits += 1;
      res.end('off-site');
    });
    await new Promise((resolve) => offSite.listen(offSitePort, '127.0.0.1', resolve));

    const pages = {
      '/': page(
        'Home page',
        '<h1>Welcome</h1><p>Start here.</p>' +
          '<a href="/about.html">About</a> <a href="docs/guide.html">Guide</a> ' +
          '<a href="/missing.html">Missing</a> <a href="/logo.png">Logo</a> ' +
          `<a href="http://127.0.0.1:${offSitePort}/elsewhere.html">Elsewhere</a>`,
        'The home page of the test site',
      ),
      '/about.html': page('About us', '<h1>About</h1><h2>Team</h2><a href="/">Home</a>'),
      '/docs/guide.html': page('Guide', '<h1>Guide</h1><h2>Install</h2><h2>Use</h2><a href="../about.html">About</a>'),
    };
    site = http.createServer((req, res) => {
      const pathname = new URL(req.url, 'http://127.0.0.1').pathname;
      if (pages[pathname]) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(pages[pathname]);
      } else if (pathname === '/logo.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from('89504e470d0a1a0a', 'hex'));
      } else {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end(page('Not found', '<h1>Not found</h1>'));
      }
    });
    const sitePort = await freePort();
    await new Promise((resolve) => site.listen(sitePort, '127.0.0.1', resolve));
    site.origin = `http://127.0.0.1:${sitePort}`;

    const result = await push(SITE_CRAWLER_DIR);
    assert.equal(result.code, 0, `push of the site crawler failed:\n${result.stdout}\n${result.stderr}`);
    assert.equal(lastLine(result.stdout), '0.1.1');
    const actor = expectStatus(await server.api('GET', '/v2/acts/~site-crawler'), 200).data;
    task = await server.createTask(actor.id, {
      input: { startUrls: [{ url: `${site.origin}/` }], maxPagesPerCrawl: 50 },
      options: { timeoutSecs: 120 },
    });
  });

  after(async () => {
    site?.close();
    offSite?.close();
  });

  test('crawls the whole site', async () => {
    const items = await server.runSyncItems(task.id, { body: {} });
    const byUrl = Object.fromEntries(items.map((item) => [item.url, item]));
    assert.deepEqual(
      Object.keys(byUrl).sort(),
      [`${site.origin}/`, `${site.origin}/about.html`, `${site.origin}/docs/guide.html`, `${site.origin}/missing.html`],
      JSON.stringify(items, null, 1),
    );

    const home = byUrl[`${site.origin}/`];
    assert.equal(home.title, 'Home page');
    assert.equal(home.description, 'The home page of the test site');
    assert.equal(home.httpStatus, 200);
    assert.match(JSON.stringify(home.headings), /Welcome/);
    assert.ok(home.links.includes(`${site.origin}/about.html`), JSON.stringify(home.links));
    assert.ok(home.links.includes(`${site.origin}/docs/guide.html`), JSON.stringify(home.links));
    assert.equal(typeof home.textLength, 'number');
    assert.ok(home.textLength > 0);

    const guide = byUrl[`${site.origin}/docs/guide.html`];
    assert.equal(guide.title, 'Guide');
    assert.match(JSON.stringify(guide.headings), /Install/);
    assert.match(JSON.stringify(guide.headings), /Use/);

    assert.equal(byUrl[`${site.origin}/missing.html`].httpStatus, 404);
    assert.equal(offSiteHits, 0, 'the crawler left the start URL host');

    const run = await server.lastRun(task.id);
    assert.equal(run.status, 'SUCCEEDED');
    assert.match(run.statusMessage ?? '', /Finished/);
  });

  test('input override limits pages', async () => {
    const items = await server.runSyncItems(task.id, { body: { maxPagesPerCrawl: 2 } });
    assert.equal(items.length, 2, JSON.stringify(items, null, 1));
    assert.equal(items[0].url, `${site.origin}/`);
  });

  test('schema default fills maxPagesPerCrawl', async () => {
    const actor = expectStatus(await server.api('GET', '/v2/acts/~site-crawler'), 200).data;
    const bare = await server.createTask(actor.id, { input: { startUrls: [{ url: `${site.origin}/` }] } });
    await server.runSyncItems(bare.id, { body: {} });
    const run = await server.lastRun(bare.id);
    const input = expectStatus(
      await server.api('GET', `/v2/key-value-stores/${run.defaultKeyValueStoreId}/records/INPUT`),
      200,
    ).json;
    assert.equal(input.maxPagesPerCrawl, 20);
    assert.equal(input.requestTimeoutSecs, 10);
  });

  test('missing startUrls is 400', async () => {
    const actor = expectStatus(await server.api('GET', '/v2/acts/~site-crawler'), 200).data;
    const empty = await server.createTask(actor.id, { input: {} });
    const error = expectError(await server.runSync(empty.id, { body: {} }), 400, 'invalid-input');
    assert.match(error.message, /startUrls/);
    assert.equal(await server.lastRun(empty.id), null, 'invalid input created a run');
  });

  test('out-of-range maxPagesPerCrawl is 400', async () => {
    const error = expectError(await server.runSync(task.id, { body: { maxPagesPerCrawl: 0 } }), 400, 'invalid-input');
    assert.match(error.message, /maxPagesPerCrawl/);
  });
});
