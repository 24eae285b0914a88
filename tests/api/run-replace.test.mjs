// POST /v2/actor-runs/:id/reboot and /metamorph: the run's process is
// killed and the run starts again in place, with the same id and
// storages. A metamorph runs another actor's build with its input under
// INPUT-METAMORPH-N. The actors here are small Python programs; the SDK's
// own calls are in tests/compat/sdk.test.mjs.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, textSourceFiles, uniqueName, useServer } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const server = useServer();

// Shared by the actors: API calls with the run's token.
const PRELUDE = `import json, os, sys, time, urllib.request

BASE = os.environ["APIFY_API_BASE_URL"].rstrip("/") + "/v2"
RUN = os.environ["ACTOR_RUN_ID"]
STORE = os.environ["ACTOR_DEFAULT_KEY_VALUE_STORE_ID"]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + os.environ["APIFY_TOKEN"])
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def push(item):
    call("POST", "/datasets/" + os.environ["ACTOR_DEFAULT_DATASET_ID"] + "/items", item)


def record(key):
    status, body = call("GET", "/key-value-stores/" + STORE + "/records/" + key)
    return json.loads(body) if status == 200 else None
`;

// Reboots itself once; a record in its store marks the second start.
const REBOOTING = `${PRELUDE}
if record("REBOOTED") is None:
    call("PUT", "/key-value-stores/" + STORE + "/records/REBOOTED", {"once": True})
    push({"phase": 1})
    status, body = call("POST", "/actor-runs/" + RUN + "/reboot")
    print("reboot answered", status, json.loads(body)["data"]["status"], flush=True)
    time.sleep(60)
    sys.exit(3)
push({"phase": 2, "inputKey": os.environ["ACTOR_INPUT_KEY"]})
`;

// Metamorphs into the actor its input names, with a new input.
const METAMORPHING = `${PRELUDE}
run_input = record("INPUT")
push({"actor": "first", "input": run_input})
target = run_input["target"]
status, body = call("POST", "/actor-runs/" + RUN + "/metamorph?targetActorId=" + target, {"greeting": "hello"})
print("metamorph answered", status, flush=True)
time.sleep(60)
sys.exit(3)
`;

// The target: reports its input, found under ACTOR_INPUT_KEY.
const TARGET = `${PRELUDE}
key = os.environ["ACTOR_INPUT_KEY"]
push({"actor": "target", "inputKey": key, "input": record(key),
      "buildNumber": os.environ["ACTOR_BUILD_NUMBER"]})
`;

const SCHEMA = JSON.stringify({
  title: 'target', type: 'object', schemaVersion: 1,
  properties: {
    greeting: { title: 'Greeting', type: 'string', description: 'a word', editor: 'textfield' },
    times: { title: 'Times', type: 'integer', description: 'a count', default: 2 },
  },
});

async function deploy(main, extra = {}) {
  const actor = await server.createActor(uniqueName('replace'), textSourceFiles({ 'src/__main__.py': main, ...extra }));
  const build = await server.buildActor(actor.id);
  assert.equal(build.status, 'SUCCEEDED');
  return actor;
}

async function runLog(id) {
  return (await server.api('GET', `/v2/actor-runs/${id}/log`)).text;
}

describe('reboot', () => {
  test('the run starts again with its storages and ends once', async () => {
    const actor = await deploy(REBOOTING);
    const task = await server.createTask(actor.id);
    const res = await server.runSync(task.id);
    const run = await server.lastRun(task.id);
    const log = await runLog(run.id);
    expectStatus(res, 201);
    assert.deepEqual(res.json, [{ phase: 1 }, { phase: 2, inputKey: 'INPUT' }], log);
    assert.match(log, /Rebooting the run\./);
    assert.match(log, /The run was rebooted; starting it again\./);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.stats.restartCount, 0);
    assert.equal(run.exitCode, 0);
  });
});

