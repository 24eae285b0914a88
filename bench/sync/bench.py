"""The actord sync benchmark; run.sh builds what it needs and calls this.

Part A, overhead: sync_client sends --requests sequential
POST /v2/actor-tasks/:id/run-sync-get-dataset-items calls for a task of the
bench-noop actor (/bin/true) over one keep-alive connection, and after each
call starts /bin/true itself as actord's runner does (the peer). The
difference of the medians is actord's overhead per sync call.

Part B, waiting requests: actord is restarted with limits that let
--waiting runs exist at once, as many of them going as the open-file limit
allows and the rest READY, and sync_client sends --waiting concurrent sync
calls for a task of the bench-slow actor, which pushes one item and sleeps
until --sleep-secs after the start of the part. When every run is RUNNING
or READY and none has ended, actord's VmRSS is sampled, against its idle
VmRSS. The peer is a Node.js http server (peer-server.mjs) that keeps as
many requests open, measured the same way. Every request must get a 201
with its item.

Results go to a JSON file and the printed table to a .txt beside it.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time

import report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import machine  # noqa: E402  (bench/lib/machine.py)
import server as actord

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MARKER = '"bench":"sync-wait"'
# Memory option of each waiting run, in MB: the smallest the API accepts.
RUN_MEMORY_MBYTES = 128
# Seconds each run of bench-slow sleeps after the first round.
MIN_SLEEP_SECS = 5
# Seconds the Node.js peer holds each request; they all arrive within a few.
PEER_HOLD_SECS = 30


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def read_machine():
    """Describe the machine and the software versions."""
    cpu_model = machine.cpu_model()
    mem_kib = machine.memory_kib()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    mhd = subprocess.run(["pkg-config", "--modversion", "libmicrohttpd"], capture_output=True, text=True).stdout.strip()
    sqlite = subprocess.run(["pkg-config", "--modversion", "sqlite3"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", actord.REPO_DIR, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "libmicrohttpd": mhd,
        "sqlite": sqlite,
        "node": node,
        "commit": commit or "unknown",
        "open_file_limit": actord.open_file_limit(),
    }


def percentile(sorted_values, fraction):
    """The value at `fraction` of a sorted list, by the nearest-rank method."""
    index = max(0, min(len(sorted_values) - 1, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def summarize_us(values):
    """Median, p90 and p99 of microsecond values, in milliseconds."""
    ordered = sorted(values)
    return {name: round(percentile(ordered, fraction) / 1000, 3)
            for name, fraction in (("median_ms", 0.5), ("p90_ms", 0.9), ("p99_ms", 0.99))}


def write_slow_dockerfile(actors_dir, until, min_secs):
    """Make bench-slow's runs sleep until the Unix time `until`, or at least min_secs."""
    with open(os.path.join(actors_dir, "slow", "Dockerfile"), "w") as dockerfile:
        dockerfile.write(f'FROM scratch\nCMD ["/bin/bash", "main.sh", "{int(until)}", "{min_secs}"]\n')


def deploy(server, actors_dir):
    """Push the two benchmark actors and create a task for each; returns the noop build's directory."""
    shutil.rmtree(actors_dir, ignore_errors=True)
    shutil.copytree(os.path.join(BENCH_DIR, "actors"), actors_dir)
    for name in ("noop", "slow"):
        server.push(os.path.join(actors_dir, name))
        server.expect(201, "POST", "/v2/actor-tasks", {"actId": f"admin~bench-{name}", "name": f"bench-{name}"})
    build = server.expect(200, "GET", "/v2/acts/admin~bench-noop/builds?desc=1&limit=1")["data"]["items"][0]
    return os.path.join(server.data_dir, "builds", build["id"])


