"""The actord export benchmark; run.sh installs what it needs and calls this.

It generates N items (gen-items.mjs) unless the work dir has them, starts
actord on 127.0.0.1 with a fresh data dir, loads the items into one dataset
once, then exports the whole dataset in each format with
GET /v2/datasets/:id/items?format=F, restarting actord before each export
(measure.py describes what is measured). The peers (JSON.stringify, Python's csv
module, exceljs) convert the same items file. Each export and each peer
runs --repeat times and the run with the median time is reported. Last,
outside the timed runs, it checks that actord and the peers made the same
output. Results go to a JSON file and the printed table to a .txt beside it.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import zipfile

import measure
import report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import machine  # noqa: E402  (bench/lib/machine.py)
import server as actord

FORMATS = ["json", "jsonl", "csv", "html", "xml", "rss", "xlsx"]
MIB = 1024 * 1024
log = measure.log


def command_output(command):
    """Return the first line of a command's output, or "unknown" when it fails."""
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except OSError:
        return "unknown"
    lines = result.stdout.strip().splitlines()
    return lines[0] if result.returncode == 0 and lines else "unknown"


def read_machine():
    """Describe the machine: CPU, memory, kernel, compiler, build flags and versions of what the benchmark runs."""
    cpu_model = machine.cpu_model()
    mem_kib = machine.memory_kib()

    # The flags build/actord was compiled with, from its DWARF debug info.
    dwarf = subprocess.run(["readelf", "--debug-dump=info", actord.ACTORD_BIN], capture_output=True, text=True).stdout
    producer = re.search(r"DW_AT_producer\s*:\s*(?:\(indirect string, offset: 0x[0-9a-f]+\):\s*)?(.+)", dwarf)

    with open(os.path.join(measure.BENCH_DIR, "node_modules", "exceljs", "package.json")) as package:
        exceljs_version = json.load(package)["version"]

    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / MIB, 1),
        "kernel": platform.release(),
        "compiler": command_output(["cc", "--version"]),
        "actord_build_flags": producer.group(1).strip() if producer else "unknown",
        "sqlite": command_output(["pkg-config", "--modversion", "sqlite3"]),
        "libmicrohttpd": command_output(["pkg-config", "--modversion", "libmicrohttpd"]),
        "zlib": command_output(["pkg-config", "--modversion", "zlib"]),
        "node": command_output(["node", "--version"]),
        "python": platform.python_version(),
        "exceljs": exceljs_version,
    }


def ensure_items(work_dir, count, seed):
    """Generate the items file unless one for the same count, seed and generator exists; returns its path."""
    path = os.path.join(work_dir, f"items-{count}-{seed}.jsonl")
    meta_path = path + ".meta.json"
    generator = os.path.join(measure.BENCH_DIR, "gen-items.mjs")
    with open(generator, "rb") as source:
        generator_sha256 = hashlib.sha256(source.read()).hexdigest()
    expected = {"items": count, "seed": seed, "generator_sha256": generator_sha256}
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path) as meta:
            if json.load(meta) == expected:
                log(f"items: reusing {path}")
                return path
    log(f"items: generating {count} items into {path}")
    started = time.monotonic()
    subprocess.run(["node", generator, "--items", str(count), "--seed", str(seed), "--out", path], check=True)
    with open(meta_path, "w") as meta:
        json.dump(expected, meta)
    log(f"items: generated in {time.monotonic() - started:.1f} s")
    return path


def items_stats(path):
    lines = 0
    size = 0
    with open(path, "rb") as items:
        for line in items:
            lines += 1
            size += len(line) - 1
    return {"items": lines, "bytes": size, "mean_item_bytes": round(size / lines, 1)}


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while block := data.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