describe('metamorph', () => {
  let target;
  let first;
  before(async () => {
    target = await deploy(TARGET, { '.actor/input_schema.json': SCHEMA });
    first = await deploy(METAMORPHING);
  });

  test('the run goes on as the target actor with the new input', async () => {
    const task = await server.createTask(first.id, { input: { target: target.id } });
    const res = await server.runSync(task.id);
    const run = await server.lastRun(task.id);
    const log = await runLog(run.id);
    expectStatus(res, 201);
    assert.equal(res.json.length, 2, log);
    assert.deepEqual(res.json[0], { actor: 'first', input: { target: target.id } });
    assert.deepEqual(res.json[1], {
      actor: 'target', inputKey: 'INPUT-METAMORPH-1', input: { greeting: 'hello', times: 2 }, buildNumber: '0.1.1',
    });
    assert.match(log, /The run was metamorphed; starting the target actor\./);
    assert.match(log, new RegExp(`Starting the run ${run.id} of admin/${target.name}, build 0\\.1\\.1\\.`));
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.actId, first.id, 'the run stays a run of the first actor');
    assert.equal(run.metamorphs.length, 1);
    const [entry] = run.metamorphs;
    assert.equal(entry.actorId, target.id);
    assert.equal(entry.inputKey, 'INPUT-METAMORPH-1');
    assert.ok(Date.parse(entry.createdAt) >= Date.parse(run.startedAt));
    assert.equal(run.buildId, entry.buildId);
    assert.equal(run.buildNumber, '0.1.1');
  });

  test('bad requests name the problem', async () => {
    const { actor: sleeper } = await server.deployFixture('sleep');
    const started = expectStatus(await server.api('POST', `/v2/acts/${sleeper.id}/runs`, { body: { seconds: 30 } }), 201).data;
    const id = started.id;
    const starts = async () => (await runLog(id)).match(/sleeping 30 s/g)?.length ?? 0;
    for (let i = 0; i < 200 && (await starts()) < 1; i++) await new Promise((r) => setTimeout(r, 50));

    let res = await server.api('POST', `/v2/actor-runs/${id}/metamorph`);
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, /Parameter 'targetActorId' is required/);
    expectError(await server.api('POST', `/v2/actor-runs/${id}/metamorph?targetActorId=NoSuchActor12345`), 404, 'record-not-found');
    res = await server.api('POST', `/v2/actor-runs/${id}/metamorph?targetActorId=${target.id}&build=9.9.9`);
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, /Build '9\.9\.9' of the actor was not found/);
    res = await server.api('POST', `/v2/actor-runs/${id}/metamorph?targetActorId=${target.id}`, { body: { times: 'many' } });
    expectError(res, 400, 'invalid-input');
    res = await server.api('POST', `/v2/actor-runs/${id}/metamorph?targetActorId=${target.id}`, { body: [1, 2] });
    expectError(res, 400, 'invalid-input');
    const token = await server.addUser(uniqueName('other'));
    expectError(await server.api('POST', `/v2/actor-runs/${id}/reboot`, { token }), 403, 'permission-denied');
    assert.equal((await server.getRun(id)).metamorphs, undefined, 'refused metamorphs change nothing');

    const rebooted = expectStatus(await server.api('POST', `/v2/actor-runs/${id}/reboot`), 200).data;
    assert.equal(rebooted.id, id);
    assert.ok(['RUNNING', 'READY'].includes(rebooted.status), rebooted.status);
    for (let i = 0; i < 200 && (await starts()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await starts(), 2, `the process started twice:\n${await runLog(id)}`);

    expectStatus(await server.api('POST', `/v2/actor-runs/${id}/abort`), 200);
    const ended = await server.waitForRun(id);
    for (const route of ['reboot', `metamorph?targetActorId=${target.id}`]) {
      res = await server.api('POST', `/v2/actor-runs/${id}/${route}`);
      expectError(res, 400, 'invalid-input');
      assert.match(res.json.error.message, new RegExp(`Run ${id} is ${ended.status}; only a RUNNING run can be`));
    }
    expectError(await server.api('POST', '/v2/actor-runs/NoSuchRun1234567/reboot'), 404, 'record-not-found');
  });
});

// Fails on its first start and succeeds on the next, counting its starts
// in a record, so a resurrected run shows both.
const FAILS_FIRST = `${PRELUDE}
starts = (record("STARTS") or 0) + 1
call("PUT", "/key-value-stores/" + STORE + "/records/STARTS", starts)
push({"start": starts})
sys.exit(1 if starts == 1 else 0)
`;

