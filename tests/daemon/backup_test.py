#!/usr/bin/env python3
"""The README's online backup (Operator's guide, "Back up"), tested as documented: the sqlite3
shell's `VACUUM INTO` on the database of a running `bounced serve` while LMTP clients keep
delivering. The copy must pass `PRAGMA integrity_check` and `foreign_key_check`, hold every
message acknowledged before the backup began and none that was not yet acknowledged once it
ended, hold each message with all its records (one transaction's snapshot), and carry the
schema version; the daemon must answer 250 to every delivery meanwhile. Then a daemon started on
a copy (restored) takes mail into it.

Usage: backup_test.py BOUNCED_BINARY [unittest args]   (run by ctest; exit 77 = skipped)
"""
import os
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_test  # noqa: E402  (the Daemon helper and the samples)

SQLITE3 = shutil.which("sqlite3")


def documented_backup(database, copy):
    """The README's command."""
    return subprocess.run([SQLITE3, database, f"VACUUM INTO '{copy}'"], capture_output=True, text=True, timeout=120)


class Deliveries(threading.Thread):
    """LMTP deliveries of distinct bounces, one after another, until stopped; counts the 250s."""

    def __init__(self, port, first):
        super().__init__(daemon=True)
        self.port, self.sequence = port, first
        self.acknowledged, self.failures = 0, []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.template = serve_test.sample("rfc3464-userunknown.eml")

    def deliver_one(self, lmtp):
        message = b"X-Backup-Test: %d\r\n" % self.sequence + self.template
        self.sequence += 1
        refused = lmtp.sendmail("", ["bounces@localhost"], message)
        if refused:
            self.failures.append(refused)
        with self.lock:
            self.acknowledged += 1

    def run(self):
        try:
            with smtplib.LMTP("127.0.0.1", self.port, timeout=30) as lmtp:
                while not self.halt.is_set():
                    self.deliver_one(lmtp)
        except Exception as e:  # noqa: BLE001  (reported by the test)
            self.failures.append(repr(e))

    def count(self):
        with self.lock:
            return self.acknowledged


class BackupTest(unittest.TestCase):
    def setUp(self):
        self.daemon = serve_test.Daemon().start()

    def tearDown(self):
        self.daemon.stop()
        self.daemon.cleanup()

    def test_online_backup_while_delivering(self):
        warm = Deliveries(self.daemon.ports["lmtp"], 0)
        with smtplib.LMTP("127.0.0.1", self.daemon.ports["lmtp"], timeout=30) as lmtp:
            for _ in range(200):
                warm.deliver_one(lmtp)
        self.assertEqual(warm.failures, [])
        load = Deliveries(self.daemon.ports["lmtp"], 1000)
        load.start()
        copies = []
        try:
            for n in range(3):
                while load.count() < 20 * (n + 1) and load.is_alive():
                    threading.Event().wait(0.01)
                copy = os.path.join(self.daemon.dir, f"backup-{n}.db")
                before = warm.count() + load.count()
                result = documented_backup(self.daemon.db, copy)
                after = warm.count() + load.count()
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stderr, "")
                copies.append((copy, before, after))
        finally:
            load.halt.set()
            load.join(60)
        self.assertEqual(load.failures, [])
        self.assertTrue(any(after > before for _, before, after in copies),
                        f"no delivery was acknowledged while a backup ran: {[c[1:] for c in copies]}")

        live = sqlite3.connect(self.daemon.db)
        live_records = dict(live.execute("SELECT message_id, count(*) FROM undelivered_log GROUP BY message_id"))
        live_version = live.execute("PRAGMA user_version").fetchone()[0]
        live.close()
        for copy, before, after in copies:
            with self.subTest(copy=os.path.basename(copy)):
                con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
                self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
                self.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
                self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], live_version)
                messages = con.execute("SELECT count(*) FROM messages").fetchone()[0]
                self.assertGreaterEqual(messages, before, "a message acknowledged before the backup is missing")
                self.assertLessEqual(messages, after)
                records = dict(con.execute("SELECT message_id, count(*) FROM undelivered_log GROUP BY message_id"))
                self.assertEqual(len(records), messages)
                self.assertEqual(records, {m: live_records[m] for m in records}, "a message without all its records")
                con.close()

        # Restored: a daemon started on a copy takes mail into it.
        copy = copies[-1][0]
        with sqlite3.connect(copy) as con:
            kept = con.execute("SELECT count(*) FROM messages").fetchone()[0]
        restored = serve_test.Daemon(args=["--db", copy]).start()
        try:
            one = Deliveries(restored.ports["lmtp"], 10**6)
            with smtplib.LMTP("127.0.0.1", restored.ports["lmtp"], timeout=30) as lmtp:
                one.deliver_one(lmtp)
            self.assertEqual(one.failures, [])
            self.assertEqual(restored.stop(), 0)
        finally:
            restored.cleanup()
        with sqlite3.connect(copy) as con:
            self.assertEqual(con.execute("SELECT count(*) FROM messages").fetchone()[0], kept + 1)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: backup_test.py BOUNCED_BINARY [unittest args]")
    serve_test.BOUNCED = os.path.abspath(sys.argv.pop(1))
    if SQLITE3 is None:
        print("backup_test: the sqlite3 shell is not installed (scripts/install-deps installs it); skipping")
        sys.exit(77)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
