#!/usr/bin/env python3
"""The promise behind every 250: a message bounced answered 250 to is on disk, whole, with its
records, even when the daemon dies the hardest way right after.

Ten LMTP clients send distinct bounces as fast as they can and note every 250; the daemon is
killed with SIGKILL mid-run and started again on the same file; every message that got a 250
must be there byte for byte, with its decoded row.

Usage: crash_test.py BOUNCED_BINARY   (run by ctest)
"""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "samples", "mail", "rfc3464-userunknown.eml")
CLIENTS = 10


def start(bounced, folder, db):
    log = open(os.path.join(folder, "stderr.log"), "ab")
    proc = subprocess.Popen([bounced, "serve", "--db", db, "--config", os.path.join(folder, "none.toml"),
                             "--lmtp", "127.0.0.1:0", "--smtp", "", "--http", ""], stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with open(os.path.join(folder, "stderr.log"), "rb") as f:
            found = re.findall(rb"listening: lmtp 127\.0\.0\.1:(\d+)", f.read())
        if found:
            return proc, int(found[-1])
        if proc.poll() is not None:
            sys.exit(f"crash_test: bounced serve exited {proc.returncode}")
        time.sleep(0.05)
    sys.exit("crash_test: bounced serve did not start")


def message(template, client, seq):
    # Distinct bytes per message (no duplicate collapses two), in CRLF as on the wire.
    marked = template.replace(b"Message-ID: <", b"Message-ID: <c%d-s%d." % (client, seq), 1)
    marked = marked.replace(b"Subject: ", b"Subject: [c%d s%d] " % (client, seq), 1)
    return marked.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def replies(sock, buffer, count):
    lines = []
    while len(lines) < count:
        while b"\n" not in buffer[0]:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buffer[0] += chunk
        line, buffer[0] = buffer[0].split(b"\n", 1)
        if len(line) >= 4 and line[3:4] == b" ":
            lines.append(line)
    return lines


def client_loop(port, client, template, acked, stop):
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        buffer = [b""]
        replies(sock, buffer, 1)
        sock.sendall(b"LHLO crash.test\r\n")
        replies(sock, buffer, 1)
        seq = 0
        while not stop.is_set():
            data = message(template, client, seq)
            sock.sendall(b"MAIL FROM:<>\r\nRCPT TO:<bounces@bounce.example.net>\r\nDATA\r\n")
            replies(sock, buffer, 3)
            sock.sendall(data + b".\r\n")
            (reply,) = replies(sock, buffer, 1)
            if reply.startswith(b"250"):
                acked.append(data)
            seq += 1
    except (ConnectionError, OSError):
        pass  # the daemon died under us: what was acked is what counts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: crash_test.py BOUNCED_BINARY")
    bounced = os.path.abspath(sys.argv[1])
    with open(SAMPLE, "rb") as f:
        template = f.read()
    folder = tempfile.mkdtemp(prefix="bounced-crash-test-")
    open(os.path.join(folder, "none.toml"), "w").close()
    db = os.path.join(folder, "bounced.db")
    try:
        proc, port = start(bounced, folder, db)
        acked, stop = [], threading.Event()
        threads = [threading.Thread(target=client_loop, args=(port, c, template, acked, stop)) for c in range(CLIENTS)]
        for t in threads:
            t.start()
        # Kill once a fair number went through, mid-stream.
        deadline = time.monotonic() + 30
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        got_250 = list(acked)
        print(f"crash_test: {len(got_250)} messages got 250 before SIGKILL")
        if len(got_250) < 50:
            sys.exit("crash_test: too few messages went through to test anything")
        # Start again on the same file: SQLite's WAL recovery runs on open.
        proc, port = start(bounced, folder, db)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        con = sqlite3.connect(db)
        stored = {raw: (mid, records) for mid, raw, records in con.execute("SELECT id, raw, records FROM messages")}
        rows = dict(con.execute("SELECT message_id, count(*) FROM undelivered_log GROUP BY message_id"))
        missing = [m for m in got_250 if m not in stored]
        without_rows = [m for m in got_250 if m in stored and rows.get(stored[m][0], 0) != 1]
        print(f"crash_test: {len(stored)} messages in the database after restart; "
              f"missing {len(missing)}, without their record {len(without_rows)}")
        if missing or without_rows:
            sys.exit(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
