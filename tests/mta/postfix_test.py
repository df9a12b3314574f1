#!/usr/bin/env python3
"""Real Postfix, end to end: a throwaway instance of Debian's Postfix (its own config, queue and
data folders in a temporary folder, smtpd on a free loopback port, nothing of the system's mail
touched) accepts a message for a user it does not have, its local(8) agent refuses it, its
bounce(8) writes the real DSN and Postfix delivers that bounce to bounced: over LMTP to
`bounced serve`, and through the pipe(8) service running `bounced ingest`. The record must show
up in the HTTP export as a hard 5.1.1 bad-mailbox bounce, tied to the campaign named in the
original's X-Campaign-ID and to the send in its VERP address.

The instance's transport map, main.cf and master.cf lines come from samples/postfix (only paths,
the port and the pipe's user replaced), so the snippets the README gives are the ones tested.

Usage: postfix_test.py BOUNCED_BINARY [unittest args]   (run by ctest; needs root and postfix,
else exits 77, skipped)
"""
import atexit
import grp
import json
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SNIPPETS = os.path.join(REPO, "samples", "postfix")
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import http_test  # noqa: E402  (HttpDaemon: bounced serve with HTTP on a free port)
import serve_test  # noqa: E402

POSTFIX = "/usr/sbin/postfix"
# Seconds to wait for the bounce to reach bounced. Postfix needs about one.
DELIVERY_TIMEOUT = 60
# The sample's bounce domain; the test keeps it (nothing leaves loopback: default_transport
# bounces anything not routed by the sample's transport map).
BOUNCE_DOMAIN = "bounce.example.com"
# The throwaway Postfix's own domain, where the unknown user lives.
LOCAL_DOMAIN = "mail.example.test"
UNKNOWN = "nosuchuser@" + LOCAL_DOMAIN
# bounced's config for both ways: the send id comes from the VERP address the bounce returns to.
CONFIG = '[correlation]\nverp = ["bounces+s{send}-{email}@' + BOUNCE_DOMAIN + '"]\n'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snippet(name, replacements):
    """samples/postfix/NAME with each (old, new) replaced; every old text must be there, so a
    changed snippet fails here instead of silently testing something else."""
    with open(os.path.join(SNIPPETS, name)) as f:
        text = f.read()
    for old, new in replacements:
        if old not in text:
            raise AssertionError(f"samples/postfix/{name} no longer holds {old!r}")
        text = text.replace(old, new)
    return text


