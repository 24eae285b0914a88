"""Timing one export from actord or one peer run, and their memory.

actord's memory is read from /proc/PID/status: VmRSS just before the
request (idle), then the peak during the export, taken as the larger of
VmHWM (reset to VmRSS through /proc/PID/clear_refs before the request) and
VmRSS sampled every 10 ms. A peer's peak is the "Maximum resident set size"
that /usr/bin/time -v reports for its whole process.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MIB = 1024 * 1024
RSS_SAMPLE_SECONDS = 0.010
# How long actord idles after its first request before the idle VmRSS is read.
SETTLE_SECONDS = 0.5
RECEIVE_BUFFER_BYTES = 4 * MIB

PEERS = {
    "json": {
        "name": "JSON.stringify",
        "command": lambda items, out: ["node", os.path.join(BENCH_DIR, "peer-json.mjs"), items, out],
    },
    "csv": {
        "name": "Python csv",
        "command": lambda items, out: [sys.executable, os.path.join(BENCH_DIR, "peer_csv.py"), items, out],
    },
    "xlsx": {
        "name": "exceljs",
        "command": lambda items, out: ["node", os.path.join(BENCH_DIR, "peer-xlsx.mjs"), items, out],
    },
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def read_status_kib(pid, field):
    """Return a field of /proc/PID/status in KiB, such as VmRSS."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def read_cpu_seconds(pid):
    """Return the user plus system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of proc(5), in clock ticks; the
    # split above starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_busy_seconds():
    """Return the CPU time all cores spent on anything but idle and I/O wait since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is in user.
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """Return the CPU time of this process (the client and the sampler) so far."""
    times = os.times()
    return times.user + times.system


def other_load(busy_seconds, measured_cpu_seconds, wall_seconds):
    """
    Return how many cores processes outside the measurement kept busy on
    average: the machine's busy time less the CPU time of the measured
    processes. A value well above 0 means that other work disturbed the run.
    /proc counts clock ticks (10 ms), so runs under a second get a coarse value.
    """
    cores = max(0.0, busy_seconds - measured_cpu_seconds) / wall_seconds
    return round(min(cores, os.cpu_count()), 2)


def reset_peak_rss(pid):
    """Reset VmHWM to the current VmRSS (Linux 4.0 and later); False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError as error:
        log(f"memory: cannot reset VmHWM through /proc/{pid}/clear_refs ({error}); using sampled VmRSS only")
        return False


class RssSampler(threading.Thread):
    """Reads VmRSS of a process every 10 ms until stopped and keeps the maximum."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.max_kib = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.max_kib = max(self.max_kib, read_status_kib(self.pid, "VmRSS"))
            self.samples += 1
            self.done.wait(RSS_SAMPLE_SECONDS)

    def stop(self):
        self.done.set()
        self.join()


def fetch_export(server, dataset_id, export_format, save_path=None):
    """
    GET the whole dataset in one format and read the body to its end,
    writing it to save_path when given, else dropping it. The request is
    HTTP/1.0, so the body ends where actord closes the connection and needs
    no chunk decoding. Returns the timings, the body size and actord's CPU
    time when the first body byte arrived.
    """
    request = (
        f"GET /v2/datasets/{dataset_id}/items?format={export_format} HTTP/1.0\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {server.token}\r\n\r\n"
    ).encode()
    buffer = bytearray(RECEIVE_BUFFER_BYTES)
    view = memoryview(buffer)
    head = b""
    status_line = None
    body_bytes = 0
    headers_at = first_byte_at = None
    cpu_at_first_byte = None
    out = open(save_path, "wb") if save_path else None

    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as connection:
            connection.sendall(request)
            while True:
                received = connection.recv_into(buffer)
                if received == 0:
                    break
                now = time.monotonic()
                body = view[:received]
                if headers_at is None:
                    head += bytes(body)
                    end = head.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    headers_at = now
                    status_line = head[:head.find(b"\r\n")].decode("latin-1")
                    body = memoryview(head)[end + 4:]
                if len(body) and first_byte_at is None:
                    first_byte_at = now
                    cpu_at_first_byte = read_cpu_seconds(server.pid)
                if out:
                    out.write(body)
                body_bytes += len(body)
        finished = time.monotonic()
    finally:
        if out:
            out.close()

    if status_line is None:
        raise RuntimeError(f"{export_format} export: the connection closed before the response headers")
    if status_line.split()[1] != "200":
        raise RuntimeError(f"{export_format} export: the response is {status_line}; see actord's log")
    return {
        "seconds": finished - started,
        "headers_seconds": headers_at - started,
        "first_byte_seconds": (first_byte_at or finished) - started,
        "body_bytes": body_bytes,
        "cpu_at_first_byte": cpu_at_first_byte,
    }


