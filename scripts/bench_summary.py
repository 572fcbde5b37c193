#!/usr/bin/env python3
"""Prints the benchmark results of the last `scripts/bench` run as Markdown tables.

Reads criterion's estimates (target/criterion/**/new/) and the JSON files the benchmark programs
leave in target/bench-results/. Every time is a median; every ratio compares two measurements taken
in the same run.
"""

import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
RESULTS = TARGET / "bench-results"


def criterion_medians():
    """{(group, function): median nanoseconds} for every criterion benchmark."""
    medians = {}
    for estimates in (TARGET / "criterion").glob("**/new/estimates.json"):
        benchmark = json.loads((estimates.parent / "benchmark.json").read_text())
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        key = (benchmark.get("group_id"), benchmark.get("function_id"))
        medians[key] = median
    return medians


def duration(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def size(count):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count:.0f} B"


def ratio(numerator, denominator):
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.2f}"


def load(name):
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def overhead(medians):
    operations = [
        "put",
        "get one nested field",
        "get 10 fields",
        "update one nested field",
        "update 10 fields",
        "remove one nested field",
        "query a page of 100",
    ]
    print("### Overhead against hand-written aws-sdk-dynamodb calls\n")
    print("Same requests both ways (checked before measuring). Target: ratio ≤ 1.10 with no network.\n")
    print("| Operation | no network: structnosql | raw | ratio | embedded server: structnosql | raw | ratio |")
    print("|---|---|---|---|---|---|---|")
    for op in operations:
        cells = []
        for mode in ("no network", "embedded server"):
            ours = medians.get((f"{mode}/{op}", "structnosql"))
            raw = medians.get((f"{mode}/{op}", "raw"))
            cells += [duration(ours), duration(raw), ratio(ours, raw)]
        print(f"| {op} | " + " | ".join(cells) + " |")
    print()


def cache(medians):
    print("### Caching table\n")
    print("| Measurement | Median | Target |")
    print("|---|---|---|")
    for name, target in (
        ("cache-hit get_field (nested)", "≤ 1 µs"),
        ("queue a pending update (nested)", "≤ 1 µs"),
        ("resolve a string path", "–"),
    ):
        print(f"| {name} | {duration(medians.get((name, None)))} | {target} |")
    group = "commit 1,000 records x 10 writes"
    ours = medians.get((group, "structnosql"))
    raw = medians.get((group, "raw"))
    print(
        f"| commit of 1,000 records × 10 writes (16 at a time), embedded server | "
        f"{duration(ours)} vs raw {duration(raw)}: **{ratio(ours, raw)}×** | ≤ 1.2× raw |"
    )
    print()


def external(medians):
    rows = ("get_record", "update 10 fields", "commit 100 records")
    if not any(medians.get((f"external/{row}", "direct")) for row in rows):
        return
    print("### External tables: the same operations through your own HTTP API\n")
    print("A table direct, and the same table through an `Executor` served over HTTP on 127.0.0.1 "
          "(axum, reqwest), both on the embedded server.\n")
    print("| Operation | direct | through the API | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        direct = medians.get((f"external/{row}", "direct"))
        through = medians.get((f"external/{row}", "through API"))
        print(f"| {row} | {duration(direct)} | {duration(through)} | {ratio(through, direct)} |")
    print()


def economy():
    data = load("economy")
    if not data:
        return
    print("### Request economy\n")
    server = data.get("endpoint", "embedded")
    print(f"Requests sent per scenario, on the same server ({server}). StructNoSQL 2.6.7 measured by "
          "`benches/python_original/run.sh`; the minimum is what DynamoDB's API allows.\n")
    print("| Scenario | structnosql | StructNoSQL 2.6.7 | Minimum |")
    print("|---|---|---|---|")
    for row in data.get("scenarios", []):
        original = row.get("original_requests")
        if original is None:
            original = row.get("original_error") or "not measured"
        print(f"| {row['scenario']} | {row['structnosql_requests']} | {original} | {row['minimum_requests']} |")
    totals = data.get("totals")
    if totals:
        print(f"| **total** | **{totals.get('structnosql_requests')}** | **{totals.get('original_requests')}** | **{totals.get('minimum_requests')}** |")
    print()


def original():
    data = load("original")
    if not data:
        return
    print("### Against the Python original (StructNoSQL 2.6.7)\n")
    print(f"Same workload ({data.get('records')} records, median of {data.get('repetitions')} passes), "
          f"same standalone server ({data.get('endpoint')}), one task, sequential. "
          "CPU is the client process's own.\n")
    print("| Step | ops/s structnosql | ops/s original | ratio | client CPU µs/op structnosql | original | ratio |")
    print("|---|---|---|---|---|---|---|")
    for row in data.get("steps", []):
        ours, theirs = row["structnosql"], row["original"]
        print(
            f"| {row['step']} | {ours['ops_per_second']:.0f} | {theirs['ops_per_second']:.0f} | "
            f"{row['ratio_ops_per_second']:.2f}× | {ours['cpu_us_per_op']:.1f} | "
            f"{theirs['cpu_us_per_op']:.1f} | {row['ratio_cpu_per_op']:.3f} |"
        )
    print()


def scale():
    data = load("scale")
    if not data:
        return
    print("### Scale\n")
    print("Record size (BasicTable vs the same requests by hand, embedded server; client CPU ratio):\n")
    print("| Item size | put_record | get_record | get_field | update_field |")
    print("|---|---|---|---|---|")
    for row in data.get("record_size", []):
        ops = row["operations"]
        cells = [
            f"{ops[op]['ratio']['cpu']:.2f}" if op in ops else "–"
            for op in ("put_record", "get_record", "get_field", "update_field")
        ]
        print(f"| {size(row['item_bytes'])} | " + " | ".join(cells) + " |")
    print("\nPending writes on one record (CachingTable), queued then committed:\n")
    print("| Writes | Paths | Per queued write | Held per write | Commit | Requests |")
    print("|---|---|---|---|---|---|")
    for row in data.get("pending_writes", []):
        commit = row.get("commit") or {}
        print(
            f"| {row['pending']} | `{row['mode']}` | {duration(row['per_queued_update']['wall_ns'])} | "
            f"{size(row['held_bytes'] / row['pending'])} | {duration(commit.get('wall_ns'))} | "
            f"{row.get('commit_requests', '–')} |"
        )
    print("\nCached records (cache hits of a nested field, memory of the cache):\n")
    print(
        "| Records | Hit, random record | Bytes per record | Cache / item bytes "
        "| Cache / same items as SDK maps |"
    )
    print("|---|---|---|---|---|")
    for row in data.get("cached_records", {}).get("sizes", []):
        print(
            f"| {row['records']} | {duration(row['cache_hit']['wall_ns'])} | "
            f"{size(row['cache_bytes'] / row['records'])} | "
            f"{row['cache_over_data']:.1f}× | {row['cache_over_plain_items']:.2f}× |"
        )
    print()


def main():
    medians = criterion_medians()
    if not medians and not RESULTS.exists():
        sys.exit("no results yet: run scripts/bench first")
    overhead(medians)
    cache(medians)
    external(medians)
    economy()
    original()
    scale()


if __name__ == "__main__":
    main()
