#!/usr/bin/env python3
"""The unit's system call filter against the system calls bounced makes, without systemd: runs
`bounced serve` under `strace -f` while it takes a bounce over LMTP on a UNIX socket and one over
SMTP with STARTTLS, answers HTTP, reloads at SIGHUP and drains at SIGTERM, and checks every call it made against the set the unit's
SystemCallFilter= lines allow (groups expanded by `systemd-analyze syscall-filter`). Under the
unit a call outside the set fails with EPERM (SystemCallErrorNumber=), which bounced would meet
only in production.

One exception, because this test runs as root and the unit never does: SQLite fchown()s the
files it makes (-wal, -shm) to the database's owner when it runs as root.

Usage: syscalls_test.py UNIT_FILE BOUNCED_BINARY   (run by ctest; exit 77 = skipped)
"""
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "mail", "rfc3464-userunknown.eml")
AS_ROOT_ONLY = {"fchown"}


def expand(group, seen=None):
    """The system calls of a group (`@name`), nested groups included, or the name itself."""
    if not group.startswith("@"):
        return {group}
    seen = set() if seen is None else seen
    out = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("@"):
            if entry not in seen:
                seen.add(entry)
                calls |= expand(entry, seen)
        else:
            calls.add(entry)
    return calls


def allowed_by(unit_text):
    """SystemCallFilter= as systemd reads it: the first allow list, then each ~ line removes."""
    allowed = None
    for line in unit_text.splitlines():
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        deny = value.startswith("~")
        names = set().union(*(expand(name) for name in value.lstrip("~").split()))
        if deny:
            if allowed is None:
                raise SystemExit("FAIL: a deny list with no allow list before it (this test expects an allow list)")
            allowed -= names
        else:
            allowed = names if allowed is None else allowed | names
    if allowed is None:
        raise SystemExit("FAIL: the unit has no SystemCallFilter=")
    return allowed


def wait_for(path, pattern, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            found = re.findall(pattern, f.read().decode("utf-8", "replace"))
        if found:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    with open(path, "rb") as f:
        raise SystemExit(f"FAIL: no {pattern!r} in the log:\n{f.read().decode('utf-8', 'replace')}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    unit_path, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    for tool, package in (("strace", "strace"), ("systemd-analyze", "systemd")):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed (Debian: apt-get install {package}; scripts/install-deps does)")
            return 77
    with open(unit_path) as f:
        allowed = allowed_by(f.read())
    folder = tempfile.mkdtemp(prefix="bounced-syscalls-test-")
    try:
        probe = subprocess.run(["strace", "-o", "/dev/null", "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"SKIP: strace cannot trace here (no ptrace in this container?): {probe.stderr.strip()}")
            return 77
        trace, log = os.path.join(folder, "trace"), os.path.join(folder, "stderr.log")
        # STARTTLS on SMTP, with a throwaway certificate.
        cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        config = os.path.join(folder, "bounced.toml")
        with open(config, "w") as f:
            f.write(f'[tls]\ncertificate = "{cert}"\nkey = "{key}"\n')
        lmtp_socket = os.path.join(folder, "lmtp.sock")
        with open(log, "wb") as stderr:
            proc = subprocess.Popen(
                ["strace", "-f", "-qq", "-o", trace, binary, "serve", "--config", config, "--db", os.path.join(folder, "bounced.db"),
                 "--lmtp", f"unix:{lmtp_socket}", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0"],
                stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            # Each listener's line, not the first of them: the HTTP one may come a moment later.
            ports = dict(wait_for(log, r"listening: (smtp) 127\.0\.0\.1:(\d+)", proc))
            ports.update(wait_for(log, r"listening: (http) 127\.0\.0\.1:(\d+)", proc))
            wait_for(log, r"database ", proc)
            with open(SAMPLE, "rb") as f:
                message = f.read()
            with smtplib.LMTP(lmtp_socket, timeout=30) as lmtp:  # a UNIX socket
                refused = lmtp.sendmail("", ["bounces@localhost"], message)
            with smtplib.SMTP("127.0.0.1", int(ports["smtp"]), timeout=30) as smtp:
                smtp.starttls(context=ssl._create_unverified_context())
                refused.update(smtp.sendmail("", ["bounces@localhost"], b"X-Copy: 2\r\n" + message))
            if refused:
                raise SystemExit(f"FAIL: refused: {refused}")
            with urllib.request.urlopen(f"http://127.0.0.1:{ports['http']}/v1/bounces?limit=10", timeout=30) as answer:
                if b'"recipient"' not in answer.read():
                    raise SystemExit("FAIL: the bounce is not in /v1/bounces")
            # Signals go to bounced itself: strace, its parent, would not pass them on.
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                bounced = int(f.read().split()[0])
            os.kill(bounced, signal.SIGHUP)
            wait_for(log, r"reloaded ", proc)
            os.kill(bounced, signal.SIGTERM)
            if proc.wait(timeout=60) != 0:
                raise SystemExit(f"FAIL: bounced under strace exited {proc.returncode}")
            wait_for(log, r"\bstopped\b", proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        used = set()
        with open(trace) as f:
            for line in f:
                call = re.match(r"\d+\s+([a-z0-9_]+)\(", line)
                if call:
                    used.add(call.group(1))
        outside = sorted(used - allowed - (AS_ROOT_ONLY if os.geteuid() == 0 else set()))
        print(f"{len(used)} system calls made, {len(allowed)} allowed by the unit; outside: {outside or 'none'}")
        if len(used) < 20:
            print(f"FAIL: too few system calls traced to be bounced's: {sorted(used)}")
            return 1
        if outside:
            print(f"FAIL: bounced calls {outside}, which the unit's SystemCallFilter= refuses (EPERM)")
            return 1
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
