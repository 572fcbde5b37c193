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
        "cold cache read of one field",
        "update one nested field",
        "update 10 fields",
        "remove one nested field",
        "remove 10 fields",
        "query a page of 100",
        "batch get of 100 records",
        "transaction of 10 updates",
    ]
    instructions = {row["operation"]: row for row in (load("overhead-instructions") or {}).get("operations", [])}
    print("### Overhead against hand-written aws-sdk-dynamodb calls\n")
    print("Same requests both ways (checked before measuring). Targets with no network: instructions ≤ 1.05× "
          "raw, time ≤ 1.10× raw.\n")
    print("| Operation | instructions/call: structnosql | raw | ratio | no network: structnosql | raw | ratio "
          "| embedded server: structnosql | raw | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for op in operations:
        counted = instructions.get(op)
        if counted:
            cells = [f"{counted['structnosql'] / 1000:,.0f} k", f"{counted['raw'] / 1000:,.0f} k",
                     mark(counted["ratio"], 1.05, digits=3)]
        else:
            cells = ["–", "–", "–"]
        for mode, target in (("no network", 1.10), ("embedded server", None)):
            ours = medians.get((f"{mode}/{op}", "structnosql"))
            raw = medians.get((f"{mode}/{op}", "raw"))
            shown = ratio(ours, raw)
            if target and ours and raw:
                shown = mark(ours / raw, target)
            cells += [duration(ours), duration(raw), shown]
        print(f"| {op} | " + " | ".join(cells) + " |")
    print()


def mark(value, target, digits=2):
    """A ratio, in bold when it misses its target."""
    text = f"{value:.{digits}f}"
    return text if value <= target else f"**{text}**"


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


def concurrency():
    data = load("concurrency")
    if not data:
        return
    print("### Concurrency\n")
    print(
        f"1, 16, 64 and 256 tasks at once on a multi-threaded runtime ({data.get('worker_threads')} "
        f"worker threads), against the {data.get('server')}, so that the CPU time is the client "
        "process's own. structnosql against hand-written aws-sdk-dynamodb calls sending the same "
        "requests (checked); the ratios are structnosql's cost over raw's (time per operation, i.e. "
        f"raw ops/s ÷ structnosql ops/s, and CPU per operation); median of {data.get('repetitions')} "
        "runs. Target: ≤ 1.10.\n"
    )
    print("| Operation | tasks | ops/s structnosql | raw | ratio | CPU µs/op structnosql | raw | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for row in data.get("operations", []):
        ours, raw = row["structnosql"], row.get("raw")
        if raw:
            print(
                f"| {row['operation']} | {row['tasks']} | {ours['ops_per_second']:,.0f} | "
                f"{raw['ops_per_second']:,.0f} | {row['ratio_time_per_op']:.2f} | "
                f"{ours['cpu_us_per_op']:.1f} | {raw['cpu_us_per_op']:.1f} | {row['ratio_cpu_per_op']:.2f} |"
            )
        else:
            print(
                f"| {row['operation']} (no request) | {row['tasks']} | {ours['ops_per_second']:,.0f} | "
                f"– | – | {ours['cpu_us_per_op']:.2f} | – | – |"
            )
    hits = data.get("cache_hits")
    if hits:
        print(
            "\nCache-hit get_field from many tasks at once: one caching table shared by every task "
            "(its cache is split into shards, each behind a lock of its own) against a table of "
            "each task's own. Scaling is the throughput over the same measurement's with 1 task; "
            "busy threads is CPU time over wall time; waits are the voluntary context switches per "
            "1,000 reads (a thread sleeping on a lock, or idle).\n"
        )
        print(
            "| tasks | shared: ops/s | CPU µs/op | scaling | busy threads | waits | "
            "table per task: ops/s | CPU µs/op | scaling | busy threads | shared / per task |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for row in hits:
            shared, own = row["shared_table"], row["table_per_task"]
            print(
                f"| {row['tasks']} | {shared['ops_per_second']:,.0f} | {shared['cpu_us_per_op']:.2f} | "
                f"{row['scaling_shared']:.2f} | {shared['busy_threads']:.2f} | "
                f"{shared['waits_per_1000_ops']:.1f} | {own['ops_per_second']:,.0f} | "
                f"{own['cpu_us_per_op']:.2f} | {row['scaling_table_per_task']:.2f} | "
                f"{own['busy_threads']:.2f} | {row['time_ratio_shared_over_own']:.2f} |"
            )
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
        original = f"**{totals.get('original_requests')}**" + partly_measured(data)
        print(f"| **total** | **{totals.get('structnosql_requests')}** | {original} | **{totals.get('minimum_requests')}** |")
    print()
    capacity(data)


def partly_measured(data):
    """` (rows measured)` when StructNoSQL was measured in only some of the economy scenarios."""
    totals = data.get("totals") or {}
    measured = totals.get("original_rows_measured")
    if totals.get("original_requests") is None or measured is None or measured >= len(data.get("scenarios", [])):
        return ""
    return " (rows measured)"


def units(read, write, refused=0):
    """A capacity cell pair: read units, and write units with the refused requests after them."""
    if read is None or write is None:
        return ["not reported", "not reported"]
    write = f"{write:g}" + (f" (+{refused} refused)" if refused else "")
    return [f"{read:g}", write]


def capacity(data):
    """The capacity units of the request-economy scenarios, as the server reports them."""
    print("### Capacity units\n")
    server = data.get("endpoint", "embedded")
    if not data.get("capacity_reported"):
        print(f"The server of the last economy run ({server}) reports no consumed capacity.\n")
        return
    theirs = (data.get("original") or {}).get("endpoint")
    elsewhere = f" (StructNoSQL's on {theirs})" if theirs and theirs != server else ""
    empty_page = data.get("empty_index_page_rcu")
    empty_page = f"{empty_page:g}" if empty_page is not None else "0.5"
    print(f"Read and write capacity units the server reported per scenario (`ReturnConsumedCapacity=TOTAL` "
          f"on every request), on {server}{elsewhere}. The minimum is what the minimal request "
          "sequence of the table above consumes: every item is under 1 KB, so 1 RCU per strongly "
          "consistent read or table Query page, 0.5 per index Query page, 1 WCU per write; an index "
          f"page that finds nothing costs {empty_page} RCU on this server (DynamoDB charges 0.5). A refused "
          "request (a write DynamoDB turns down) reports no capacity; DynamoDB charges it a write unit.\n")
    print("| Scenario | structnosql RCU | WCU | StructNoSQL 2.6.7 RCU | WCU | Minimum RCU | WCU |")
    print("|---|---|---|---|---|---|---|")
    for row in data.get("scenarios", []):
        ours = units(row.get("structnosql_rcu"), row.get("structnosql_wcu"), row.get("structnosql_refused_requests"))
        if row.get("original_requests") is None:
            theirs = ["not measured", "not measured"]
        else:
            theirs = units(row.get("original_rcu"), row.get("original_wcu"), row.get("original_capacity_refused_requests"))
        least = units(row.get("minimum_rcu"), row.get("minimum_wcu"), row.get("minimum_refused_requests"))
        print(f"| {row['scenario']} | " + " | ".join(ours + theirs + least) + " |")
    totals = data.get("totals")
    if totals:
        cells = [f"**{cell}**" for cell in units(totals.get("structnosql_rcu"), totals.get("structnosql_wcu"), totals.get("structnosql_refused_requests"))]
        if totals.get("original_rcu") is None:
            cells += ["–", "–"]
        else:
            original = units(totals.get("original_rcu"), totals.get("original_wcu"), totals.get("original_capacity_refused_requests"))
            cells += [f"**{original[0]}**", f"**{original[1]}**" + partly_measured(data)]
        cells += [f"**{cell}**" for cell in units(totals.get("minimum_rcu"), totals.get("minimum_wcu"), totals.get("minimum_refused_requests"))]
        print("| **total** | " + " | ".join(cells) + " |")
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


def cold_start():
    data = load("cold_start")
    if not data:
        return
    print("### Cold start and binary size (a Lambda-style program)\n")
    print(
        "The quickstart as a deployed program (`benches/cold-start/`: configuration from the "
        "environment, table handle, GetItem, then PutItem, the nested update creating its parent map "
        "and a GetItem of the field), with structnosql and with aws-sdk-dynamodb alone, both built by "
        "`cargo build --release` with the same crate features and printing the same lines; "
        f"median of {data.get('runs')} starts of each, alternating, against "
        f"{data.get('server', 'the embedded server')}. First answer: from spawning the process to "
        "its first GetItem answered. As built: cargo's release profile, which keeps the symbols but "
        "no debug information.\n"
    )
    print("| Measurement | structnosql | raw | ratio | target |")
    print("|---|---|---|---|---|")
    for row in data.get("measurements", []):
        show = size if row.get("unit") == "bytes" else duration
        cells = [
            show(row["structnosql"]) if row.get("structnosql") is not None else "–",
            show(row["raw"]) if row.get("raw") is not None else "–",
            ratio(row.get("structnosql"), row.get("raw")),
            f"≤ {row['target']:.2f}" if row.get("target") else "–",
        ]
        print(f"| {row['measurement']} | " + " | ".join(cells) + " |")
    print()


def main():
    medians = criterion_medians()
    if not medians and not RESULTS.exists():
        sys.exit("no results yet: run scripts/bench first")
    overhead(medians)
    cache(medians)
    external(medians)
    concurrency()
    economy()
    original()
    scale()
    cold_start()


if __name__ == "__main__":
    main()
