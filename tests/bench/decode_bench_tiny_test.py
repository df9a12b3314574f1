#!/usr/bin/env python3
"""decode-bench at a tiny size, so that the benchmark never stops working (ctest: decode_bench_tiny).

Runs tests/bench/decode-bench --tiny (every 16th file of the shared corpus, one round of bounced
parse, Sisimai 4.25 and Sisimai 5.1, one repeat of bench_decode) with the build's own bounced and
bench_decode, and checks that it exits 0 and prints every figure it owes: the mbox, the record
counts, each program's median and messages/s, the ratio of bounced against each Sisimai that ran
and the in-process rate. It checks that each figure is there and is a number, never its value: a
tiny run on a shared machine measures nothing. A Sisimai that is not run must say so.
Usage: decode_bench_tiny_test.py BOUNCED BENCH_DECODE SHARED_DIR. Exits 77 (skipped) where the
corpus is absent or neither Sisimai is there (bounced's lines are checked first).
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
MEDIAN = rf"median {NUMBER} s \({NUMBER} messages/s\) runs \[{NUMBER}\]"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: decode_bench_tiny_test.py BOUNCED BENCH_DECODE SHARED_DIR")
    bounced, bench, shared = sys.argv[1:]
    cmd = [sys.executable, os.path.join(HERE, "decode-bench"), "--tiny",
           "--bounced", bounced, "--bench", bench,
           "--corpus", os.path.join(shared, "corpus", "sisimai"),
           "--sisimai51", os.path.join(shared, "peers", "sisimai-5.1", "lib")]
    print(" ".join(cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    out = r.stdout
    print(out, end="")
    if r.returncode == 77:
        return 77
    if r.returncode != 0:
        print(f"FAIL: decode-bench --tiny exited {r.returncode}")
        return 1

    # (what, the line it must print)
    owed = [
        ("the mbox", rf"mbox: [0-9]+ messages, {NUMBER} MB \(1 x every [0-9]+th file of the corpus\)"),
        ("bounced's record count", r"records \(one untimed run of each first, a warm-up\): bounced parse [0-9]+(, .*)?"),
        ("bounced's median and messages/s", rf"bounced parse: {MEDIAN}"),
        ("the in-process rate",
         rf"in-process decode \+ classify: messages [0-9]+ records [0-9]+ repeats 1 median {NUMBER} messages/s .*"),
    ]
    ran = 0
    for name, major, entry in [("Sisimai 4.25", "4", "make"), ("Sisimai 5.1", "5", "rise")]:
        version = rf"Sisimai {major}\.[0-9][0-9a-z.]*"
        if re.search(rf"^{re.escape(name)}: not run: .+$", out, re.M):
            print(f"{name} was not run (see above)")
            continue
        ran += 1
        owed += [
            (f"where {name} comes from", rf"{version} from .+: perl .*-MSisimai -e 'Sisimai->{entry}\(\$ARGV\[0\]\)' MBOX"),
            (f"{name}'s record count", rf"records \(.*\): .*\b{version} [0-9]+(, .*)?"),
            (f"{name}'s median and messages/s", rf"{version} {entry}: {MEDIAN}"),
            (f"the ratio against {name}",
             rf"ratio: bounced parse is {NUMBER} times as fast as {version} {entry} \(medians, same run\)"),
        ]
    missing = [what for what, line in owed if not re.search(rf"^{line}$", out, re.M)]
    for what in missing:
        print(f"FAIL: no line with {what}")
    if missing:
        return 1
    if ran == 0:
        print("skipped: neither Sisimai 4.25 nor Sisimai 5.1 is there; bounced's lines are fine")
        return 77
    print(f"ok: decode-bench --tiny printed every figure ({ran} Sisimai version{'s' if ran > 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
