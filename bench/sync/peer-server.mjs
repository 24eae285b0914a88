// The peer of the waiting-requests benchmark: a minimal Node.js HTTP server
// (node:http, no packages) that holds every request for --hold-secs and then
// answers 201 with a one-item JSON array, as run-sync-get-dataset-items
// answers after a run. GET /held returns how many requests it holds, so
// bench.py knows when all have arrived; GET /held is never held itself.
//
// Usage: node peer-server.mjs --port PORT --hold-secs SECONDS
// Prints "listening PORT" on stdout once it accepts connections.

import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'hold-secs': { type: 'string' },
  },
});
const port = Number(values.port);
const holdMs = Number(values['hold-secs']) * 1000;
if (!Number.isInteger(port) || !(holdMs >= 0)) {
  console.error('usage: node peer-server.mjs --port PORT --hold-secs SECONDS');
  process.exit(2);
}

let held = 0;
let answered = 0;

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/held') {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ held, answered }));
    return;
  }
  // The body is empty; read it to its end so the request completes.
  request.resume();
  held += 1;
  const ms = new URL(request.url, 'http://peer').searchParams.has('now') ? 0 : holdMs;
  setTimeout(() => {
    held -= 1;
    answered += 1;
    const body = JSON.stringify([{ n: answered, bench: 'sync-wait' }]);
    response.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' });
    response.end(body);
  }, ms);
});

// No limit on connections, and no request timeout shorter than the hold
// (Node.js 18 and later end requests after 300 s by default).
server.maxConnections = Infinity;
server.requestTimeout = 0;
server.headersTimeout = 60_000;
server.keepAliveTimeout = 5_000;
server.listen(port, '127.0.0.1', 1024, () => {
  console.log(`listening ${port}`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
