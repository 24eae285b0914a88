"""Summaries and the printed table of the SDK actor benchmark."""

import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import machine  # noqa: E402  (bench/lib/machine.py)

# Cores kept busy by other work during the measured rounds, and the
# one-minute load average before them, above which the report warns.
OTHER_CORES_LIMIT = 0.25
LOAD_LIMIT = 1.5

LABELS = {
    "sync": "actord: run-sync-get-dataset-items",
    "cli": "apify-cli 1.10.0: `apify run` (peer)",
    "bare-npm": "`npm start --silent` against actord's API, no run",
    "bare-node": "`node main.js` against actord's API, no run",
    "local-npm": "`npm start --silent` with local storage, no CLI",
    "cli-start": "`apify --version`: the CLI's start alone",
}


def version_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def read_machine(repo_dir):
    """Return the machine, the software versions and the commit."""
    cpu_model = machine.cpu_model()
    mem_kib = machine.memory_kib()
    return {
        "started_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "node": version_of(["node", "--version"]),
        "npm": version_of(["npm", "--version"]),
        "commit": version_of(["git", "-C", repo_dir, "describe", "--always", "--dirty"]) or "unknown",
    }


def percentile(sorted_values, fraction):
    """Return the value at `fraction` of a sorted list, by the nearest-rank method."""
    index = max(0, min(len(sorted_values) - 1, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def summarize(result):
    """Return the median, p90, min and max in ms, and the median CPU, of one side's rounds."""
    ordered = sorted(result["seconds"])
    summary = {
        "median_ms": round(percentile(ordered, 0.5) * 1000, 1),
        "p90_ms": round(percentile(ordered, 0.9) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "cpu_median_ms": round(percentile(sorted(result["cpu_s"]), 0.5) * 1000, 1),
        "all_ms": [round(value * 1000, 1) for value in result["seconds"]],
    }
    run_ms = [extra["run_ms"] for extra in result["extra"] if "run_ms" in extra]
    if run_ms:
        summary["run_median_ms"] = percentile(sorted(run_ms), 0.5)
    return summary


# Pairs of sides whose difference, round by round, isolates one layer:
# actord's work around the same process, and the CLI's around npm start.
DIFFERENCES = (
    ("sync", "bare-npm", "actord's own work: sync call minus bare `npm start`"),
    ("cli", "local-npm", "the CLI's own work: `apify run` minus local `npm start`"),
)


def differences(results):
    """Return the median and p90 in ms of the per-round differences of the measured DIFFERENCES pairs."""
    out = {}
    for first, second, _ in DIFFERENCES:
        if first in results and second in results:
            pairs = zip(results[first]["seconds"], results[second]["seconds"])
            ordered = sorted((a - b) * 1000 for a, b in pairs)
            out[f"{first} - {second}"] = {"median_ms": round(percentile(ordered, 0.5), 1),
                                          "p90_ms": round(percentile(ordered, 0.9), 1)}
    return out


def lines(summary):
    """Return the printed report as a list of lines."""
    m = summary["machine"]
    out = [
        f"Run of {m['started_utc']} at commit {m['commit']}: {m['cpu_model']}, {m['cores']} cores,"
        f" {m['memory_gib']} GiB, Linux {m['kernel']}, Node.js {m['node']}, npm {m['npm']}",
        f"{summary['runs']} rounds after {summary['warmup']} not counted; input {summary['input']};"
        f" the actor's build on actord took {summary['build_secs']} s",
        "",
        "| | median ms | p90 ms | min ms | max ms | CPU ms (median) |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    sides = summary["sides"]
    for name, row in sides.items():
        out.append(f"| {LABELS[name]} | {row['median_ms']:.1f} | {row['p90_ms']:.1f} | {row['min_ms']:.1f} |"
                   f" {row['max_ms']:.1f} | {row['cpu_median_ms']:.1f} |")
    out.append("")

    for first, second, label in DIFFERENCES:
        row = summary["differences"].get(f"{first} - {second}")
        if row:
            out.append(f"{label}: median {row['median_ms']:.1f} ms, p90 {row['p90_ms']:.1f} ms (per round)")

    sync, cli = sides["sync"], sides["cli"]
    out.append(f"apify run / actord, medians: {cli['median_ms'] / sync['median_ms']:.2f}x")
    if "run_median_ms" in sync:
        out.append(f"actord's runs lasted {sync['run_median_ms']} ms (median, startedAt to finishedAt)")

    out.append(f"load {summary['load_before']:.2f} before and {summary['load_after']:.2f} after;"
               f" other work kept {summary['other_cores']:.2f} cores busy; whole run {summary['total_secs']} s")
    rejected = summary["rejected_connections"]
    out.append("connections off 127.0.0.1 tried: " + (", ".join(sorted(set(rejected))) if rejected else "none"))
    if summary["other_cores"] > OTHER_CORES_LIMIT or summary["load_before"] > LOAD_LIMIT:
        out += ["", "WARNING: the machine was busy; repeat the run when it is quiet."]
    return out
