"""The printed table of the sync benchmark, with the targets checked."""

# Targets: actord's median sync call at most this much slower than the
# bare start, and at most this much memory per waiting request.
OVERHEAD_TARGET_MS = 5.0
MEMORY_TARGET_KIB = 20.0
# Cores kept busy by other work (in part A, and while actord idles before
# part B) above which the report warns.
OTHER_CORES_LIMIT = 0.25


def yes_no(value):
    return "yes" if value else "NO"


def overhead_lines(a):
    lines = [
        f"Part A: {a['requests']} sync calls of /bin/true after {a['warmup']} not counted,"
        f" each followed by a bare start of /bin/true",
        "",
        "| | median ms | p90 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for label, key in (("sync call (actord)", "sync"), ("bare start (peer)", "bare"), ("difference", "difference")):
        row = a[key]
        lines.append(f"| {label} | {row['median_ms']:.3f} | {row['p90_ms']:.3f} | {row['p99_ms']:.3f} |")
    lines += [
        "",
        f"client CPU per call {a['client_cpu_ms_per_request']:.3f} ms, actord CPU per call (with its"
        f" reaped actor) {a['actord_cpu_ms_per_request']:.3f} ms, other cores {a['other_cores']:.2f},"
        f" load {a['load_before']:.2f} before and {a['load_after']:.2f} after",
    ]
    return lines


def waiting_lines(w, p):
    lines = ["", f"Part B: {w['requests']} concurrent sync calls, at most {w['max_concurrent_runs']} runs going"
                 f" (--max-concurrent-runs), the first ones until {w['sleep_secs']} s after the start", ""]
    lines += [
        "| server | idle MiB | waiting MiB | KiB per waiting request | 201 answers | with the item |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = [("actord", w)] + ([("Node.js http server (peer)", p)] if p else [])
    for label, row in rows:
        answers = row["answers"]
        lines.append(f"| {label} | {row['idle_kib'] / 1024:.1f} | {row['waiting_kib'] / 1024:.1f} |"
                     f" {row['kib_per_request']:.2f} | {answers['statuses'].get('201', 0)} |"
                     f" {answers['with_marker']} |")
    lines += [
        "",
        f"actord: all requests sent after {w['all_sent_secs']} s; when sampled ({w['all_waiting_secs']} s)"
        f" {w['running_at_sample']} runs RUNNING, {w['ready_at_sample']} READY and {w['ended_at_sample']}"
        f" ended, {w['open_fds_at_sample']}"
        f" open files; answers from {w['answers']['first_answer_ms'] / 1000:.1f} s to"
        f" {w['answers']['last_answer_ms'] / 1000:.1f} s; statuses {w['answers']['statuses']};"
        f" other cores {w['other_cores_before']:.2f} before; load {w['load_before']:.2f} before and"
        f" {w['load_during']:.2f} while waiting",
    ]
    if p:
        lines.append(f"peer: {p['held_at_sample']} requests held when sampled;"
                     f" statuses {p['answers']['statuses']}")
    return lines


def target_lines(results):
    lines = ["", "| target | measured | met |", "|---|---|---|"]
    a = results.get("overhead")
    if a:
        diff = a["difference"]["median_ms"]
        lines.append(f"| median sync call at most {OVERHEAD_TARGET_MS:g} ms over the bare start |"
                     f" {diff:.3f} ms | {yes_no(diff < OVERHEAD_TARGET_MS)} |")
    w = results.get("waiting")
    if w:
        per = w["kib_per_request"]
        answers = w["answers"]
        all_items = answers["statuses"].get("201", 0) == w["requests"] and answers["with_marker"] == w["requests"]
        all_waiting = (w["running_at_sample"] + w["ready_at_sample"] == w["requests"]
                       and w["ended_at_sample"] == 0)
        lines.append(f"| under {MEMORY_TARGET_KIB:g} KiB of actord memory per waiting request |"
                     f" {per:.2f} KiB | {yes_no(per < MEMORY_TARGET_KIB and all_waiting)} |")
        lines.append(f"| every request answered 201 with its item | {answers['statuses'].get('201', 0)} of"
                     f" {w['requests']} | {yes_no(all_items)} |")
        if not all_waiting:
            lines.append("(not every request was waiting at the sample: raise --sleep-secs)")
    return lines


def report(results):
    m = results["machine"]
    lines = [
        f"Run of {results['started_utc']} at commit {m['commit']}: {m['cpu_model']}, {m['cores']} cores,"
        f" {m['memory_gib']} GiB, Linux {m['kernel']}, libmicrohttpd {m['libmicrohttpd']},"
        f" SQLite {m['sqlite']}, Node.js {m['node']}",
        "",
    ]
    a = results.get("overhead")
    if a:
        lines += overhead_lines(a)
    w = results.get("waiting")
    if w:
        lines += waiting_lines(w, results.get("waiting_peer"))
    lines += target_lines(results)
    # Busy cores, not the load average: the load average lags by minutes
    # and counts the benchmark's own runs.
    other = [value for value in (a and a["other_cores"], w and w["other_cores_before"]) if value is not None]
    if other and max(other) > OTHER_CORES_LIMIT:
        lines += ["", f"WARNING: other work kept up to {max(other):.2f} cores busy, so repeat the run on a"
                      f" quiet machine."]
    return "\n".join(lines) + "\n"
