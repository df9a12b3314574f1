#!/usr/bin/env python3
"""A benchmark at its tiny size, so that it never stops working (ctest: export_bench_tiny,
acct_bench_tiny, ingest_bench_tiny, bench_linear_tiny, ab_tiny; decode-bench has
decode_bench_tiny_test.py).

Runs COMMAND (the benchmark with --tiny and the build's own binaries) and checks that it exits 0
and prints every figure NAME owes, in order: each line there, with a number wherever a figure
goes. It checks that each figure is there and is a number, never its value: a tiny run on a
shared machine measures nothing. (The benchmarks check for themselves that each step did its
work: every record stored, imported or answered.)
Usage: bench_tiny_test.py NAME COMMAND... Exits 77 (skipped) where the benchmark does: a tool it
needs is not installed.
"""
import os
import re
import subprocess
import sys

N = r"[0-9][0-9,]*(?:\.[0-9]+)?"  # a figure: 1,234 or 0.82


def export_bench(cmd):
    page = rf"bounced {N} ms \({N} bytes\), sqlite3 -json {N} ms \({N} bytes\) = {N} times sqlite3's"
    return [
        ("the page and the database", rf"export of one page of {N} records from {N}, medians of 1 runs \(same run, same file\):"),
        ("the unfiltered page", rf"  unfiltered: {page}"),
        ("a campaign's page", rf"  campaign=c7: {page}"),
    ]


def acct_bench(cmd):
    return [
        ("the file", rf"{N} records, {N} MB; medians of 1 runs, alternating"),
        ("the run", rf"  run 1: bounced acct {N} s \(again {N} s\), sqlite3 \.import {N} s, "
                    rf"SQLite alone writing bounced's rows {N} s, the rows alone {N} s"),
        ("bounced against .import", rf"bounced acct {N} s \({N} records/s\), sqlite3 \.import {N} s \({N} records/s\): "
                                    rf"{N} times as long \(goal: at most 2\)"),
        ("the second import", rf"the same file again \(every record a duplicate\): {N} s"),
        ("the first floor", rf"SQLite alone writing the rows, keys and suppression entries bounced writes \(.*\): "
                            rf"{N} s = {N} times \.import; bounced takes {N} times that"),
        ("the second floor", rf"SQLite writing the rows and their twelve indexes alone \(.*\): {N} s = {N} times \.import"),
    ]


def ingest_bench(cmd):
    cases = ["smtp-source (new connection per message)", "smtp-source -d (reuse)"]
    # The real bounces are owed where the corpus is (ctest names it with --corpus).
    corpus = cmd[cmd.index("--corpus") + 1] if "--corpus" in cmd else None
    if corpus and os.path.isdir(corpus):
        cases.append("real bounces (1 x the corpus, our LMTP client)")
    else:
        print(f"no corpus at {corpus}: the real bounces are not owed")
    owed = [("the heading", r"ingest over LMTP, 10 sessions, medians of 1 runs \(same run, same machine\):")]
    for case in cases:
        owed += [
            (f"{case}: the rates", rf"  {re.escape(case)}: {N} messages: smtp-sink {N}/s, bounced {N}/s = {N} of smtp-sink's rate"),
            (f"{case}: the floors", rf"    floor \(tests/bench/ingest_floor: .*\) {N}/s = {N}; the floor with bounced's decoder {N}/s = {N}"),
            (f"{case}: the CPU", rf"    CPU a message: smtp-sink {N} us, bounced {N} us, floor {N} us, floor\+decode {N} us; the client {N} us"),
        ]
    owed.append(("the fsyncs", rf"  fsync\+fdatasync calls: {N} for {N} messages = {N} per 1,000 messages"))
    return owed


def ab(cmd):
    """tests/bench/ab over export-bench --tiny, the same binary as A and B: its two figures."""
    label = r"  (unfiltered|campaign=c#): bounced # ms \(# bytes\), sqlite# -json # ms \(# bytes\) = # times sqlite#'s"
    return [
        ("A's round", rf"round 1 A: {N}, {N}"),
        ("B's round", rf"round 1 B: {N}, {N}"),
        ("the heading", r"medians of 1 rounds, A = .*, B = .*:"),
        ("the first figure's label", label),
        ("the first figure", rf"    A {N}  B {N}  B/A {N}"),
        ("the second figure's label", label),
        ("the second figure", rf"    A {N}  B {N}  B/A {N}"),
    ]


def bench_linear(cmd):
    return [("the heading", r"shape +MB +ms +ms/MB")]


OWED = {"export-bench": export_bench, "acct-bench": acct_bench, "ingest-bench": ingest_bench, "bench_linear": bench_linear,
        "ab": ab}


def missing_in_order(lines, owed):
    """What of OWED is not there: each pattern must match a whole line after the line the one
    before it matched (the same line may be owed more than once, as ingest-bench's are)."""
    missing, at = [], 0
    for what, pattern in owed:
        for i in range(at, len(lines)):
            if re.fullmatch(pattern, lines[i]):
                at = i + 1
                break
        else:
            missing.append(what)
    return missing


def linear_rows(lines):
    """bench_linear: each shape a row for each of the three tiny sizes, every column a number;
    returns what is wrong."""
    rows = {}
    for line in lines[1:]:
        m = re.fullmatch(rf"(\S.*?) +({N}) +({N}) +({N})", line)
        if not m:
            return [f"a line that is no shape's row with its figures: {line!r}"]
        rows.setdefault(m.group(1), []).append(m.group(2))
    if not rows:
        return ["no shape's row"]
    return [f"{shape}: {len(sizes)} rows, not one for each of the three sizes" for shape, sizes in rows.items()
            if len(sizes) != 3]


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in OWED:
        sys.exit(f"usage: bench_tiny_test.py {{{','.join(OWED)}}} COMMAND...")
    name, cmd = sys.argv[1], sys.argv[2:]
    print(" ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=110)
    print(r.stdout, end="")
    if r.returncode == 77:
        print(f"skipped: {name} says a tool it needs is missing")
        return 77
    if r.returncode != 0:
        print(f"FAIL: {name} --tiny exited {r.returncode}")
        return 1
    lines = r.stdout.splitlines()
    wrong = [f"no line with {what}" for what in missing_in_order(lines, OWED[name](cmd))]
    if name == "bench_linear" and not wrong:
        wrong = linear_rows(lines)
    for what in wrong:
        print(f"FAIL: {what}")
    if wrong:
        return 1
    print(f"ok: {name} --tiny printed every figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
