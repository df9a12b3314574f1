#!/usr/bin/env python3
"""End-to-end tests of `bounced serve`: the real daemon on loopback ports it picks itself, real
clients (swaks for SMTP and STARTTLS, Python's smtplib for LMTP, raw sockets for pipelining and
abuse), and every result checked in the SQLite file afterwards.

Usage: serve_test.py BOUNCED_BINARY [unittest args]   (run by ctest)
"""
import hashlib
import os
import re
import shutil
import select
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

BOUNCED = None
SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "mail")


def sample(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return f.read()


class Daemon:
    """A `bounced serve` process with its own folder, database and config."""

    def __init__(self, config_extra="", args=()):
        self.dir = tempfile.mkdtemp(prefix="bounced-serve-test-")
        self.db = os.path.join(self.dir, "bounced.db")
        self.config = os.path.join(self.dir, "bounced.toml")
        self.config_extra = config_extra
        self.args = list(args)
        self.log = os.path.join(self.dir, "stderr.log")
        self.proc = None
        self.ports = {}

    def write_config(self):
        with open(self.config, "w") as f:
            f.write(self.config_extra)

    def start(self):
        self.write_config()
        self.stderr = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [BOUNCED, "serve", "--config", self.config, "--db", self.db,
             "--lmtp", "127.0.0.1:0", "--smtp", "127.0.0.1:0", "--http", ""] + self.args,
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(self.log, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            found = dict(re.findall(r"listening: (lmtp|smtp|http) 127\.0\.0\.1:(\d+)", text))
            if "lmtp" in found and "smtp" in found:
                self.ports = {k: int(v) for k, v in found.items()}
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"bounced serve exited {self.proc.returncode}: {text}")
            time.sleep(0.05)
        raise AssertionError("bounced serve did not start listening")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self.stderr.close()
        return self.proc.returncode

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, sql, params=()):
        with sqlite3.connect(self.db) as con:
            return con.execute(sql, params).fetchall()

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Client:
    """A raw socket speaking whatever the test sends."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def replies(self, count):
        """Reads `count` replies; each is its lines (continuations, then the final "NNN " line)
        joined with newlines, decoded."""
        replies, pending = [], []
        while len(replies) < count:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return replies
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.decode("utf-8", "replace").rstrip("\r")
            pending.append(text)
            if len(text) < 4 or text[3] != "-":
                replies.append("\n".join(pending))
                pending = []
        return replies

    def closed(self):
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return True

    def close(self):
        self.sock.close()


class ServeTest(unittest.TestCase):
    config = ""

    def setUp(self):
        self.daemon = Daemon(self.config).start()

    def tearDown(self):
        self.daemon.cleanup()

    def swaks(self, *args, data=None, check=True):
        cmd = ["swaks", "--server", "127.0.0.1", "--port", str(self.daemon.ports["smtp"]),
               "--from", "<>", "--to", "bounces@bounce.example.net", "--timeout", "20"] + list(args)
        if data is not None:
            path = os.path.join(self.daemon.dir, "message.eml")
            with open(path, "wb") as f:
                f.write(data)
            cmd += ["--data", "@" + path]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if check:
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result


class SmtpTest(ServeTest):
    def test_swaks_delivers_a_bounce_and_the_records_are_on_disk(self):
        out = self.swaks(data=sample("rfc3464-userunknown.eml")).stdout
        self.assertRegex(out, r"<[-~]  250 2\.0\.0 Ok: queued as \d+")
        rows = self.daemon.query("SELECT recipient, status, bounce_type, category, kind FROM undelivered_log")
        self.assertEqual(rows, [("nobody@dest.bounced.test", "5.1.1", "hard", "bad-mailbox", "bounce")])
        messages = self.daemon.query("SELECT via, envelope_sender, envelope_recipients, outcome, records, sha256 FROM messages")
        self.assertEqual(len(messages), 1)
        via, sender, recipients, outcome, records, digest = messages[0]
        self.assertEqual((via, sender, outcome, records), ("smtp", "", "decoded", 1))
        self.assertIn("bounces@bounce.example.net", recipients)
        raw = self.daemon.query("SELECT raw FROM messages")[0][0]
        # The duplicate key covers the delivery: envelope sender, recipients and the bytes.
        self.assertEqual(hashlib.sha256(sender.encode() + b"\0" + recipients.encode() + b"\0" + raw).hexdigest(), digest)

    def test_pipelined_commands_get_their_replies_in_order(self):
        c = Client(self.daemon.ports["smtp"])
        self.assertTrue(c.replies(1)[0].startswith("220 "))
        message = sample("rfc3464-userunknown.eml").replace(b"\n", b"\r\n")
        c.send(b"EHLO pipeline.test\r\nMAIL FROM:<>\r\nRCPT TO:<b@bounce.example.net>\r\nRCPT TO:<c@bounce.example.net>\r\nDATA\r\n")
        got = c.replies(5)
        self.assertEqual([line[:3] for line in got], ["250", "250", "250", "250", "354"])
        c.send(message + b".\r\nMAIL FROM:<>\r\nRCPT TO:<d@bounce.example.net>\r\nRSET\r\nNOOP\r\nQUIT\r\n")
        got = c.replies(6)
        self.assertEqual([line[:3] for line in got], ["250", "250", "250", "250", "250", "221"])
        self.assertIn("queued as", got[0])
        self.assertEqual(self.daemon.query("SELECT count(*) FROM messages"), [(1,)])

    def test_the_same_message_twice_is_stored_and_counted_once(self):
        data = sample("rfc3464-userunknown.eml")
        self.swaks(data=data)
        self.swaks(data=data)
        self.assertEqual(self.daemon.query("SELECT count(*) FROM messages"), [(1,)])
        self.assertEqual(self.daemon.query("SELECT count(*) FROM undelivered_log"), [(1,)])
        self.assertEqual(self.daemon.query("SELECT hard_count FROM suppressions WHERE address = 'nobody@dest.bounced.test'"), [(1,)])

    def test_the_same_message_to_another_envelope_recipient_is_another_delivery(self):
        data = sample("rfc3464-userunknown.eml")
        self.swaks("--to", "bounces+a=example.net@bounce.example.net", data=data)
        self.swaks("--to", "bounces+c=example.org@bounce.example.net", data=data)
        self.assertEqual(sorted(self.daemon.query("SELECT envelope_recipients FROM messages")),
                         [("bounces+a=example.net@bounce.example.net",), ("bounces+c=example.org@bounce.example.net",)])

    def test_a_bare_lf_before_a_dot_does_not_end_the_message(self):
        # SMTP smuggling (CVE-2023-51764's shape): only CRLF.CRLF ends DATA.
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO s\r\nMAIL FROM:<>\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n")
        c.replies(4)
        c.send(b"Subject: one\r\n\r\nline one\n.\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nSubject: injected\r\n\r\nx\r\n.\r\nQUIT\r\n")
        got = c.replies(2)
        self.assertTrue(got[0].startswith("250 2.0.0"), got)
        self.assertTrue(got[1].startswith("221"), got)
        (raw,), = self.daemon.query("SELECT raw FROM messages")
        self.assertIn(b"Subject: injected", raw)  # inside the one message, not a second one

    def test_a_command_ended_by_a_bare_lf_gets_500_at_once(self):
        # RFC 5321 2.3.8: only CRLF ends a line. A client that ends its commands with LF alone
        # learns so at once, instead of waiting out the data timeout for a LF.LF end of message
        # that this server (no smuggling) never takes; the session stays in step.
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"EHLO c\nHELO c\r\nMAIL FROM:<>\nNOOP\r\n")
        got = c.replies(4)
        self.assertEqual(got[0], "500 5.5.2 Error: bare <LF> received", got)
        self.assertTrue(got[1].startswith("250 "), got)
        self.assertEqual(got[2], "500 5.5.2 Error: bare <LF> received", got)
        self.assertTrue(got[3].startswith("250 2.0.0"), got)

    def test_a_message_that_decodes_to_nothing_is_kept_with_the_reason(self):
        self.swaks(data=sample("not-a-bounce.eml"))
        self.assertEqual(self.daemon.query("SELECT count(*) FROM undelivered_log"), [(0,)])
        (outcome, detail, size), = self.daemon.query("SELECT outcome, outcome_detail, size_bytes FROM messages")
        self.assertEqual(outcome, "nothing")
        self.assertNotEqual(detail, "")
        self.assertGreater(size, 0)

    def test_binary_garbage_is_stored_raw(self):
        garbage = bytes((i * 7919 + 13) % 256 for i in range(20000)).replace(b"\n.", b"\nx")
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO g\r\nMAIL FROM:<>\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n")
        self.assertEqual(c.replies(4)[-1][:3], "354")
        c.send(garbage + b"\r\n.\r\n")
        self.assertEqual(c.replies(1)[0][:3], "250")
        (raw, outcome), = self.daemon.query("SELECT raw, outcome FROM messages")
        self.assertEqual(raw, garbage + b"\r\n")
        self.assertIn(outcome, ("nothing", "failed"))

    def test_a_10_mb_message_is_taken_whole(self):
        body = b"".join(b"line %07d of a large quoted original, kept whole\r\n" % i for i in range(190000))
        data = sample("rfc3464-userunknown.eml").replace(b"\n", b"\r\n") + body
        self.assertGreater(len(data), 10 * 1000 * 1000)
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"EHLO big\r\nMAIL FROM:<> SIZE=%d\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n" % len(data))
        self.assertEqual(c.replies(4)[-1][:3], "354")
        c.send(data + b".\r\n")
        self.assertEqual(c.replies(1)[0][:3], "250")
        self.assertEqual(self.daemon.query("SELECT size_bytes FROM messages"), [(len(data),)])
        self.assertEqual(self.daemon.query("SELECT status FROM undelivered_log"), [("5.1.1",)])

    def test_a_foreign_domain_is_refused_when_bounce_domains_are_set(self):
        self.daemon.cleanup()
        self.daemon = Daemon('[domains]\nbounce = ["bounce.example.net"]\n').start()
        result = self.swaks("--to", "someone@elsewhere.example", data=sample("rfc3464-userunknown.eml"), check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("550 5.7.1", result.stdout)
        self.swaks(data=sample("rfc3464-userunknown.eml"))
        self.assertEqual(self.daemon.query("SELECT count(*) FROM messages"), [(1,)])

    def test_sigterm_drains_and_exits_0(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        self.assertEqual(self.daemon.stop(), 0)
        self.assertTrue(c.replies(1)[0].startswith("421 4.3.2"))


class CorrelationTest(ServeTest):
    config = '[correlation]\nverp = ["bounces+c{campaign}-s{send}-{email}@bounce.example.net"]\n'

    def test_verp_and_headers_fill_the_correlation_ids(self):
        self.swaks("--to", "bounces+c77-s8-nobody=dest.bounced.test@bounce.example.net", data=sample("rfc3464-userunknown.eml"))
        row = self.daemon.query("SELECT campaign_id, send_id, list_id, envelope_recipient FROM undelivered_log")
        # VERP wins over the original's X-Campaign-ID: 42; List-Id comes from the original.
        self.assertEqual(row, [("77", "8", "news.sender.bounced.test", "bounces+c77-s8-nobody=dest.bounced.test@bounce.example.net")])

    def test_without_verp_the_original_headers_correlate(self):
        self.swaks(data=sample("rfc3464-userunknown.eml"))
        self.assertEqual(self.daemon.query("SELECT campaign_id FROM undelivered_log"), [("42",)])


class RetentionTest(unittest.TestCase):
    def test_messages_past_the_retention_period_are_purged(self):
        daemon = Daemon()
        try:
            daemon.start()
            daemon.stop()
            with sqlite3.connect(daemon.db) as con:
                con.execute("INSERT INTO messages (received_at, via, size_bytes, sha256, raw, outcome) "
                            "VALUES (1000000000, 'pipe', 1, 'old', x'00', 'nothing')")
            daemon.config_extra = "[storage]\nretention_days = 30\n"
            daemon.start()
            deadline = time.monotonic() + 10
            while daemon.query("SELECT count(*) FROM messages") != [(0,)] and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(daemon.query("SELECT count(*) FROM messages"), [(0,)])
            self.assertIn("retention: purged 1 messages", daemon.log_text())
        finally:
            daemon.cleanup()


class ReloadTest(ServeTest):
    def test_sighup_reloads_and_a_broken_file_keeps_the_running_config(self):
        self.daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "reloaded" not in self.daemon.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("reloaded", self.daemon.log_text())
        with open(self.daemon.config, "w") as f:
            f.write("[limits]\nno_such_key = 1\n")
        self.daemon.proc.send_signal(signal.SIGHUP)
        while "keeping the running config" not in self.daemon.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("keeping the running config", self.daemon.log_text())
        self.swaks(data=sample("rfc3464-userunknown.eml"))  # still serving


class IngestTest(unittest.TestCase):
    """bounced ingest, as Postfix's pipe(8) runs it."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bounced-ingest-test-")
        self.db = os.path.join(self.dir, "bounced.db")
        open(os.path.join(self.dir, "none.toml"), "w").close()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def ingest(self, data, *args, db=None):
        return subprocess.run([BOUNCED, "ingest", "--config", os.path.join(self.dir, "none.toml"), "--db", db or self.db] + list(args),
                              input=data, capture_output=True)

    def test_stored_then_the_duplicate_is_counted_once(self):
        data = sample("rfc3464-userunknown.eml")
        first = self.ingest(data, "-f", "", "--", "bounces+x@bounce.example.net")
        self.assertEqual(first.returncode, 0, first.stderr)
        second = self.ingest(data, "-f", "", "--", "bounces+x@bounce.example.net")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(b"duplicate", second.stderr)
        with sqlite3.connect(self.db) as con:
            self.assertEqual(con.execute("SELECT via, envelope_recipients FROM messages").fetchall(),
                             [("pipe", "bounces+x@bounce.example.net")])
            self.assertEqual(con.execute("SELECT status FROM undelivered_log").fetchall(), [("5.1.1",)])

    def test_garbage_is_stored_and_exits_0(self):
        result = self.ingest(b"\x00\xff not mail at all")
        self.assertEqual(result.returncode, 0, result.stderr)
        with sqlite3.connect(self.db) as con:
            self.assertEqual(con.execute("SELECT outcome FROM messages").fetchall()[0][0] in ("nothing", "failed"), True)

    def test_storage_it_cannot_write_exits_75_so_the_mta_retries(self):
        result = self.ingest(sample("rfc3464-userunknown.eml"), db="/proc/bounced-no-such-dir/bounced.db")
        self.assertEqual(result.returncode, 75, result.stderr)
        # SQLite's own report, with the system call and its errno, goes to the log too.
        self.assertIn(b"warning: sqlite (14): os_unix.c", result.stderr)
        self.assertIn(b"open(/proc/bounced-no-such-dir/bounced.db)", result.stderr)



