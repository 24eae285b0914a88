"""The targets of the export benchmark and the table it prints."""

# The export may raise actord's resident memory by at most this much.
MEMORY_BUDGET_MIB = 64
# The first body byte must arrive within this share of the export's time,
# so that a client sees data while actord is still converting items.
FIRST_BYTE_SHARE_MAX = 0.5

# Cores that other processes may keep busy on average during a run before
# the report warns that the machine was not quiet.
OTHER_LOAD_WARNING_CORES = 0.25

# The peer each format is compared with (a key of measure.PEERS) and the
# target. actord must reach at least `speedup` times the peer's items/s, or
# more than the peer's where `speedup` is 1. Where `memory_share` is set, its
# peak RSS must be at most that share of the peer's. jsonl, html and xml have
# no peer that makes the same output, so the nearest one is a proxy:
# JSON.stringify for the serialized item trees of jsonl and xml, and the csv
# module for the flattened table of html.
TARGETS = {
    "json": {"peer": "json", "speedup": 5, "proxy": False},
    "jsonl": {"peer": "json", "speedup": 5, "proxy": True},
    "csv": {"peer": "csv", "speedup": 5, "proxy": False},
    "html": {"peer": "csv", "speedup": 5, "proxy": True},
    "xml": {"peer": "json", "speedup": 5, "proxy": True},
    "xlsx": {"peer": "xlsx", "speedup": 1, "memory_share": 0.1, "proxy": False},
}


def check_export(export):
    """Add the memory and first-byte verdicts to an export summary."""
    export["memory_within_budget"] = export["peak_over_idle_mib"] <= MEMORY_BUDGET_MIB
    export["first_byte_early"] = export["first_byte_share_max"] <= FIRST_BYTE_SHARE_MAX


def compare(exports, peers):
    """Apply TARGETS; returns one verdict per format that has a target and was measured."""
    verdicts = []
    for export_format, target in TARGETS.items():
        if export_format not in exports or target["peer"] not in peers:
            continue
        mine = exports[export_format]
        peer = peers[target["peer"]]
        speedup = mine["items_per_second"] / peer["items_per_second"]
        met = speedup >= target["speedup"] if target["speedup"] > 1 else speedup > 1
        verdict = {
            "format": export_format,
            "peer": peer["peer"],
            "proxy": target["proxy"],
            "speedup": round(speedup, 2),
            "speedup_target": target["speedup"],
            # Against every peer, for the formats compared with a proxy.
            "speedup_by_peer": {other["peer"]: round(mine["items_per_second"] / other["items_per_second"], 2)
                                for other in peers.values()},
        }
        if "memory_share" in target:
            share = mine["peak_rss_mib"] / peer["peak_rss_mib"]
            verdict["memory_share"] = round(share, 3)
            verdict["memory_share_target"] = target["memory_share"]
            met = met and share <= target["memory_share"]
        verdict["met"] = met
        verdicts.append(verdict)
    return verdicts


def align(rows):
    """Format rows as text columns: the first left-aligned, the rest right-aligned, a rule under the header."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [str(cell).rjust(widths[i]) if i else str(cell).ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def seconds_range(runs):
    return f"{min(runs):.2f}-{max(runs):.2f}"


def export_rows(exports):
    rows = [("format", "seconds", "range", "items/s", "MB/s", "out MB", "CPU s", "headers s", "1st byte s",
             "idle MiB", "peak MiB", "+MiB", f"+<={MEMORY_BUDGET_MIB}MiB",
             f"1st byte<={FIRST_BYTE_SHARE_MAX:.0%}", "other cores")]
    for export in exports.values():
        rows.append((
            export["format"],
            f"{export['seconds']:.2f}",
            seconds_range(export["runs_seconds"]),
            f"{export['items_per_second']:,}",
            f"{export['mb_per_second']:.1f}",
            f"{export['body_bytes'] / 1e6:.0f}",
            f"{export['actord_cpu_seconds']:.2f}",
            f"{export['headers_seconds']:.3f}",
            f"{export['first_byte_seconds']:.3f}",
            f"{export['idle_rss_mib']:.1f}",
            f"{export['peak_rss_mib']:.1f}",
            f"{export['peak_over_idle_mib']:.1f}",
            "yes" if export["memory_within_budget"] else "NO",
            "yes" if export["first_byte_early"] else "NO",
            f"{export['other_load_cores_max']:.2f}",
        ))
    return rows


def peer_rows(peers):
    rows = [("peer", "format", "seconds", "range", "items/s", "MB/s", "out MB", "CPU s", "peak MiB", "other cores")]
    for peer in peers.values():
        rows.append((
            peer["peer"],
            peer["format"],
            f"{peer['seconds']:.2f}",
            seconds_range(peer["runs_seconds"]),
            f"{peer['items_per_second']:,}",
            f"{peer['mb_per_second']:.1f}",
            f"{peer['body_bytes'] / 1e6:.0f}",
            f"{peer['cpu_seconds']:.2f}",
            f"{peer['peak_rss_mib']:.1f}",
            f"{peer['other_load_cores_max']:.2f}",
        ))
    return rows


def target_rows(verdicts):
    rows = [("format", "compared with", "speedup", "target", "memory share", "target", "met")]
    for verdict in verdicts:
        rows.append((
            verdict["format"],
            verdict["peer"] + (" (proxy)" if verdict["proxy"] else ""),
            f"{verdict['speedup']:.2f}x",
            f">={verdict['speedup_target']}x" if verdict["speedup_target"] > 1 else ">1x",
            f"{verdict['memory_share']:.3f}" if "memory_share" in verdict else "",
            f"<={verdict['memory_share_target']}" if "memory_share" in verdict else "",
            "yes" if verdict["met"] else "NO",
        ))
    return rows


def format_table(results):
    """Format the printed report: exports, peers, targets and output checks."""
    items = results["items"]
    lines = [
        f"{items['items']:,} items, {items['mean_item_bytes']} bytes each on average;"
        f" loaded in {results['load']['seconds']} s; {results['repeat']} runs of each, the median shown",
        "",
    ]
    lines += align(export_rows(results["exports"]))
    if results["peers"]:
        lines.append("")
        lines += align(peer_rows(results["peers"]))
    if results["targets"]:
        lines.append("")
        lines += align(target_rows(results["targets"]))
    busiest = max([run["other_load_cores_max"] for run in [*results["exports"].values(), *results["peers"].values()]],
                  default=0)
    if busiest > OTHER_LOAD_WARNING_CORES:
        lines.append("")
        lines.append(f"WARNING: other processes kept up to {busiest:.2f} cores busy during a run"
                     " (column 'other cores'); rerun on a quiet machine for numbers to compare.")
    if results["checks"]:
        lines.append("")
        lines += [f"output check: {check}" for check in results["checks"]]
    return "\n".join(lines) + "\n"
