// A webhook receiver for the API tests: an HTTP server on 127.0.0.1 that
// records every request and responds as a test plans.

import assert from 'node:assert/strict';
import http from 'node:http';

import { parseJsonOrUndefined, sleep } from './harness.mjs';

/**
 * An HTTP server on 127.0.0.1 that records each request as
 * { path, method, headers, text, json, at }. `plan(path, statuses)` sets
 * the statuses of the responses to the next requests to path, in order
 * ('hang' sends no response). After the plan, and for other paths, the
 * status is 200.
 */
export class Receiver {
  constructor() {
    this.requests = [];
    this.plans = new Map();
    this.hanging = [];
  }

  start() {
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = parseJsonOrUndefined(text);
        this.requests.push({ path: req.url, method: req.method, headers: req.headers, text, json, at: Date.now() });
        const plan = this.plans.get(req.url) ?? [];
        const answer = plan.length > 0 ? plan.shift() : 200;
        if (answer === 'hang') {
          this.hanging.push(res);
          return;
        }
        res.writeHead(answer, { 'content-type': 'text/plain' });
        res.end(`answer ${answer}`);
      });
    });
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  url(path) {
    return `http://127.0.0.1:${this.server.address().port}${path}`;
  }

  plan(path, statuses) {
    this.plans.set(path, [...statuses]);
  }

  received(path) {
    return this.requests.filter((r) => r.path === path);
  }

  /** Waits until path has received count requests; returns them. */
  async waitFor(path, count, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.received(path).length < count) {
      assert.ok(Date.now() < deadline, `${path} received ${this.received(path).length} of ${count} requests`);
      await sleep(50);
    }
    return this.received(path);
  }

  /**
   * Waits for the request about run runId on path. Runs of earlier tests
   * may end while a webhook with an actor condition exists, so other
   * requests can come first.
   */
  async waitForRun(path, runId, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received(path).find((r) => r.json?.resource?.id === runId);
      if (found) return found;
      assert.ok(Date.now() < deadline, `${path} received no request about run ${runId}`);
      await sleep(50);
    }
  }

  stop() {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