class ReadOnlyDatabaseTest(unittest.TestCase):
    """A database this user may not write (here: immutable, which binds root too) is refused at
    start: SQLite would open it read-only and fail every message, and stay so once it was fixed."""

    def setUp(self):
        self.daemon = Daemon()
        subprocess.run([BOUNCED, "ingest", "--config", os.devnull, "--db", self.daemon.db],
                       input=sample("rfc3464-userunknown.eml"), capture_output=True, check=True)
        if subprocess.run(["chattr", "+i", self.daemon.db], capture_output=True).returncode != 0:
            self.skipTest("chattr +i is not supported here (tmpfs, overlay or no e2fsprogs)")

    def tearDown(self):
        subprocess.run(["chattr", "-i", self.daemon.db], capture_output=True)
        self.daemon.cleanup()

    def test_serve_refuses_to_start_and_ingest_exits_75(self):
        with self.assertRaises(AssertionError) as failed:
            self.daemon.start()
        self.assertIn("read-only", str(failed.exception))
        self.assertEqual(self.daemon.proc.returncode, 1)
        result = subprocess.run([BOUNCED, "ingest", "--config", os.devnull, "--db", self.daemon.db],
                                input=b"Subject: x\r\n\r\nx\r\n", capture_output=True)
        self.assertEqual(result.returncode, 75, result.stderr)
        self.assertIn(b"read-only", result.stderr)

