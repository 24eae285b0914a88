// Export cases: each case of fixtures/export-cases.json pushes its items to
// a fresh dataset (through a real run of the push-raw actor) and checks the
// response to its query, on GET /v2/datasets/:id/items and on
// run-sync-get-dataset-items with the same query.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { ActordServer, REPO_DIR, expectStatus } from './lib/harness.mjs';

const cases = JSON.parse(readFileSync(path.join(REPO_DIR, 'tests/api/fixtures/export-cases.json'), 'utf8'));
const server = new ActordServer();
let task;

before(async () => {
  await server.start();
  ({ task } = await server.deployTask('push-raw'));
});

afterEach(() => {
  server.assertHealthy();
});

after(async () => {
  await server.stop();
});

/** Checks a response against a case; `status` is the success status of the route. */
function checkCase(c, res, status) {
  const label = `${c.name}: ${res.describe()}`;
  assert.equal(res.status, c.status === 200 ? status : c.status, label);
  if (c.content_type) assert.ok((res.header('content-type') ?? '').startsWith(c.content_type), label);
  if (c.expect_text !== undefined) assert.equal(res.text, c.expect_text, label);
  if (c.expect_json !== undefined) {
    // Stringify both sides so that key order counts too.
    assert.equal(JSON.stringify(res.json), JSON.stringify(c.expect_json), label);
  }
  if (c.expect_jsonl !== undefined) {
    const lines = res.text.split('\n').filter((line) => line !== '');
    assert.equal(JSON.stringify(lines.map((line) => JSON.parse(line))), JSON.stringify(c.expect_jsonl), label);
  }
  for (const part of c.expect_contains ?? []) assert.ok(res.text.includes(part), `${label}\nmissing: ${part}`);
  for (const [name, value] of Object.entries(c.expect_headers ?? {})) {
    assert.equal(res.header(name), value, `${label}\nheader ${name}`);
  }
  if (c.expect_error_type) assert.equal(res.json?.error?.type, c.expect_error_type, label);
}

describe('export cases', () => {
  for (const c of cases) {
    test(`dataset: ${c.name}`, async () => {
      const itemsJson = JSON.stringify(c.items);
      const items = await server.runSyncItems(task.id, { body: { itemsJson } });
      assert.equal(items.length, c.items.length, 'the run stored every item');
      const run = await server.lastRun(task.id);
      const res = await server.api('GET', `/v2/datasets/${run.defaultDatasetId}/items?${c.query}`);
      checkCase(c, res, 200);
    });

    test(`run-sync: ${c.name}`, async () => {
      const itemsJson = JSON.stringify(c.items);
      const target = `/v2/actor-tasks/${task.id}/run-sync-get-dataset-items?${c.query}`;
      const res = await server.api('POST', target, { body: { itemsJson } });
      checkCase(c, res, 201);
    });
  }

  test('cases file is not empty', () => {
    assert.ok(cases.length > 0);
    expectStatus({ status: 200, describe: () => '' }, 200);
  });
});
