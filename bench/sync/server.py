"""An actord process for the sync benchmark, and the /proc readings it needs."""

import http.client
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(BENCH_DIR))
ACTORD_BIN = os.path.join(REPO_DIR, "build", "actord")
READY_TIMEOUT_SECONDS = 30
# actord aborts the runs still going on SIGTERM, with --kill-grace-secs
# (set to 1 below) between SIGTERM and SIGKILL.
STOP_TIMEOUT_SECONDS = 120
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Descriptors actord needs besides waiting requests and runs: SQLite files,
# the listening socket, epoll and event descriptors, and the connections of
# runs pushing their items.
FILE_RESERVE = 1024


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def vm_rss_kib(pid):
    """VmRSS of pid from /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return {"soft": soft, "hard": hard}


def get_json(port, path, token=None, timeout=30):
    """GET path on 127.0.0.1:port; returns the parsed body, raising unless the status is 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: status {response.status}: {data[:500]!r}")
    return json.loads(data)


def max_runs_for_files(count, file_limit):
    """Runs that may go at once so that actord keeps within file_limit.

    Each waiting request holds its socket, and each running run two more
    descriptors (its output pipe and its log file), so with count requests
    at most (file_limit - count - FILE_RESERVE) / 2 runs may go; the rest
    wait READY, which is a waiting request too.
    """
    return max(1, min(count, (file_limit - count - FILE_RESERVE) // 2))


def waiting_options(count, max_runs, run_memory_mbytes, wait_secs):
    """actord options for count waiting sync calls, max_runs of them going.

    --memory-total-mbytes: the runs' memory options must fit together, or
    runs past the machine's memory wait READY until others end.
    --rate-limit-runs 0: the client starts runs faster than 400 a second.
    --max-connections: the waiting requests, and the runs' own pushes.
    """
    return [
        "--memory-total-mbytes", str(count * run_memory_mbytes + 1024),
        "--max-concurrent-runs", str(max_runs),
        "--rate-limit-runs", "0",
        "--max-connections", str(count + FILE_RESERVE),
        "--sync-wait-secs", str(wait_secs),
    ]


class CpuMeter:
    """CPU time of actord (with its reaped actors), of this process's children
    and of the whole machine, from now until stop()."""

    def __init__(self, pid):
        self.pid = pid
        self.started = time.monotonic()
        self.actord_start = self._actord_ticks()
        self.children_start = self._children_seconds()
        self.busy_start = self._machine_busy_ticks()

    def _actord_ticks(self):
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: fields 14 to 17 of proc(5).
        return sum(int(value) for value in fields[11:15])

    @staticmethod
    def _children_seconds():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def _machine_busy_ticks():
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal ...
        return sum(values) - values[3] - values[4]

    def stop(self):
        """Returns actord's CPU seconds and the cores other work kept busy."""
        elapsed = time.monotonic() - self.started
        actord_s = (self._actord_ticks() - self.actord_start) / CLOCK_TICKS
        children_s = self._children_seconds() - self.children_start
        busy_s = (self._machine_busy_ticks() - self.busy_start) / CLOCK_TICKS
        return {
            "actord_cpu_s": round(actord_s, 2),
            "other_cores": round(max(0.0, busy_s - actord_s - children_s) / elapsed, 2),
        }


class Actord:
    """An actord process on 127.0.0.1 with its own data dir and a new port per start."""

    def __init__(self, data_dir, log_path):
        self.data_dir = data_dir
        self.log_path = log_path
        self.process = None
        self.port = None
        self.token = secrets.token_hex(16)

    @property
    def pid(self):
        return self.process.pid

    def start(self, options, port=0):
        """Start actord with options on 127.0.0.1:port, a free port when port is 0."""
        self.port = port or free_port()
        env = {key: value for key, value in os.environ.items() if key != "ACTORD_USERNAME"}
        env["ACTORD_TOKEN"] = self.token
        with open(self.log_path, "a") as log_file:
            self.process = subprocess.Popen(
                [ACTORD_BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
                 "--kill-grace-secs", "1", "--log-level", "warn", *options],
                stdout=log_file, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"actord exited during startup with {self.process.returncode};"
                                   f" see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"actord did not accept connections within {READY_TIMEOUT_SECONDS} s;"
                                   f" see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)

    def stop(self):
        """Send SIGTERM and wait for exit code 0."""
        if not self.process:
            return
        process, self.process = self.process, None
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"actord did not exit within {STOP_TIMEOUT_SECONDS} s of SIGTERM;"
                               f" see {self.log_path}")
        if code != 0:
            raise RuntimeError(f"actord exited with {code} after SIGTERM; see {self.log_path}")

    def expect(self, status, method, path, body=None):
        """Send a request with the token; returns the parsed body, raising unless the status is `status`."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status != status:
            raise RuntimeError(f"{method} {path}: expected status {status}, got {response.status}: {data[:1000]!r}")
        return json.loads(data) if data else None

    def push(self, actor_dir):
        """Upload and build an actor directory with `actord push`."""
        env = dict(os.environ, ACTORD_URL=f"http://127.0.0.1:{self.port}", ACTORD_TOKEN=self.token)
        subprocess.run([ACTORD_BIN, "push", actor_dir], env=env, check=True, stdout=subprocess.DEVNULL)

    def count_runs(self, task, status):
        """The number of the task's runs with status."""
        path = f"/v2/actor-tasks/admin~{task}/runs?status={status}&limit=1"
        return get_json(self.port, path, self.token)["data"]["total"]
