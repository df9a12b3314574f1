#!/usr/bin/env python3
"""bounced acct end to end: the real executable reads PowerMTA accounting records from a file and
from a pipe into a real SQLite file, checked with Python's sqlite3 after.

- samples/powermta/acct-example.csv (written by hand from PowerMTA's documented format): each
  record type's row, bounced's classification beside PowerMTA's bounceCat, the split dsnStatus,
  dsnDiag and dsnMta, correlation from header_X-Campaign-ID, jobId and envId, the suppression
  states (a delivery resets the soft count), the malformed line named by file and line number
  and skipped, the record of another type counted and left;
- the same file again adds nothing; purged, its records' duplicate keys go with them;
- a pipe, as PowerMTA's <acct-file |bounced acct> runs it: records written a few at a time are
  committed within seconds while the pipe stays open, the header row given by --fields;
- errors: no header row, a bad --fields, an unreadable file; a misspelt field name is named.

Usage: acct_test.py BOUNCED
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
SAMPLE = os.path.join(TOP, "samples", "powermta", "acct-example.csv")
BOUNCED = None

FIELDS = "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,jobId,envId"


class AcctTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.dir.name, "bounced.db")
        # An empty config: nothing from /etc/bounced on the machine that runs the test.
        self.config = os.path.join(self.dir.name, "bounced.toml")
        open(self.config, "w").close()

    def tearDown(self):
        self.dir.cleanup()

    def acct(self, *args, stdin=None):
        return subprocess.run([BOUNCED, "acct", "--config", self.config, "--db", self.db, *args], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def query(self, sql):
        with sqlite3.connect(self.db) as c:
            return c.execute(sql).fetchall()

    def test_a_file_of_every_record_type(self):
        r = self.acct(SAMPLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{SAMPLE}:6: expected 24 fields, found 8; skipped", r.stderr)
        self.assertIn("8 records: 6 added, 0 imported before, 1 of other types, 1 malformed", r.stderr)
        rows = self.query("SELECT kind, recipient, status, reply_code, diagnostic_type, bounce_type, category, "
                          "pmta_category, feedback_type, remote_mta, campaign_id, transaction_id, action, "
                          "envelope_sender, datetime(received_at, 'unixepoch') FROM undelivered_log ORDER BY id")
        self.assertEqual(rows, [
            ("bounce", "nobody@dest.test", "5.1.1", "550", "SMTP", "hard", "bad-mailbox", "bad-mailbox", "",
             "dns; mx1.dest.test", "c7", "env-0001", "failed", "bounces+c7-s3@bounce.sender.test", "2026-11-20 10:00:01"),
            ("bounce", "full@dest.test", "5.2.2", "552", "SMTP", "soft", "quota-issues", "quota-issues", "",
             "dns; mx1.dest.test", "job-17", "env-0002", "failed", "bounces@sender.test", "2026-11-20 10:00:02"),
            ("delay", "slow@dest.test", "4.4.1", "421", "SMTP", "soft", rows[2][6], "no-answer-from-host", "",
             "dns; mx2.dest.test", "c7", "env-0003", "delayed", "bounces@sender.test", "2026-11-20 10:00:03"),
            ("bounce", "gone@dest.test", "5.1.1", "550", "SMTP", "hard", "bad-mailbox", "bad-mailbox", "",
             "dns; mx1.dest.test", "c8", "env-0005", "failed", "bounces@sender.test", "2026-11-20 10:05:00"),
            ("complaint", "angry@dest.test", "", "", "", "", "", "", "abuse", "", "c7", "env-0006", "",
             "bounces@sender.test", "2026-11-20 11:00:00"),
            ("delivery", "full@dest.test", "2.0.0", "250", "SMTP", "", "", "", "", "dns; mx1.dest.test", "job-18",
             "env-0007", "relayed", "bounces@sender.test", "2026-11-20 12:00:00"),
        ])
        # The diagnostic as the remote wrote it, quotes and commas undone from the CSV.
        self.assertEqual(self.query("SELECT diagnostic_text FROM undelivered_log WHERE recipient = 'gone@dest.test'"),
                         [('550 5.1.1 "gone": no such user',)])
        self.assertEqual(self.query("SELECT address, state, soft_count, hard_count, complaint_count FROM suppressions "
                                    "ORDER BY address"),
                         [("angry@dest.test", "complained", 0, 0, 1), ("full@dest.test", "active", 0, 0, 0),
                          ("gone@dest.test", "hard-bouncing", 0, 1, 0), ("nobody@dest.test", "hard-bouncing", 0, 1, 0)])
        # One message holds the file's text, as read, with what became of it.
        (via, client, records, outcome, detail, raw), = self.query(
            "SELECT via, client, records, outcome, outcome_detail, CAST(raw AS TEXT) FROM messages")
        self.assertEqual((via, client, records, outcome, detail),
                         ("acct", SAMPLE, 6, "decoded", "1 malformed records skipped"))
        with open(SAMPLE, newline="") as f:
            sample_lines = f.read().splitlines()
        self.assertEqual(raw.splitlines()[1:], sample_lines[1:])

        # The same file again: nothing added.
        again = self.acct(SAMPLE)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("8 records: 0 added, 6 imported before", again.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM undelivered_log"), [(6,)])
        self.assertEqual(self.query("SELECT count(*) FROM messages"), [(1,)])

        # reprocess (new rules for the mail it stored) leaves accounting chunks as imported: decoded
        # as mail they give nothing, and their rows would all leave the exports as replaced.
        done = subprocess.run([BOUNCED, "reprocess", "--config", self.config, "--db", self.db],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("1 chunks of accounting records left as imported", done.stdout)
        self.assertEqual(self.query("SELECT count(*) FROM undelivered_log WHERE replaced_by IS NULL"), [(6,)])
        self.assertEqual(self.query("SELECT outcome, records FROM messages"), [("decoded", 6)])

    def test_purge_takes_the_duplicate_keys_of_the_records_it_purges(self):
        # The duplicate check keeps a key for each record imported. Kept for ever, the keys would
        # grow without bound under a daily feed; they go with the chunk that holds their records,
        # and a file imported again after its records were purged is new again.
        r = self.acct(SAMPLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM acct_records"), [(6,)])
        with sqlite3.connect(self.db) as c:  # imported in 1999, as far as purge can tell
            c.execute("UPDATE messages SET received_at = 946000000")
        newer = self.acct("--fields", FIELDS, stdin="b,1795000000,s@sender.test,late@dest.test,failed,5.1.1,,,,,\n"
                                                    "b,1795000001,s@sender.test,later@dest.test,failed,5.1.1,,,,,\n"
                                                    "b,1795000002,s@sender.test,ml@dest.test,failed,5.1.1,"
                                                    "\"smtp;550 line one\r\nline two\",,,,\r\n"
                                                    # A line cut off inside quotes, then a record.
                                                    "b,1795000003,s@sender.test,cut@dest.test,failed,5.1.1,\"smtp;550 cut\n"
                                                    "b,1795000004,s@sender.test,after@dest.test,failed,5.1.1,,,,,\n")
        self.assertEqual(newer.returncode, 0, newer.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM acct_records"), [(10,)])

        done = subprocess.run([BOUNCED, "purge", "--config", self.config, "--db", self.db, "--before", "2000-01-01"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "purged 1 messages and 6 rows received before 2000-01-01, "
                                      "and the duplicate keys of 6 accounting records\n")
        self.assertEqual(self.query("SELECT count(*) FROM acct_records"), [(4,)])
        again = self.acct(SAMPLE)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("8 records: 6 added, 0 imported before", again.stderr)
        self.assertEqual(self.acct("--fields", FIELDS, stdin="b,1795000000,s@sender.test,late@dest.test,failed,5.1.1,,,,,\n")
                         .stderr.count("0 added, 1 imported before"), 1)
        # Everything purged: no key is left, that of the record with a line break inside quotes and
        # that of the record after the cut line too.
        everything = subprocess.run([BOUNCED, "purge", "--config", self.config, "--db", self.db, "--before", "2999-01-01"],
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(everything.returncode, 0, everything.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM acct_records"), [(0,)])
        self.assertEqual(self.query("SELECT count(*) FROM undelivered_log"), [(0,)])

    def test_a_misspelt_field_name_is_named(self):
        # Unread, timeLoged would give every record the time of the import without a word.
        r = self.acct("--fields", "type,timeLoged,rcpt,dsnStatus", stdin="b,1795000000,a@dest.test,5.1.1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('bounced acct: --fields: unknown field "timeLoged" is not read; did you mean "timeLogged"?', r.stderr)
        path = os.path.join(self.dir.name, "acct.csv")
        with open(path, "w") as f:
            f.write("type,timeLogged,rcpt,dsnStaus\nb,1795000000,b@dest.test,5.1.1\n")
        r = self.acct(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'bounced acct: {path}:1: unknown field "dsnStaus" is not read; did you mean "dsnStatus"?', r.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM undelivered_log"), [(2,)])

    def test_a_utf8_bom_before_the_header_is_not_part_of_its_first_name(self):
        with open(SAMPLE, "rb") as f:
            text = f.read()
        bom = os.path.join(self.dir.name, "bom.csv")
        with open(bom, "wb") as f:
            f.write(b"\xef\xbb\xbf" + text)
        r = self.acct(bom)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("8 records: 6 added", r.stderr)

    def test_a_pipe_commits_as_records_come(self):
        proc = subprocess.Popen([BOUNCED, "acct", "--config", self.config, "--db", self.db, "--fields", FIELDS],
                                stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def record(i, kind="b"):
                return (f"{kind},{1795000000 + i},bounces@sender.test,user{i}@dest.test,failed,"
                        f"5.1.1 (bad destination mailbox address),\"smtp;550 5.1.1 user{i}, unknown\","
                        f"mx.dest.test (192.0.2.1),bad-mailbox,job-{i},env-{i}\n")
            for batch in range(3):
                for i in range(batch * 5, batch * 5 + 5):
                    proc.stdin.write(record(i))
                proc.stdin.flush()
                # The pipe stays open: the records are on disk within a few seconds all the same.
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    try:
                        got = self.query("SELECT count(*) FROM undelivered_log")[0][0]
                    except sqlite3.OperationalError:
                        got = 0
                    if got == batch * 5 + 5:
                        break
                    time.sleep(0.1)
                self.assertEqual(got, batch * 5 + 5)
                self.assertIsNone(proc.poll())
            proc.stdin.close()
            self.assertEqual(proc.wait(timeout=30), 0)
            err = proc.stderr.read()
            self.assertIn("stdin: 15 records: 15 added", err)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        self.assertEqual(self.query("SELECT count(*), min(campaign_id), max(transaction_id), min(pmta_category) "
                                    "FROM undelivered_log"), [(15, "job-0", "env-9", "bad-mailbox")])
        # A header row in the stream replaces --fields from there on.
        more = self.acct("--fields", FIELDS, stdin="type,rcpt,dsnStatus\nb,late@dest.test,5.1.1\n")
        self.assertEqual(more.returncode, 0, more.stderr)
        self.assertEqual(self.query("SELECT status, bounce_type FROM undelivered_log WHERE recipient = 'late@dest.test'"),
                         [("5.1.1", "hard")])

    def test_a_stop_signal_commits_what_was_read_whole(self):
        # PowerMTA, or its unit, stopping sends SIGTERM to the pipe's program: the records it
        # handed over are on disk before acct ends, not lost with the second of the idle commit.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with self.subTest(signal=sig):
                proc = subprocess.Popen([BOUNCED, "acct", "--config", self.config, "--db", self.db, "--fields", "type,rcpt,dsnStatus"],
                                        stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for i in range(3):
                    proc.stdin.write(f"b,s{int(sig)}-{i}@dest.test,5.1.1\n")
                half = f"b,half-{int(sig)}@dest"  # a record not yet whole
                proc.stdin.write(half)
                proc.stdin.flush()
                time.sleep(0.3)  # read, not yet committed (that comes a second after the first record)
                proc.send_signal(sig)
                self.assertEqual(proc.wait(timeout=30), 75)
                err = proc.stderr.read()
                proc.stdin.close()
                proc.stderr.close()
                self.assertIn(f"stopped by signal {int(sig)}: {len(half)} bytes of a record not yet whole left unread", err)
                self.assertIn("stdin: 3 records: 3 added", err)
                self.assertEqual(self.query(f"SELECT count(*) FROM undelivered_log WHERE recipient LIKE 's{int(sig)}-%'"), [(3,)])

    def test_a_line_cut_inside_quotes_loses_only_itself(self):
        # A crash or a full disk cuts a line inside a quoted field; the next quote may be many
        # records later. Only the cut line is malformed: the records after it all go in.
        header = "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag"
        lines = [header, 'b,1795000000,o@s.test,a@d.test,failed,5.1.1 (x),"smtp;550 5.1.1 user, unknown"',
                 'b,1795000001,o@s.test,trunc@d.test,failed,5.1.1 (x),"smtp;550 5.1.1 user, unkn']
        lines += [f"b,{1795000002 + i},o@s.test,u{i}@d.test,failed,5.1.1 (x),smtp;550 5.1.1 unknown" for i in range(50)]
        lines += ['b,1795000100,o@s.test,q@d.test,failed,5.1.1 (x),"smtp;550 5.1.1 ""q"", unknown"',  # a quote then a comma
                  'b,1795000101,o@s.test,z@d.test,failed,5.1.1 (x),smtp;550 5.1.1 unknown']
        path = os.path.join(self.dir.name, "cut.csv")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = self.acct(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{path}:3: ", r.stderr)
        self.assertIn("54 records: 53 added, 0 imported before, 0 of other types, 1 malformed", r.stderr)
        got = {row[0] for row in self.query("SELECT recipient FROM undelivered_log")}
        self.assertEqual(got, {"a@d.test", "q@d.test", "z@d.test"} | {f"u{i}@d.test" for i in range(50)})
        # forget splits the chunk's text as the import read it: one address's line goes, not the
        # cut line with the fifty records its quote ran over.
        done = subprocess.run([BOUNCED, "forget", "--config", self.config, "--db", self.db, "u7@d.test"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        (raw,), = self.query("SELECT CAST(raw AS TEXT) FROM messages")
        self.assertEqual(raw.splitlines()[1:], [line for line in lines[1:] if "u7@d.test" not in line])
        self.assertEqual(self.query("SELECT count(*) FROM undelivered_log"), [(52,)])

    def test_a_record_past_the_size_bound_is_skipped_whatever_its_shape(self):
        # 64 KB a record: a long last field, a long middle one, a long line arriving through a pipe
        # in pieces; each is reported and skipped to its line's end, the records after go in.
        big = "x" * (1 << 20)
        text = ("type,rcpt,dsnStatus,dsnDiag\n"
                f"b,last@d.test,5.1.1,{big}\n"
                "b,one@d.test,5.1.1,smtp;550 unknown\n"
                f"b,middle@d.test,{big},smtp;550 unknown\n"
                "b,two@d.test,5.1.1,smtp;550 unknown\n"
                f"b,{big * 3}\n"
                "b,three@d.test,5.1.1,smtp;550 unknown\n")
        r = self.acct("-", stdin=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        for line in (2, 4, 6):
            self.assertIn(f"stdin:{line}: a record longer than 65536 bytes; skipped", r.stderr)
        self.assertIn("6 records: 3 added, 0 imported before, 0 of other types, 3 malformed", r.stderr)
        self.assertEqual(sorted(row[0] for row in self.query("SELECT recipient FROM undelivered_log")),
                         ["one@d.test", "three@d.test", "two@d.test"])

    def test_rcpt_is_read_as_a_dsn_address_and_must_be_one(self):
        r = self.acct("-", stdin="type,rcpt,dsnStatus\nb,<Ang@D.test>,5.1.1\nb,rfc822;r@d.test,5.1.1\n"
                                 "b,not an address,5.1.1\nb,nul\x00x@d.test,5.1.1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stdin:4: rcpt is not an address: not an address; skipped", r.stderr)
        self.assertIn("4 records: 2 added, 0 imported before, 0 of other types, 2 malformed", r.stderr)
        self.assertEqual(self.query("SELECT address FROM suppressions ORDER BY address"), [("ang@d.test",), ("r@d.test",)])
        self.assertEqual(self.query("SELECT recipient FROM undelivered_log ORDER BY id"), [("Ang@d.test",), ("r@d.test",)])

    def test_errors(self):
        r = self.acct(stdin="b,1795000000,a@b.test\n")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("stdin: no record could be read", r.stderr)
        self.assertIn("stdin:1: no header row before this record (give the field order with --fields); skipped",
                      r.stderr)
        r = self.acct("--fields", "rcpt,type", stdin="")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--fields: the first field must be type", r.stderr)
        r = self.acct(os.path.join(self.dir.name, "missing.csv"), SAMPLE)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing.csv: No such file or directory", r.stderr)
        self.assertIn("6 added", r.stderr)  # the readable file still went in


if __name__ == "__main__":
    BOUNCED = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