describe('resurrect', () => {
  test('an ended run starts again with its storages and fires its webhook', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      const actor = await deploy(FAILS_FIRST);
      expectStatus(await server.api('POST', '/v2/webhooks', {
        body: {
          eventTypes: ['ACTOR.RUN.RESURRECTED'],
          condition: { actorId: actor.id },
          requestUrl: receiver.url('/hook'),
        },
      }), 201);
      const task = await server.createTask(actor.id);
      expectError(await server.runSync(task.id), 400, 'run-failed');
      const failed = await server.lastRun(task.id);
      assert.equal(failed.status, 'FAILED');

      const res = await server.api('POST', `/v2/actor-runs/${failed.id}/resurrect`);
      const resurrected = expectStatus(res, 200).data;
      assert.equal(resurrected.id, failed.id);
      assert.ok(['READY', 'RUNNING', 'SUCCEEDED'].includes(resurrected.status), resurrected.status);
      assert.equal(resurrected.stats.resurrectCount, 1);

      const done = await server.waitForRun(failed.id);
      assert.equal(done.status, 'SUCCEEDED');
      assert.equal(done.exitCode, 0);
      assert.equal(done.startedAt, failed.startedAt);
      assert.ok(Date.parse(done.finishedAt) >= Date.parse(failed.finishedAt));
      const items = expectStatus(await server.api('GET', `/v2/datasets/${done.defaultDatasetId}/items`), 200).json;
      assert.deepEqual(items, [{ start: 1 }, { start: 2 }]);
      assert.match(await runLog(done.id), /The run was resurrected; starting it again\./);

      const [hook] = await receiver.waitFor('/hook', 1);
      assert.equal(hook.json.eventType, 'ACTOR.RUN.RESURRECTED');
      assert.equal(hook.json.resource.id, failed.id);
    } finally {
      await receiver.stop();
    }
  });

  test('a run whose actor was deleted cannot be resurrected', async () => {
    const actor = await deploy(FAILS_FIRST);
    const task = await server.createTask(actor.id);
    expectError(await server.runSync(task.id), 400, 'run-failed');
    const failed = await server.lastRun(task.id);
    expectStatus(await server.api('DELETE', `/v2/acts/${actor.id}`), 204);
    const res = await server.api('POST', `/v2/actor-runs/${failed.id}/resurrect`);
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, /cannot be resurrected: its build 0\.1\.1 or that build's actor has been deleted\./);
    assert.equal((await server.getRun(failed.id)).status, 'FAILED');
  });

  test('a run that has not ended cannot be resurrected', async () => {
    const { actor: sleeper } = await server.deployFixture('sleep');
    const run = expectStatus(await server.api('POST', `/v2/acts/${sleeper.id}/runs`, { body: { seconds: 30 } }), 201).data;
    const res = await server.api('POST', `/v2/actor-runs/${run.id}/resurrect`);
    expectError(res, 400, 'invalid-input');
    assert.match(res.json.error.message, new RegExp(`^Run ${run.id} is (READY|RUNNING); only a run that has ended can be resurrected\\.$`));
    expectStatus(await server.api('POST', `/v2/actor-runs/${run.id}/abort`), 200);
  });
});

describe('run routes below runs/last', () => {
  test('log, abort and dataset statistics reach the last run', async () => {
    const { actor: sleeper, task } = await server.deployTask('sleep', { input: { seconds: 30 } });
    const run = expectStatus(await server.api('POST', `/v2/actor-tasks/${task.id}/runs`), 201).data;
    for (const base of [`/v2/actor-tasks/${task.id}/runs/last`, `/v2/acts/${sleeper.id}/runs/last`]) {
      expectStatus(await server.api('GET', `${base}/log`), 200);
      expectStatus(await server.api('GET', `${base}/dataset/statistics`), 200);
    }
    const aborted = expectStatus(await server.api('POST', `/v2/actor-tasks/${task.id}/runs/last/abort`), 200).data;
    assert.equal(aborted.id, run.id);
    assert.ok(['ABORTING', 'ABORTED'].includes(aborted.status), aborted.status);
    const ended = await server.waitForRun(run.id);
    assert.equal(ended.status, 'ABORTED');
    const log = await server.api('GET', `/v2/acts/${sleeper.id}/runs/last/log`);
    assert.match(log.text, /Aborting the run\.|The run was aborted\./);
    expectError(await server.api('POST', `/v2/acts/${sleeper.id}/runs/last/reboot`), 400, 'invalid-input');
    expectError(await server.api('GET', '/v2/actor-tasks/NoSuchTask123456/runs/last/log'), 404, 'record-not-found');
  });
});
