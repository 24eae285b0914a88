"""Measure a trivial apify SDK actor through actord and through `apify run`.

run.sh builds what it needs and calls this.
The trivial apify SDK actor in bench/sdk/actor is pushed to a fresh actord
and built once (npm ci, offline from npm's cache), and a task is made for
it. Then each round measures, one after another, so that all see the same
load:

- sync: POST /v2/actor-tasks/:id/run-sync-get-dataset-items on one
  keep-alive connection, from the request to the last byte of the items;
- cli: `apify run --purge --input JSON` of the pinned apify-cli in a copy
  of the same actor directory, from the command's start until its items
  are read and parsed from storage/datasets/default/*.json;
- bare-npm and bare-node: `npm start --silent` (the Dockerfile's CMD, as
  actord runs it) and `node main.js`, started here with the environment
  actord gives a run, against storages made beforehand on actord, until
  the items are read back from actord;
- local-npm: `npm start --silent` without the CLI and without actord, the
  SDK writing to ./storage, until its items are read from there;
- cli-start: `apify --version`, the CLI's own start and exit.

Every Node.js process, actord's runs included, loads net-guard.mjs, which
refuses connections off 127.0.0.1 and records them; the benchmark fails
when one was tried. Results go to a JSON file and the printed table to a
.txt beside it.
"""

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime

import report

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(BENCH_DIR))
sys.path.insert(0, os.path.join(REPO_DIR, "bench", "sync"))
import server as actord  # noqa: E402  (bench/sync/server.py, found through sys.path)

ACTOR_SRC = os.path.join(BENCH_DIR, "actor")
ACTOR_NAME = "bench-sdk-actor"
TASK_NAME = "bench-sdk"
CLI_BIN = os.path.join(REPO_DIR, "tests", "compat", "cli", "node_modules", "apify-cli", "dist", "apify.js")
GUARD = os.path.join(BENCH_DIR, "net-guard.mjs")
# The order of the measured sides within a round.
SIDES = ("sync", "cli", "bare-npm", "bare-node", "local-npm", "cli-start")
OPTIONAL_SIDES = SIDES[2:]
# Seconds any one measured command may take before the benchmark gives up.
COMMAND_TIMEOUT_SECS = 120
# Marks a work dir as this benchmark's own, so a later run may replace it.
WORK_DIR_MARK = ".actord-bench-sdk"


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def count_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def port_int(text):
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {text} is not between 0 and 65535")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bench/sdk/run.sh", description="see bench/sdk/run.sh --help")
    parser.add_argument("--runs", type=positive_int, default=20)
    parser.add_argument("--warmup", type=count_int, default=2)
    parser.add_argument("--items", type=positive_int, default=3)
    parser.add_argument("--port", type=port_int, default=0)
    parser.add_argument("--work-dir", default="/tmp/actord-bench-sdk")
    parser.add_argument("--results")
    parser.add_argument("--skip", action="append", default=[], choices=OPTIONAL_SIDES)
    parser.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.port and not port_is_free(args.port):
        parser.error(f"port {args.port} on 127.0.0.1 is in use; give a free one or 0 for any")
    if os.path.realpath(args.work_dir) in ("/", os.path.realpath(REPO_DIR), os.path.realpath(os.path.expanduser("~"))):
        parser.error(f"--work-dir {args.work_dir} would be replaced; give a directory of its own")
    # The work dir is replaced on each run, so only a new or empty one, or
    # one an earlier run of this benchmark made, is taken.
    if (os.path.isdir(args.work_dir) and os.listdir(args.work_dir)
            and not os.path.exists(os.path.join(args.work_dir, WORK_DIR_MARK))):
        parser.error(f"--work-dir {args.work_dir} has files that this benchmark did not make;"
                     " give a new or empty directory")
    args.results = args.results or os.path.join(args.work_dir, "results.json")
    return args


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def bench_environment(work_dir):
    """Set the environment of actord, its runs and the peers in os.environ; return the guard's log path.

    HOME is a fresh dir, so the CLI keeps no state in the user's home, while
    npm keeps the user's cache, which the project's install scripts filled.
    npm runs offline and without its update check, which would otherwise
    ask registry.npmjs.org for npm's latest version on the first `npm start`
    in a new HOME. The CLI's telemetry, update check and notices are off by
    its own variables, the OS keyring is unused, and no user is logged in.
    """
    cache = subprocess.run(["npm", "config", "get", "cache"], capture_output=True, text=True,
                           check=True).stdout.strip()
    home = os.path.join(work_dir, "home")
    os.makedirs(home)
    net_log = os.path.join(work_dir, "rejected-connections.log")
    os.environ.update({
        "HOME": home,
        "npm_config_cache": cache,
        "npm_config_offline": "true",
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "NODE_OPTIONS": f"--import={GUARD}",
        "SDKBENCH_NET_LOG": net_log,
        "APIFY_DISABLE_KEYRING": "1",
        "APIFY_CLI_DISABLE_TELEMETRY": "1",
        "APIFY_CLI_SKIP_UPDATE_CHECK": "1",
        "APIFY_CLI_SKIP_RENTAL_SUNSET_NOTICE": "1",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    })
    for name in ("APIFY_TOKEN", "ACTORD_TEST_NET_LOG"):
        os.environ.pop(name, None)
    return net_log