# main.cf of the throwaway instance: everything private to its folder, loopback only. The
# sample's lines are appended after these.
MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.example.test
mydomain = example.test
myorigin = $myhostname
mydestination = {local_domain}
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Accept any local part at RCPT, so local(8) finds the user unknown and Postfix bounces.
local_recipient_maps =
alias_maps =
alias_database =
biff = no
relayhost =
# Nothing leaves this instance except through the sample's transport map.
default_transport = error:5.4.4 this test instance sends nowhere else
relay_transport = $default_transport
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
"""

# master.cf: the services this instance needs, none chrooted; smtpd on a loopback port only.
# The sample's pipe service is appended.
MASTER_CF = """\
127.0.0.1:{smtpd_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
smtp      unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


# Postfix instances started and not yet stopped, and the daemons of the tests: stopped at exit
# whatever ended the run (a test's cleanup does not run after Ctrl-C or SIGTERM).
RUNNING = set()
DAEMONS = []


@atexit.register
def stop_all():
    for pf in list(RUNNING):
        pf.stop()
    for d in DAEMONS:
        d.cleanup()  # kills a daemon still running, removes its folder


class Postfix:
    """A Postfix instance of its own: `postfix -c DIR/etc start`, stopped by stop() whatever
    happened. The default instance's /etc/postfix is only read (by postfix-script's checks)."""

    def __init__(self, transport, main_extra=""):
        """transport: the transport map's lines; main_extra: lines appended to main.cf (a sample
        generator's own settings; {dir} stands for the instance's folder)."""
        self.dir = tempfile.mkdtemp(prefix="bounced-postfix-test-")
        os.chmod(self.dir, 0o755)  # Postfix's daemons run as postfix, the pipe as nobody
        self.conf = os.path.join(self.dir, "etc")
        self.db = os.path.join(self.dir, "db", "bounced.db")
        self.smtpd_port = free_port()
        self.transport = transport
        self.main_extra = main_extra
        self.started = False

    def start(self):
        for sub in ("etc", "queue", "data"):
            os.mkdir(os.path.join(self.dir, sub))
        os.chmod(os.path.join(self.dir, "queue"), 0o755)
        postfix_user = pwd.getpwnam("postfix")
        os.chown(os.path.join(self.dir, "data"), postfix_user.pw_uid, postfix_user.pw_gid)
        transport_path = os.path.join(self.conf, "transport")
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, local_domain=LOCAL_DOMAIN))
            f.write(snippet("main.cf", [("/etc/postfix/transport", transport_path)]))
            f.write(self.main_extra.replace("{dir}", self.dir))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(smtpd_port=self.smtpd_port))
            f.write(snippet("master.cf", self.setup_pipe()))
        with open(transport_path, "w") as f:
            f.write(self.transport)
        self.run("/usr/sbin/postmap", "-c", self.conf, "hash:" + transport_path)
        self.started = True  # from here on stop() has something to stop, even if start fails
        RUNNING.add(self)
        self.run(POSTFIX, "-c", self.conf, "start")
        return self

    def setup_pipe(self):
        """The pipe service's side: bounced copied where nobody can run it (a clone under /root
        could not be run), a config and a database folder nobody can write (pipe(8) runs its
        command as user=, never as root). Returns the replacements for samples/postfix/master.cf."""
        nobody = pwd.getpwnam("nobody")
        os.mkdir(os.path.join(self.dir, "bin"))
        binary = os.path.join(self.dir, "bin", "bounced")
        shutil.copy(serve_test.BOUNCED, binary)
        os.chmod(binary, 0o755)
        config = os.path.join(self.dir, "bounced.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        os.chmod(config, 0o644)
        os.mkdir(os.path.dirname(self.db))
        os.chown(os.path.dirname(self.db), nobody.pw_uid, nobody.pw_gid)
        return [("user=bounced", "user=nobody"), ("/usr/bin/bounced", binary),
                ("/etc/bounced/bounced.toml", config), ("/var/lib/bounced/bounced.db", self.db)]

    def run(self, *cmd):
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {result.returncode}: {result.stdout}{result.stderr}{self.log()}")
        return result

    def send_original(self, sender, campaign, message_id, rcpt=UNKNOWN):
        """The mailing: one message to a user this Postfix does not have."""
        message = (f"From: News <news@{BOUNCE_DOMAIN}>\r\nTo: <{rcpt}>\r\nSubject: December news\r\n"
                   f"Message-ID: <{message_id}>\r\nX-Campaign-ID: {campaign}\r\n"
                   f"Date: Sat, 05 Dec 2026 12:00:00 +0000\r\n\r\nHello.\r\n")
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, timeout=30) as smtp:
            refused = smtp.sendmail(sender, [rcpt], message)
        if refused:
            raise AssertionError(f"the test Postfix refused {refused}")

    def log(self):
        try:
            with open(os.path.join(self.dir, "maillog")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=DELIVERY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log())
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in Postfix's log within {timeout} s:\n{self.log()}")

    def stop(self):
        """postfix stop (which waits for the master, then kills its process group), then, if the
        master this instance wrote is still alive, its process group killed."""
        RUNNING.discard(self)
        if not self.started:
            shutil.rmtree(self.dir, ignore_errors=True)
            return
        subprocess.run([POSTFIX, "-c", self.conf, "stop"], capture_output=True, timeout=60)
        try:
            with open(os.path.join(self.dir, "queue", "pid", "master.pid")) as f:
                pid = int(f.read().split()[0])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"master" in f.read():
                    os.killpg(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PostfixTest(http_test.DaemonCase):
    def daemon_over(self, db=None, lmtp=None):
        """bounced serve with this test's config, HTTP and LMTP on free loopback ports (or LMTP on
        lmtp), over a database of its own or db."""
        d = http_test.HttpDaemon()
        d.config_extra = CONFIG
        if db:
            d.db = db
        if lmtp:
            d.args += ["--lmtp", lmtp]  # after serve_test's --lmtp 127.0.0.1:0: the last one counts
        self.daemons.append(d)
        DAEMONS.append(d)
        return d.start()

    def postfix(self, transport):
        pf = Postfix(transport)
        self.addCleanup(pf.stop)  # runs whether the test passed, failed or raised
        return pf.start()

    def original(self):
        """(envelope sender, campaign, Message-ID, send id) of a new mailing: the send id is in the
        VERP sender, the campaign in a header."""
        tag = uuid.uuid4().hex[:12]
        return f"bounces+s{tag}-nosuchuser={LOCAL_DOMAIN}@{BOUNCE_DOMAIN}", "camp-" + tag, f"{tag}@news.{BOUNCE_DOMAIN}", tag

    def wait_for_record(self, d, pf, campaign):
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while time.monotonic() < deadline:
            status, doc = d.get_json("/v1/bounces?campaign=" + campaign)
            self.assertEqual(status, 200, doc)
            if doc["records"]:
                return doc["records"]
            time.sleep(0.2)
        self.fail(f"no record for campaign {campaign} in the export within {DELIVERY_TIMEOUT} s:\n{pf.log()}\n{d.log_text()}")

    def check_record(self, d, records, sender, campaign, message_id, send):
        self.assertEqual(len(records), 1, records)
        r = records[0]
        self.assertEqual((r["kind"], r["status"], r["bounce_type"], r["category"], r["reason"]),
                         ("bounce", "5.1.1", "hard", "bad-mailbox", "userunknown"), r)
        self.assertEqual(r["recipient"], UNKNOWN)
        self.assertEqual(r["campaign_id"], campaign)  # from the original's X-Campaign-ID
        self.assertEqual(r["send_id"], send)  # from the VERP address the bounce came back to
        self.assertEqual(r["original_message_id"].strip("<>"), message_id)
        self.assertEqual((r["envelope_sender"], r["envelope_recipient"]), ("", sender))
        self.assertEqual(r["reporting_mta"], "dns; mta.example.test")
        # The stored message is Postfix's own DSN, as its bounce(8) wrote it.
        status, _, raw = d.get(f"/v1/messages/{r['message_id']}")
        self.assertEqual(status, 200)
        self.assertIn(b"From: Mail Delivery System <MAILER-DAEMON@mta.example.test>", raw)
        self.assertIn(b"X-Postfix-Sender: rfc822; " + sender.encode(), raw)
        self.assertIn(b'Diagnostic-Code: X-Postfix; unknown user: "nosuchuser"', raw)
        return r

    def test_postfix_bounces_an_unknown_user_and_delivers_its_dsn_over_lmtp(self):
        d = self.daemon_over()
        pf = self.postfix(snippet("transport-lmtp", [("127.0.0.1:2424", f"127.0.0.1:{d.ports['lmtp']}")]))
        sender, campaign, message_id, send = self.original()
        pf.send_original(sender, campaign, message_id)
        records = self.wait_for_record(d, pf, campaign)
        self.check_record(d, records, sender, campaign, message_id, send)
        self.assertEqual(d.query("SELECT via, envelope_sender FROM messages"), [("lmtp", "")])
        # Postfix's side: local(8) bounced the original, its lmtp client delivered the DSN.
        pf.wait_for_log(r"to=<nosuchuser@mail\.example\.test>, relay=local, .*dsn=5\.1\.1, status=bounced")
        pf.wait_for_log(rf"to=<{re.escape(sender)}>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:{d.ports['lmtp']}, .*status=sent \(250 ")

    def test_a_bounce_bounced_is_not_there_for_stays_queued_and_arrives_later(self):
        port = free_port()
        pf = self.postfix(snippet("transport-lmtp", [("127.0.0.1:2424", f"127.0.0.1:{port}")]))
        sender, campaign, message_id, send = self.original()
        pf.send_original(sender, campaign, message_id)
        pf.wait_for_log(rf"to=<{re.escape(sender)}>, relay=none, .*status=deferred \(connect to 127\.0\.0\.1\[127\.0\.0\.1\]:{port}: Connection refused")
        d = self.daemon_over(lmtp=f"127.0.0.1:{port}")
        self.assertEqual(d.ports["lmtp"], port)
        pf.run("/usr/sbin/postqueue", "-c", pf.conf, "-f")  # what an operator does; else Postfix retries in minutes
        self.check_record(d, self.wait_for_record(d, pf, campaign), sender, campaign, message_id, send)

    def test_postfix_bounces_an_unknown_user_and_pipes_its_dsn_to_bounced_ingest(self):
        pf = self.postfix(snippet("transport-pipe", []))
        sender, campaign, message_id, send = self.original()
        pf.send_original(sender, campaign, message_id)
        # ingest exits 0 once stored; pipe(8) then logs the delivery as sent.
        pf.wait_for_log(rf"to=<{re.escape(sender)}>, relay=bounced, .*status=sent \(delivered via bounced service")
        # The daemon over the file ingest wrote: the export shows the same record.
        d = self.daemon_over(db=pf.db)
        status, doc = d.get_json("/v1/bounces?campaign=" + campaign)
        self.assertEqual(status, 200, doc)
        self.check_record(d, doc["records"], sender, campaign, message_id, send)
        self.assertEqual(d.query("SELECT via, envelope_sender, envelope_recipients FROM messages"), [("pipe", "", sender)])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: postfix_test.py BOUNCED_BINARY [unittest args]")
    serve_test.BOUNCED = os.path.abspath(sys.argv.pop(1))
    why = None
    if not os.path.exists(POSTFIX):
        why = "Postfix is not installed (scripts/install-deps installs it)"
    elif os.geteuid() != 0:
        why = "starting a Postfix instance needs root"
    else:
        try:
            pwd.getpwnam("postfix"), pwd.getpwnam("nobody"), grp.getgrnam("postdrop")
        except KeyError as e:
            why = f"no such user or group: {e}"
    if why:
        print(f"postfix_test: {why}; skipping")
        sys.exit(77)
    # SIGTERM ends the run as Ctrl-C does (unittest lets KeyboardInterrupt through), so the
    # atexit hook still stops what is running.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
