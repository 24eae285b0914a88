// Loaded into every Node.js process of the benchmark (NODE_OPTIONS=--import):
// the Apify CLI, npm, and the actor, both under the CLI and as actord's
// runs. It installs the compatibility tests' loopback-only guard, which
// rejects each TCP connection to a host other than 127.0.0.1 and appends
// the host to the file named by ACTORD_TEST_NET_LOG. actord does not pass
// ACTORD_* variables to its runs, so the benchmark names the file in
// SDKBENCH_NET_LOG and this copies it over before the guard reads it.

// process.env turns undefined into the string "undefined", hence the test.
if (process.env.SDKBENCH_NET_LOG && !process.env.ACTORD_TEST_NET_LOG) {
  process.env.ACTORD_TEST_NET_LOG = process.env.SDKBENCH_NET_LOG;
}
await import('../../tests/compat/cli/loopback-only.mjs');