def measure_export(server, dataset_id, export_format, item_count):
    """Restart actord, let it settle after one small request, then time one export and track its memory."""
    server.stop()
    server.start()
    server.expect(200, "GET", f"/v2/datasets/{dataset_id}")
    time.sleep(SETTLE_SECONDS)

    idle_kib = read_status_kib(server.pid, "VmRSS")
    hwm_reset = reset_peak_rss(server.pid)
    cpu_before = read_cpu_seconds(server.pid)
    own_before = own_cpu_seconds()
    busy_before = read_busy_seconds()
    sampler = RssSampler(server.pid)
    sampler.start()
    try:
        fetched = fetch_export(server, dataset_id, export_format)
    finally:
        sampler.stop()
    cpu_seconds = read_cpu_seconds(server.pid) - cpu_before
    busy_seconds = read_busy_seconds() - busy_before
    client_seconds = own_cpu_seconds() - own_before
    hwm_kib = read_status_kib(server.pid, "VmHWM") if hwm_reset else None

    peak_kib = max(sampler.max_kib, hwm_kib or 0)
    seconds = fetched["seconds"]
    cpu_share = None
    if fetched["cpu_at_first_byte"] is not None and cpu_seconds > 0:
        cpu_share = round((fetched["cpu_at_first_byte"] - cpu_before) / cpu_seconds, 3)
    return {
        "format": export_format,
        "items": item_count,
        "seconds": round(seconds, 3),
        "items_per_second": round(item_count / seconds),
        "body_bytes": fetched["body_bytes"],
        "mb_per_second": round(fetched["body_bytes"] / seconds / 1e6, 1),
        "headers_seconds": round(fetched["headers_seconds"], 4),
        "first_byte_seconds": round(fetched["first_byte_seconds"], 4),
        "first_byte_share": round(fetched["first_byte_seconds"] / seconds, 4),
        "actord_cpu_seconds": round(cpu_seconds, 2),
        "actord_cpu_share_before_first_byte": cpu_share,
        "idle_rss_mib": round(idle_kib / 1024, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "peak_rss_sampled_mib": round(sampler.max_kib / 1024, 1),
        "peak_rss_hwm_mib": round(hwm_kib / 1024, 1) if hwm_kib is not None else None,
        "peak_over_idle_mib": round((peak_kib - idle_kib) / 1024, 1),
        "rss_samples": sampler.samples,
        "other_load_cores": other_load(busy_seconds, cpu_seconds + client_seconds, seconds),
    }


def parse_time_v(path):
    """Parse a /usr/bin/time -v report into (maximum resident set size in KiB, user plus system seconds, exit status)."""
    with open(path) as report:
        text = report.read()
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    status = re.search(r"Exit status: (\d+)", text)
    cpu_seconds = float(user.group(1)) + float(system.group(1)) if user and system else None
    return (int(peak.group(1)) if peak else None, cpu_seconds, int(status.group(1)) if status else None)


def run_peer(key, items_path, item_count, out_dir):
    """Run one peer once under /usr/bin/time -v; it writes OUT_DIR/peer.KEY."""
    peer = PEERS[key]
    out_path = os.path.join(out_dir, f"peer.{key}")
    time_report = os.path.join(out_dir, f"peer-{key}.time.txt")
    command = ["/usr/bin/time", "-v", "-o", time_report] + peer["command"](items_path, out_path)

    busy_before = read_busy_seconds()
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=BENCH_DIR)
    seconds = time.monotonic() - started
    busy_seconds = read_busy_seconds() - busy_before
    peak_kib, cpu_seconds, exit_status = parse_time_v(time_report)

    if result.returncode != 0 or exit_status != 0 or peak_kib is None:
        raise RuntimeError(f"peer {peer['name']} failed with exit status {result.returncode}:"
                           f" {' '.join(command)}\n{result.stderr[-3000:]}")
    written = int(result.stdout.strip().splitlines()[-1])
    if written != item_count:
        raise RuntimeError(f"peer {peer['name']} wrote {written} items, expected {item_count}")

    body_bytes = os.path.getsize(out_path)
    return {
        "peer": peer["name"],
        "format": key,
        "items": item_count,
        "seconds": round(seconds, 3),
        "items_per_second": round(item_count / seconds),
        "body_bytes": body_bytes,
        "mb_per_second": round(body_bytes / seconds / 1e6, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "cpu_seconds": round(cpu_seconds, 2),
        "other_load_cores": other_load(busy_seconds, cpu_seconds, seconds),
        "out_path": out_path,
    }


def summarize(runs):
    """
    Return the run with the median time, plus every run's time and the
    worst memory of all runs: the highest peak and the largest rise over idle.
    """
    ordered = sorted(runs, key=lambda run: run["seconds"])
    summary = dict(ordered[len(ordered) // 2])
    summary["runs_seconds"] = [run["seconds"] for run in runs]
    summary["peak_rss_mib"] = max(run["peak_rss_mib"] for run in runs)
    summary["other_load_cores_max"] = max(run["other_load_cores"] for run in runs)
    if "peak_over_idle_mib" in summary:
        summary["peak_over_idle_mib"] = max(run["peak_over_idle_mib"] for run in runs)
        summary["first_byte_share_max"] = max(run["first_byte_share"] for run in runs)
    return summary
