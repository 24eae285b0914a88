"""Starting actord on 127.0.0.1 and loading the benchmark's items into one dataset."""

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(BENCH_DIR))
ACTORD_BIN = os.path.join(REPO_DIR, "build", "actord")
PUSH_RAW_DIR = os.path.join(REPO_DIR, "tests", "api", "fixtures", "actors", "push-raw")

# Maximum request body size of POST /v2/datasets/:id/items, in bytes.
MAX_PAYLOAD_BYTES = 9437184
# Items sent through the push-raw actor run that creates the dataset.
FIRST_RUN_ITEMS = 100
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
TERMINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Actord:
    """An actord process on 127.0.0.1 with its own data dir and a new port per start."""

    def __init__(self, data_dir, log_path):
        self.data_dir = data_dir
        self.log_path = log_path
        self.process = None
        self.port = None
        self.token = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        self.port = free_port()
        env = {key: value for key, value in os.environ.items() if key not in ("ACTORD_TOKEN", "ACTORD_USERNAME")}
        with open(self.log_path, "a") as log_file:
            self.process = subprocess.Popen(
                [ACTORD_BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"actord exited during startup with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"actord did not accept connections within {READY_TIMEOUT_SECONDS} s;"
                                   f" see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        with open(os.path.join(self.data_dir, "token")) as token:
            self.token = token.read().strip()

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

    def request(self, method, path, body=None, timeout=300):
        """Send a request with the admin token; returns (status, parsed JSON body or None)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            if not isinstance(body, (bytes, bytearray)):
                body = json.dumps(body).encode()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def expect(self, status, method, path, body=None):
        """Send a request and raise unless the response status is `status`; returns the parsed body."""
        got, parsed = self.request(method, path, body)
        if got != status:
            raise RuntimeError(f"{method} {path}: expected status {status}, got {got}: {json.dumps(parsed)[:1000]}")
        return parsed


def source_files(directory):
    """Read an actor directory into the `sourceFiles` of an actor version."""
    files = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            full = os.path.join(root, name)
            with open(full, "rb") as source:
                content = source.read()
            files.append({
                "name": os.path.relpath(full, directory),
                "format": "BASE64",
                "content": base64.b64encode(content).decode(),
            })
    return files


def build_push_raw(server):
    """Create and build the push-raw test actor; returns the actor."""
    actor = server.expect(201, "POST", "/v2/acts", {
        "name": "bench-push-raw",
        "versions": [{
            "versionNumber": "0.1",
            "sourceType": "SOURCE_FILES",
            "buildTag": "latest",
            "sourceFiles": source_files(PUSH_RAW_DIR),
        }],
    })["data"]
    build = server.expect(201, "POST", f"/v2/acts/{actor['id']}/builds?version=0.1&tag=latest&waitForFinish=60")["data"]
    deadline = time.monotonic() + 120
    while build["status"] not in TERMINAL_STATUSES:
        if time.monotonic() > deadline:
            raise RuntimeError(f"build {build['id']} still {build['status']} after 120 s")
        time.sleep(0.2)
        build = server.expect(200, "GET", f"/v2/actor-builds/{build['id']}")["data"]
    if build["status"] != "SUCCEEDED":
        raise RuntimeError(f"the build of push-raw ended {build['status']}")
    return actor


def create_dataset(server, first_items_json):
    """
    Run push-raw once with first_items_json as its itemsJson input, which it
    pushes to its run's default dataset. Returns that dataset's id.
    """
    actor = build_push_raw(server)
    task = server.expect(201, "POST", "/v2/actor-tasks", {
        "actId": actor["id"],
        "name": "bench-load",
        "input": {},
        "options": {"build": "latest", "timeoutSecs": 120, "memoryMbytes": 1024},
    })["data"]
    status, parsed = server.request("POST", f"/v2/actor-tasks/{task['id']}/run-sync-get-dataset-items?limit=1",
                                    {"itemsJson": first_items_json})
    if status != 201:
        raise RuntimeError(f"the push-raw run failed with status {status}: {json.dumps(parsed)[:1000]}")
    run = server.expect(200, "GET", f"/v2/actor-tasks/{task['id']}/runs/last")["data"]
    if run["status"] != "SUCCEEDED":
        raise RuntimeError(f"the push-raw run ended {run['status']}")
    return run["defaultDatasetId"]


def load_items(server, items_path):
    """
    Put every line of items_path (JSON Lines) into one dataset: the first
    FIRST_RUN_ITEMS through a run of push-raw, the rest with
    POST /v2/datasets/:id/items in bodies of at most MAX_PAYLOAD_BYTES.
    Returns (dataset id, request count).
    """
    with open(items_path, "rb") as items:
        first = [next(items).rstrip(b"\n") for _ in range(FIRST_RUN_ITEMS)]
        dataset_id = create_dataset(server, (b"[" + b",".join(first) + b"]").decode())
        requests = 1
        batch = []
        batch_bytes = 2  # the brackets

        def push():
            body = b"[" + b",".join(batch) + b"]"
            status, parsed = server.request("POST", f"/v2/datasets/{dataset_id}/items", body)
            if status != 201:
                raise RuntimeError(f"pushing {len(batch)} items failed with status {status}:"
                                   f" {json.dumps(parsed)[:1000]}")

        for line in items:
            line = line.rstrip(b"\n")
            if batch and batch_bytes + len(line) + 1 > MAX_PAYLOAD_BYTES:
                push()
                requests += 1
                batch = []
                batch_bytes = 2
            batch.append(line)
            batch_bytes += len(line) + 1
        if batch:
            push()
            requests += 1
    return dataset_id, requests