def prepare_actor_dirs(work_dir):
    """Copy the actor twice: one copy to push, one with node_modules for the peers."""
    push_dir = os.path.join(work_dir, "actor-push")
    peer_dir = os.path.join(work_dir, "actor-local")
    ignore = shutil.ignore_patterns("node_modules", "storage")
    shutil.copytree(ACTOR_SRC, push_dir, ignore=ignore)
    shutil.copytree(ACTOR_SRC, peer_dir, ignore=ignore)
    done = subprocess.run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=peer_dir, stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit("bench: npm ci --offline of the actor failed: apify is not in npm's cache;"
                         " run npm ci --prefix tests/compat/actors once with the registry")
    return push_dir, peer_dir


def expected_items(count, label):
    return [{"n": n, "label": label} for n in range(count)]


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def actord_cpu_s(pid):
    """Return actord's CPU seconds, with those of the processes it reaped (its runs)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / actord.CLOCK_TICKS


def run_command(argv, cwd, env=None, log_path=None):
    """Run argv to its end with its output in log_path; raise unless it exits 0.

    The command gets a process group of its own, so that on a timeout its
    children (npm, the actor under the CLI) are killed with it.
    """
    with open(log_path or os.devnull, "ab") as out:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            code = process.wait(timeout=COMMAND_TIMEOUT_SECS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise RuntimeError(f"{' '.join(argv)} in {cwd} timed out after {COMMAND_TIMEOUT_SECS} s;"
                               f" see {log_path}")
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} in {cwd} exited {code}; see {log_path}")


def read_local_items(actor_dir):
    """Read the items of the local default dataset, in the order of their files."""
    dataset = os.path.join(actor_dir, "storage", "datasets", "default")
    items = []
    for name in sorted(os.listdir(dataset)):
        if name.endswith(".json") and name != "__metadata__.json":
            with open(os.path.join(dataset, name), "rb") as item_file:
                items.append(json.loads(item_file.read()))
    return items


class Sides:
    """The measured commands, with what each needs between rounds."""

    def __init__(self, server, task_id, peer_dir, work_dir, input_body):
        self.server = server
        self.task_id = task_id
        self.peer_dir = peer_dir
        self.work_dir = work_dir
        self.input_body = input_body
        self.input_json = json.dumps(input_body, separators=(",", ":"))
        self.want = expected_items(input_body["count"], input_body["label"])
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=COMMAND_TIMEOUT_SECS)
        self.auth = {"Authorization": f"Bearer {server.token}"}
        # The run of the last sync call: the bare sides name it, because
        # the SDK's Actor.init on the platform reads its run (for pricing).
        self.last_run = None

    def close(self):
        self.connection.close()

    def _request(self, method, path, body=None):
        headers = dict(self.auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def _check(self, side, items):
        if items != self.want:
            raise RuntimeError(f"{side}: got items {json.dumps(items)[:500]}, expected {json.dumps(self.want)}")

    def sync(self):
        """Make one sync call; return its seconds and the run's own milliseconds."""
        path = f"/v2/actor-tasks/{self.task_id}/run-sync-get-dataset-items"
        body = self.input_json.encode()
        start = time.perf_counter()
        status, data = self._request("POST", path, body)
        elapsed = time.perf_counter() - start
        if status != 201:
            raise RuntimeError(f"sync call failed: status {status}: {data[:1000]!r}")
        self._check("sync", json.loads(data))
        status, data = self._request("GET", f"/v2/actor-tasks/{self.task_id}/runs/last")
        run = json.loads(data)["data"]
        if run["status"] != "SUCCEEDED":
            raise RuntimeError(f"sync call failed: run {run['id']} is {run['status']}, expected SUCCEEDED")
        self.last_run = run
        return elapsed, {"run_ms": iso_ms(run["finishedAt"]) - iso_ms(run["startedAt"])}

    def cli(self):
        # The CLI purges too (--purge), but removing the dir first makes
        # every run start from no storage at all, as the first one does.
        shutil.rmtree(os.path.join(self.peer_dir, "storage"), ignore_errors=True)
        argv = ["node", CLI_BIN, "run", "--purge", "--input", self.input_json]
        start = time.perf_counter()
        run_command(argv, self.peer_dir, log_path=os.path.join(self.work_dir, "cli.log"))
        items = read_local_items(self.peer_dir)
        elapsed = time.perf_counter() - start
        self._check("cli", items)
        return elapsed, {}

    def local_npm(self):
        """Run npm start with the SDK's local storage and the input in its INPUT.json."""
        storage = os.path.join(self.peer_dir, "storage")
        shutil.rmtree(storage, ignore_errors=True)
        kvs = os.path.join(storage, "key_value_stores", "default")
        os.makedirs(kvs)
        with open(os.path.join(kvs, "INPUT.json"), "w") as input_file:
            input_file.write(self.input_json)
        start = time.perf_counter()
        run_command(["npm", "start", "--silent"], self.peer_dir,
                    log_path=os.path.join(self.work_dir, "local-npm.log"))
        items = read_local_items(self.peer_dir)
        elapsed = time.perf_counter() - start
        self._check("local-npm", items)
        return elapsed, {}

    def cli_start(self):
        start = time.perf_counter()
        run_command(["node", CLI_BIN, "--version"], self.peer_dir,
                    log_path=os.path.join(self.work_dir, "cli-start.log"))
        return time.perf_counter() - start, {}

    def _bare_env(self):
        """Make fresh storages on actord with the input; return a run's environment naming them.

        The run is the last sync call's, which has ended; the SDK only
        reads it. So the actor runs as under actord but actord runs nothing.
        """
        ids = {}
        for kind in ("datasets", "key-value-stores", "request-queues"):
            status, data = self._request("POST", f"/v2/{kind}", b"{}")
            if status != 201:
                raise RuntimeError(f"POST /v2/{kind} failed: status {status}: {data[:500]!r}")
            ids[kind] = json.loads(data)["data"]["id"]
        status, data = self._request("PUT", f"/v2/key-value-stores/{ids['key-value-stores']}/records/INPUT",
                                     self.input_json.encode())
        if status not in (200, 201):
            raise RuntimeError(f"PUT INPUT failed: status {status}: {data[:500]!r}")
        base = f"http://127.0.0.1:{self.server.port}"
        env = dict(os.environ, APIFY_IS_AT_HOME="1", APIFY_API_BASE_URL=base, APIFY_API_PUBLIC_BASE_URL=base,
                   APIFY_TOKEN=self.server.token, APIFY_HEADLESS="1", ACTOR_INPUT_KEY="INPUT",
                   APIFY_INPUT_KEY="INPUT", ACTOR_MEMORY_MBYTES="1024", APIFY_MEMORY_MBYTES="1024")
        for name, value in (("RUN_ID", self.last_run["id"]), ("ID", self.last_run["actId"])):
            env[f"ACTOR_{name}"] = env[f"APIFY_ACTOR_{name}"] = value
        for suffix, kind in (("DATASET_ID", "datasets"), ("KEY_VALUE_STORE_ID", "key-value-stores"),
                             ("REQUEST_QUEUE_ID", "request-queues")):
            env[f"ACTOR_DEFAULT_{suffix}"] = env[f"APIFY_DEFAULT_{suffix}"] = ids[kind]
        return env, ids["datasets"]

    def _bare(self, side, argv):
        env, dataset_id = self._bare_env()
        start = time.perf_counter()
        run_command(argv, self.peer_dir, env=env, log_path=os.path.join(self.work_dir, f"{side}.log"))
        status, data = self._request("GET", f"/v2/datasets/{dataset_id}/items")
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"{side}: GET items failed: status {status}: {data[:500]!r}")
        self._check(side, json.loads(data))
        return elapsed, {}

    def bare_npm(self):
        return self._bare("bare-npm", ["npm", "start", "--silent"])

    def bare_node(self):
        return self._bare("bare-node", ["node", "main.js"])