def measure_overhead(server, client, build_dir, requests, warmup):
    """Part A: sync calls of bench-noop and bare starts of /bin/true, interleaved."""
    url = f"http://127.0.0.1:{server.port}/v2/actor-tasks/admin~bench-noop/run-sync-get-dataset-items"
    load_before = os.getloadavg()[0]
    cpu = actord.CpuMeter(server.pid)
    result = subprocess.run([client, "overhead", url, server.token, str(requests), str(warmup), build_dir, "/bin/true"],
                            capture_output=True, text=True)
    usage = cpu.stop()
    if result.returncode != 0:
        raise RuntimeError(f"sync_client overhead failed ({result.returncode}): {result.stderr[-2000:]}")
    data = json.loads(result.stdout)
    sync = summarize_us(data["sync_us"])
    bare = summarize_us(data["bare_us"])
    return {
        "requests": requests,
        "warmup": warmup,
        "sync": sync,
        "bare": bare,
        "difference": {key: round(sync[key] - bare[key], 3) for key in sync},
        "client_cpu_ms_per_request": round(data["client_cpu_us"] / requests / 1000, 3),
        "actord_cpu_ms_per_request": round(usage["actord_cpu_s"] * 1000 / requests, 3),
        "other_cores": usage["other_cores"],
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


class ClientWait:
    """sync_client in wait mode, with its stderr read on a thread until "sent N"."""

    def __init__(self, client, port, path, token, count, deadline_secs):
        self.sent = threading.Event()
        self.errors = []
        self.process = subprocess.Popen(
            [client, "wait", "127.0.0.1", str(port), path, token, str(count), MARKER, str(deadline_secs)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            if line.startswith("sent "):
                self.sent.set()
            elif len(self.errors) < 20:
                self.errors.append(line.rstrip())

    def finish(self):
        """Wait for every response; returns the client's counts."""
        out = self.process.stdout.read()
        self.process.wait()
        self.reader.join()
        result = json.loads(out)
        result["client_errors"] = self.errors
        return result


def sample_rss(pid, samples=5, interval=0.2):
    """Median of a few VmRSS samples of pid, in KiB."""
    values = []
    for _ in range(samples):
        values.append(actord.vm_rss_kib(pid))
        time.sleep(interval)
    return sorted(values)[len(values) // 2]


def warm_up_actord(server, client):
    """Send a few concurrent sync calls, so every HTTP thread has its SQLite connection and heap."""
    path = "/v2/actor-tasks/admin~bench-noop/run-sync-get-dataset-items"
    for _ in range(3):
        waiter = ClientWait(client, server.port, path, server.token, 16, 60)
        waiter.finish()


def count_waiting_runs(server):
    """RUNNING, READY and ended runs of bench-slow."""
    running = server.count_runs("bench-slow", "RUNNING")
    ready = server.count_runs("bench-slow", "READY")
    ended = sum(server.count_runs("bench-slow", status) for status in ("SUCCEEDED", "FAILED", "ABORTED"))
    return running, ready, ended


def measure_waiting_actord(server, client, actors_dir, count, max_runs, sleep_secs, wait_secs):
    """Part B for actord: count concurrent sync calls of bench-slow.

    The runs of the first round sleep until sleep_secs after the start of
    this part, later rounds MIN_SLEEP_SECS each, so every request waits
    at once while the first round sleeps.
    """
    write_slow_dockerfile(actors_dir, time.time() + sleep_secs, MIN_SLEEP_SECS)
    server.push(os.path.join(actors_dir, "slow"))
    warm_up_actord(server, client)
    time.sleep(1)
    # Other work's CPU while actord idles: while the requests wait, the
    # runs' own processes would count as other work.
    cpu = actord.CpuMeter(server.pid)
    idle_kib = sample_rss(server.pid)
    other_cores_before = cpu.stop()["other_cores"]
    load_before = os.getloadavg()[0]
    path = f"/v2/actor-tasks/admin~bench-slow/run-sync-get-dataset-items?memory={RUN_MEMORY_MBYTES}"
    started = time.monotonic()
    waiter = ClientWait(client, server.port, path, server.token, count, wait_secs)
    waiter.sent.wait(timeout=wait_secs)
    sent_secs = time.monotonic() - started

    # Every request waits once max_runs runs are RUNNING, the rest READY,
    # and none has ended.
    while True:
        running, ready, ended = count_waiting_runs(server)
        if (running == max_runs and ready == count - max_runs) or ended or time.monotonic() - started > sleep_secs:
            break
        time.sleep(0.5)
    all_waiting_secs = time.monotonic() - started
    waiting_kib = sample_rss(server.pid)
    open_fds = len(os.listdir(f"/proc/{server.pid}/fd"))
    ended_at_sample = count_waiting_runs(server)[2]
    load_during = os.getloadavg()[0]

    answers = waiter.finish()
    return {
        "requests": count,
        "max_concurrent_runs": max_runs,
        "sleep_secs": sleep_secs,
        "all_sent_secs": round(sent_secs, 1),
        "all_waiting_secs": round(all_waiting_secs, 1),
        "running_at_sample": running,
        "ready_at_sample": ready,
        "ended_at_sample": ended_at_sample,
        "open_fds_at_sample": open_fds,
        "idle_kib": idle_kib,
        "waiting_kib": waiting_kib,
        "kib_per_request": round((waiting_kib - idle_kib) / count, 2),
        "answers": answers,
        "other_cores_before": other_cores_before,
        "load_before": round(load_before, 2),
        "load_during": round(load_during, 2),
    }


def measure_waiting_peer(work_dir, client, count, hold_secs):
    """Part B for the peer: the Node.js server holding count requests."""
    port = actord.free_port()
    with open(os.path.join(work_dir, "peer.log"), "w") as log_file:
        process = subprocess.Popen(["node", os.path.join(BENCH_DIR, "peer-server.mjs"), "--port", str(port),
                                    "--hold-secs", str(hold_secs)], stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        if not process.stdout.readline().startswith("listening"):
            raise RuntimeError("the Node.js peer did not start; see peer.log")
        for _ in range(3):
            ClientWait(client, port, "/items?now=1", "none", 16, 60).finish()
        time.sleep(1)
        idle_kib = sample_rss(process.pid)
        started = time.monotonic()
        waiter = ClientWait(client, port, "/items", "none", count, hold_secs + 300)
        waiter.sent.wait(timeout=hold_secs + 300)
        while actord.get_json(port, "/held")["held"] < count and time.monotonic() - started < hold_secs:
            time.sleep(0.2)
        held = actord.get_json(port, "/held")
        waiting_kib = sample_rss(process.pid)
        answers = waiter.finish()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {
        "requests": count,
        "held_at_sample": held["held"],
        "answered_at_sample": held["answered"],
        "idle_kib": idle_kib,
        "waiting_kib": waiting_kib,
        "kib_per_request": round((waiting_kib - idle_kib) / count, 2),
        "answers": answers,
    }


def main():
    parser = argparse.ArgumentParser(description="Benchmark actord's sync calls.")
    parser.add_argument("--requests", type=int, default=500, help="sequential sync calls in part A")
    parser.add_argument("--warmup", type=int, default=20, help="calls before part A records times")
    parser.add_argument("--waiting", type=int, default=10000, help="concurrent sync calls in part B")
    parser.add_argument("--sleep-secs", type=int, default=90, help="seconds from the start of part B until its first runs end")
    parser.add_argument("--work-dir", default="/tmp/actord-bench-sync")
    parser.add_argument("--results", default=None)
    parser.add_argument("--skip", choices=["overhead", "waiting", "peer"], action="append", default=[])
    parser.add_argument("--client", required=True, help="the built sync_client")
    args = parser.parse_args()

    work_dir = args.work_dir
    os.makedirs(work_dir, exist_ok=True)
    results_path = args.results or os.path.join(work_dir, "results.json")
    data_dir = os.path.join(work_dir, "data")
    shutil.rmtree(data_dir, ignore_errors=True)
    results = {"machine": read_machine(), "started_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    log_path = os.path.join(work_dir, "actord.log")
    if os.path.exists(log_path):
        os.remove(log_path)

    server = actord.Actord(data_dir, log_path)
    try:
        server.start(["--rate-limit-runs", "0"])
        actors_dir = os.path.join(work_dir, "actors")
        build_dir = deploy(server, actors_dir)
        if "overhead" not in args.skip:
            log(f"part A: {args.requests} sync calls and bare starts")
            results["overhead"] = measure_overhead(server, args.client, build_dir, args.requests, args.warmup)
        server.stop()

        if "waiting" not in args.skip:
            max_runs = actord.max_runs_for_files(args.waiting, actord.open_file_limit()["soft"])
            # The runs go in rounds of max_runs, the first sleep_secs long.
            rounds = -(-args.waiting // max_runs)
            wait_secs = args.sleep_secs + rounds * MIN_SLEEP_SECS + 300
            log(f"part B: {args.waiting} waiting sync calls, {max_runs} runs at once, the first {args.sleep_secs} s long")
            server.start(actord.waiting_options(args.waiting, max_runs, RUN_MEMORY_MBYTES, wait_secs))
            results["waiting"] = measure_waiting_actord(server, args.client, actors_dir, args.waiting, max_runs,
                                                        args.sleep_secs, wait_secs)
            server.stop()
        if "peer" not in args.skip:
            log(f"part B peer: Node.js holding {args.waiting} requests")
            results["waiting_peer"] = measure_waiting_peer(work_dir, args.client, args.waiting, PEER_HOLD_SECS)
    finally:
        server.stop()

    with open(results_path, "w") as out:
        json.dump(results, out, indent=2)
    text = report.report(results)
    with open(os.path.splitext(results_path)[0] + ".txt", "w") as out:
        out.write(text)
    print(text)
    log(f"results in {results_path}")


if __name__ == "__main__":
    main()