class LimitsTest(ServeTest):
    config = ("[limits]\nmessage_size_bytes = 100000\ncommand_line_bytes = 512\nrecipients_per_message = 3\n"
              "connections_per_client = 3\nidle_timeout_seconds = 2\n")

    def test_size_announced_past_the_limit_is_refused_at_mail(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"EHLO s\r\n")
        self.assertIn("250-SIZE 100000", c.replies(1)[0])
        c.send(b"MAIL FROM:<> SIZE=200000\r\n")
        self.assertTrue(c.replies(1)[0].startswith("552 5.3.4"))

    def test_a_message_past_the_limit_is_read_to_its_end_then_refused(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO s\r\nMAIL FROM:<>\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n")
        c.replies(4)
        c.send(b"x" * 300000 + b"\r\n.\r\nNOOP\r\n")
        got = c.replies(2)
        self.assertTrue(got[0].startswith("552 5.3.4"), got)
        self.assertTrue(got[1].startswith("250"), got)  # still in step
        self.assertEqual(self.daemon.query("SELECT count(*) FROM messages"), [(0,)])

    def test_a_long_line_inside_data_is_never_refused(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO s\r\nMAIL FROM:<>\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n")
        c.replies(4)
        c.send(b"Subject: long\r\n\r\n" + b"y" * 50000 + b"\r\n.\r\n")
        self.assertTrue(c.replies(1)[0].startswith("250"))

    def test_a_command_line_past_the_limit_gets_500_and_the_session_goes_on(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO " + b"h" * 2000 + b"\r\nNOOP\r\n")
        got = c.replies(2)
        self.assertTrue(got[0].startswith("500 5.5.2"), got)
        self.assertTrue(got[1].startswith("250"), got)

    def test_recipients_past_the_limit_get_452(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO s\r\nMAIL FROM:<>\r\n" + b"".join(b"RCPT TO:<r%d@bounce.example.net>\r\n" % i for i in range(4)))
        got = c.replies(6)
        self.assertEqual([line[:3] for line in got], ["250", "250", "250", "250", "250", "452"])

    def test_connections_past_the_per_client_limit_get_421(self):
        held = [Client(self.daemon.ports["smtp"]) for _ in range(3)]
        for c in held:
            c.replies(1)
        extra = Client(self.daemon.ports["smtp"])
        self.assertTrue(extra.replies(1)[0].startswith("421 4.7.0"))
        self.assertTrue(extra.closed())

    def test_a_client_that_goes_silent_gets_421_and_is_closed(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO silent\r\n")
        c.replies(1)
        started = time.monotonic()
        self.assertTrue(c.replies(1)[0].startswith("421 4.4.2"))
        self.assertTrue(c.closed())
        self.assertLess(time.monotonic() - started, 10)


    def test_a_client_that_trickles_a_command_gets_421_when_the_line_is_overdue(self):
        # A byte every 0.7 s keeps each read within the 2 s idle timeout, not the line: the whole
        # command line must arrive within it, or one client could hold a slot for ever.
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        started = time.monotonic()
        for byte in b"HELO trickling.example\r\n":
            c.send(bytes([byte]))
            if select.select([c.sock], [], [], 0.7)[0]:
                break  # an answer: stop before writing into a closed connection
        got = c.replies(1)
        self.assertTrue(got and got[0].startswith("421 4.4.2"), got)
        self.assertLess(time.monotonic() - started, 10)

class TotalConnectionsTest(ServeTest):
    config = "[limits]\nconnections = 2\nconnections_per_client = 2\ndata_timeout_seconds = 1\n"

    def test_connections_past_the_total_limit_get_421(self):
        held = [Client(self.daemon.ports["lmtp"]), Client(self.daemon.ports["smtp"])]
        for c in held:
            c.replies(1)
        extra = Client(self.daemon.ports["smtp"])
        self.assertTrue(extra.replies(1)[0].startswith("421 4.7.0"))
        self.assertTrue(extra.closed())

    def test_a_client_silent_inside_data_gets_421_and_nothing_is_stored(self):
        c = Client(self.daemon.ports["smtp"])
        c.replies(1)
        c.send(b"HELO s\r\nMAIL FROM:<>\r\nRCPT TO:<x@bounce.example.net>\r\nDATA\r\n")
        c.replies(4)
        c.send(b"Subject: half a message\r\n")
        self.assertTrue(c.replies(1)[0].startswith("421 4.4.2"))
        self.assertTrue(c.closed())
        self.assertEqual(self.daemon.query("SELECT count(*) FROM messages"), [(0,)])


class LmtpTest(ServeTest):
    def test_smtplib_lmtp_gets_one_reply_per_recipient(self):
        lmtp = smtplib.LMTP("127.0.0.1", self.daemon.ports["lmtp"])
        code, _ = lmtp.ehlo("lmtp.test")
        self.assertEqual(code, 250)
        self.assertEqual(lmtp.mail("")[0], 250)
        self.assertEqual(lmtp.rcpt("one@bounce.example.net")[0], 250)
        self.assertEqual(lmtp.rcpt("two@bounce.example.net")[0], 250)
        code, text = lmtp.data(sample("rfc3464-delayed-mailboxfull.eml"))
        self.assertEqual(code, 250)
        self.assertIn(b"one@bounce.example.net", text)
        code, text = lmtp.getreply()
        self.assertEqual(code, 250)
        self.assertIn(b"two@bounce.example.net", text)
        lmtp.quit()
        (kind, status), = self.daemon.query("SELECT kind, status FROM undelivered_log")
        self.assertEqual(kind, "delay")


class TlsTest(ServeTest):
    def setUp(self):
        self.tls_dir = tempfile.mkdtemp(prefix="bounced-tls-")
        cert, key = os.path.join(self.tls_dir, "cert.pem"), os.path.join(self.tls_dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        self.config = f'[tls]\ncertificate = "{cert}"\nkey = "{key}"\n'
        super().setUp()

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.tls_dir, ignore_errors=True)

    def test_swaks_starttls(self):
        out = self.swaks("--tls", data=sample("rfc3464-userunknown.eml")).stdout
        self.assertIn("STARTTLS", out)
        self.assertIn("TLS started", out)
        self.assertRegex(out, r"250 2\.0\.0 Ok: queued as \d+")
        self.assertEqual(self.daemon.query("SELECT status FROM undelivered_log"), [("5.1.1",)])


def main():
    global BOUNCED
    if len(sys.argv) < 2:
        sys.exit("usage: serve_test.py BOUNCED_BINARY [unittest args]")
    BOUNCED = os.path.abspath(sys.argv.pop(1))
    if shutil.which("swaks") is None:
        print("serve_test: swaks is not installed (scripts/install-deps installs it); skipping")
        sys.exit(77)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