def iso_ms(text):
    """Convert an ISO 8601 UTC time with milliseconds to milliseconds since the epoch."""
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def measure(sides, names, rounds, warmup, pid):
    """Run every side once a round; return per side the times and CPU of the counted rounds."""
    results = {name: {"seconds": [], "cpu_s": [], "extra": []} for name in names}
    for round_index in range(warmup + rounds):
        for name in names:
            cpu_before = children_cpu_s() + actord_cpu_s(pid)
            elapsed, extra = getattr(sides, name.replace("-", "_"))()
            cpu = children_cpu_s() + actord_cpu_s(pid) - cpu_before
            if round_index >= warmup:
                results[name]["seconds"].append(elapsed)
                results[name]["cpu_s"].append(cpu)
                results[name]["extra"].append(extra)
        if round_index + 1 == warmup:
            log(f"{warmup} warm-up rounds done")
        elif round_index >= warmup and (round_index - warmup + 1) % 5 == 0:
            log(f"{round_index - warmup + 1} of {rounds} rounds done")
    return results


def main(argv):
    args = parse_args(argv)
    if args.check_args:
        return 0
    if not os.path.exists(CLI_BIN):
        raise SystemExit(f"bench: {CLI_BIN} is missing; run bench/sdk/run.sh, which installs it")
    names = [name for name in SIDES if name not in args.skip]
    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    with open(os.path.join(args.work_dir, WORK_DIR_MARK), "w", encoding="utf-8") as mark:
        mark.write("made by bench/sdk/bench.py; replaced on each run\n")
    net_log = bench_environment(args.work_dir)
    push_dir, peer_dir = prepare_actor_dirs(args.work_dir)
    machine = report.read_machine(REPO_DIR)
    input_body = {"label": "bench", "count": args.items}

    server = actord.Actord(os.path.join(args.work_dir, "data"), os.path.join(args.work_dir, "actord.log"))
    sides = None
    started = time.monotonic()
    try:
        server.start([], port=args.port)
        log(f"actord on 127.0.0.1:{server.port}; pushing and building the actor (npm ci, offline)")
        build_start = time.monotonic()
        server.push(push_dir)
        build_secs = time.monotonic() - build_start
        task = server.expect(201, "POST", "/v2/actor-tasks", {"actId": f"admin~{ACTOR_NAME}", "name": TASK_NAME})
        sides = Sides(server, task["data"]["id"], peer_dir, args.work_dir, input_body)
        load_before = os.getloadavg()[0]
        meter = actord.CpuMeter(server.pid)
        results = measure(sides, names, args.runs, args.warmup, server.pid)
        usage = meter.stop()
        load_after = os.getloadavg()[0]
    finally:
        if sides:
            sides.close()
        server.stop()

    rejected = []
    if os.path.exists(net_log):
        with open(net_log) as hosts:
            rejected = hosts.read().split()
    summary = {
        "machine": machine,
        "runs": args.runs,
        "warmup": args.warmup,
        "input": input_body,
        "build_secs": round(build_secs, 2),
        "load_before": load_before,
        "load_after": load_after,
        "other_cores": usage["other_cores"],
        "rejected_connections": rejected,
        "sides": {name: report.summarize(results[name]) for name in names},
        "differences": report.differences(results),
        "total_secs": round(time.monotonic() - started, 1),
    }
    with open(args.results, "w") as out:
        json.dump(summary, out, indent=2)
    text = "\n".join(report.lines(summary)) + "\n"
    with open(os.path.splitext(args.results)[0] + ".txt", "w") as out:
        out.write(text)
    print(text, end="")
    if rejected:
        log(f"FAILED: processes tried to connect off 127.0.0.1: {', '.join(sorted(set(rejected)))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