def xlsx_row_count(path):
    """Count the rows of the first worksheet of an xlsx file by streaming its XML."""
    with zipfile.ZipFile(path) as workbook:
        sheets = sorted(name for name in workbook.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", name))
        rows = 0
        # The last 4 bytes of each block, shorter than "<row ", go in front
        # of the next one, so that a tag split between blocks counts once.
        tail = b""
        with workbook.open(sheets[0]) as sheet:
            while block := sheet.read(4 * MIB):
                data = tail + block
                rows += data.count(b"<row ")
                tail = data[-4:]
    return rows


def fetch_for_checks(server, dataset_id, formats, out_dir):
    """Save actord's json, csv and xlsx output, outside the timed runs; returns their paths by format."""
    saved = {}
    for export_format in ("json", "csv", "xlsx"):
        if export_format in formats:
            saved[export_format] = os.path.join(out_dir, f"actord.{export_format}")
            log(f"check: saving actord's {export_format} output")
            measure.fetch_export(server, dataset_id, export_format, saved[export_format])
    return saved


def output_checks(saved, peers, item_count):
    """Compare actord's saved output with the peers' last output."""
    checks = []
    for export_format in ("json", "csv"):
        if export_format in saved and export_format in peers:
            same = file_sha256(saved[export_format]) == file_sha256(peers[export_format]["out_path"])
            checks.append(f"{export_format}: actord's output and {peers[export_format]['peer']}'s are"
                          f" {'byte for byte the same' if same else 'DIFFERENT'}")
    if "xlsx" in saved and "xlsx" in peers:
        mine = xlsx_row_count(saved["xlsx"])
        theirs = xlsx_row_count(peers["xlsx"]["out_path"])
        checks.append(f"xlsx: actord's worksheet has {mine:,} rows and exceljs's {theirs:,}"
                      f" ({item_count + 1:,} expected with the header row)")
    return checks


def parse_args():
    parser = argparse.ArgumentParser(description="Benchmark actord's dataset export against peer tools.")
    parser.add_argument("--items", type=int, default=1_000_000, help="items in the dataset (default 1000000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the item generator (default 1)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each export and each peer; the median is reported (default 3)")
    parser.add_argument("--work-dir", default="/tmp/actord-bench-export",
                        help="items file, actord data dir and outputs (default /tmp/actord-bench-export)")
    parser.add_argument("--results", help="results as JSON (default WORK_DIR/results.json);"
                        " the table goes to the same path with .txt")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated formats to export (default {','.join(FORMATS)})")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer tools and the output checks")
    parser.add_argument("--keep-outputs", action="store_true", help="keep the output files in WORK_DIR/out")
    args = parser.parse_args()
    args.formats = [name for name in args.formats.split(",") if name]
    unknown = [name for name in args.formats if name not in FORMATS]
    if unknown:
        parser.error(f"unknown formats: {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    if args.items < actord.FIRST_RUN_ITEMS:
        parser.error(f"--items must be at least {actord.FIRST_RUN_ITEMS}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def run_exports(args, items_path, data_dir, out_dir, results):
    """Load the dataset, time every export and save the outputs the checks need."""
    server = actord.Actord(data_dir, os.path.join(args.work_dir, "actord.log"))
    server.start()
    try:
        log(f"load: pushing {args.items} items to actord (pid {server.pid}, port {server.port})")
        started = time.monotonic()
        dataset_id, requests = actord.load_items(server, items_path)
        seconds = time.monotonic() - started
        dataset = server.expect(200, "GET", f"/v2/datasets/{dataset_id}")["data"]
        if dataset["itemCount"] != args.items:
            raise RuntimeError(f"dataset {dataset_id} has {dataset['itemCount']} items, expected {args.items}")
        results["load"] = {"seconds": round(seconds, 1), "requests": requests, "dataset_id": dataset_id,
                           "items_per_second": round(args.items / seconds)}
        log(f"load: {args.items} items in {seconds:.1f} s ({requests} requests)")

        for export_format in args.formats:
            runs = []
            for _ in range(args.repeat):
                run = measure.measure_export(server, dataset_id, export_format, args.items)
                runs.append(run)
                log(f"export {export_format}: {run['seconds']:.2f} s, {run['items_per_second']:,} items/s,"
                    f" {run['mb_per_second']} MB/s, first byte {run['first_byte_seconds']:.3f} s,"
                    f" peak RSS {run['peak_rss_mib']} MiB ({run['peak_over_idle_mib']:+.1f} over idle)")
            export = measure.summarize(runs)
            report.check_export(export)
            results["exports"][export_format] = export
        return fetch_for_checks(server, dataset_id, args.formats, out_dir) if not args.no_peers else {}
    finally:
        server.stop()


def run_peers(args, items_path, out_dir, results):
    for key in measure.PEERS:
        runs = []
        for _ in range(args.repeat):
            run = measure.run_peer(key, items_path, args.items, out_dir)
            runs.append(run)
            log(f"peer {run['peer']}: {run['seconds']:.2f} s, {run['items_per_second']:,} items/s,"
                f" peak RSS {run['peak_rss_mib']} MiB")
        results["peers"][key] = measure.summarize(runs)


def main():
    args = parse_args()
    args.work_dir = os.path.abspath(args.work_dir)
    results_path = os.path.abspath(args.results or os.path.join(args.work_dir, "results.json"))
    out_dir = os.path.join(args.work_dir, "out")
    data_dir = os.path.join(args.work_dir, "data")
    os.makedirs(args.work_dir, exist_ok=True)
    for directory in (out_dir, data_dir):
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)

    started = time.monotonic()
    results = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": read_machine(),
        "seed": args.seed,
        "repeat": args.repeat,
        "exports": {},
        "peers": {},
        "targets": [],
        "checks": [],
    }
    items_path = ensure_items(args.work_dir, args.items, args.seed)
    results["items"] = items_stats(items_path)
    if results["items"]["items"] != args.items:
        raise RuntimeError(f"{items_path} has {results['items']['items']} items, expected {args.items}")

    saved = run_exports(args, items_path, data_dir, out_dir, results)
    if not args.no_peers:
        run_peers(args, items_path, out_dir, results)
        results["targets"] = report.compare(results["exports"], results["peers"])
        results["checks"] = output_checks(saved, results["peers"], args.items)
    results["total_seconds"] = round(time.monotonic() - started, 1)

    table = report.format_table(results)
    table_path = os.path.splitext(results_path)[0] + ".txt"
    with open(results_path, "w") as out:
        json.dump(results, out, indent=2)
        out.write("\n")
    with open(table_path, "w") as out:
        out.write(table)
    print(table, end="")
    print(f"\nresults: {results_path} and {table_path} (whole run {results['total_seconds']} s)")
    if not args.keep_outputs:
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
