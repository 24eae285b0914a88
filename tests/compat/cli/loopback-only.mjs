// Loaded into every process of the Apify CLI that tests/compat/cli.test.mjs
// starts (NODE_OPTIONS=--import). It rejects each TCP connection to a host
// other than the loopback one, before any name lookup. It also appends the
// host to the file named by ACTORD_TEST_NET_LOG, so the test fails when the
// CLI tried to reach another machine.

import fs from 'node:fs';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const logFile = process.env.ACTORD_TEST_NET_LOG;
const connect = net.Socket.prototype.connect;

/** Returns the host of Socket#connect's arguments, or null for a Unix socket path. */
function targetHost(args) {
  let options = args[0];
  if (Array.isArray(options)) options = options[0];
  if (options && typeof options === 'object') {
    if (options.path) return null;
    return options.host ?? 'localhost';
  }
  if (typeof options === 'string' && Number.isNaN(Number(options))) return null;
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

net.Socket.prototype.connect = function connectLoopbackOnly(...args) {
  const host = targetHost(args);
  if (host === null || LOOPBACK.has(host)) return connect.apply(this, args);
  if (logFile) fs.appendFileSync(logFile, `${host}\n`);
  const error = Object.assign(new Error(`connection to ${host} rejected by the test's loopback-only guard`), {
    code: 'ECONNREFUSED',
  });
  process.nextTick(() => this.destroy(error));
  return this;
};
