#!/usr/bin/env python3
"""The operator's loop of README "Teaching bounced a new format", end to end with the real
daemon: a notice of a format no shipped decoder reads (samples/mail/acme-relay-status.eml) goes
in over LMTP and is stored as `nothing`; GET /v1/messages lists it and GET /v1/messages/{id}
gives it back; `bounced parse --rules` checks a user decoder (samples/rules/acme-relay.toml) on
it; `bounced reprocess --rules` decodes the stored message again while the daemon runs, and the
record is in /v1/bounces and the message gone from the list; then the rules file named in the
config and a SIGHUP make the daemon decode the next such notice as it arrives. A bad decoder is
refused by check-config and by a reload, which keeps the running rules.

Usage: decoder_loop_test.py BOUNCED_BINARY [unittest args]   (run by ctest)
"""
import json
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_test  # noqa: E402  (HttpDaemon)
import serve_test  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES = os.path.join(TOP, "samples", "rules", "acme-relay.toml")
NOTICE = serve_test.sample("acme-relay-status.eml")


class DecoderLoopTest(http_test.DaemonCase):
    def bounced(self, *args):
        return subprocess.run([serve_test.BOUNCED, *args], capture_output=True, text=True, timeout=120)

    def deliver(self, d, raw):
        with smtplib.LMTP("127.0.0.1", d.ports["lmtp"], timeout=30) as lmtp:
            refused = lmtp.sendmail("", ["bounces+42-7-nobody=customer.example@bounce.test"], raw)
            self.assertFalse(refused)

    def wait_for(self, d, text, count=1):
        deadline = time.monotonic() + 20
        while d.log_text().count(text) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(d.log_text().count(text), count, d.log_text())

    def test_list_fetch_check_reprocess_and_reload(self):
        work = tempfile.mkdtemp(prefix="bounced-loop-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        d = self.daemon()
        self.deliver(d, NOTICE)
        self.deliver(d, serve_test.sample("rfc3464-userunknown.eml"))

        # 1. The notice is listed as not decoded, with why, its sender and subject.
        status, listed = d.get_json("/v1/messages?outcome=nothing,failed&limit=100")
        self.assertEqual(status, 200)
        self.assertEqual(len(listed["messages"]), 1, listed)
        m = listed["messages"][0]
        self.assertEqual((m["outcome"], m["from"], m["subject"], m["via"]),
                         ("nothing", "relay@acme.example", "ACME-RELAY report 0042", "lmtp"))
        self.assertIsNone(listed["next_after"])

        # 2. Fetched as it came; bounced parse makes nothing of it with the shipped rules.
        status, _, raw = d.get(f"/v1/messages/{m['id']}")
        self.assertEqual(status, 200)
        msg = os.path.join(work, "msg.eml")
        with open(msg, "wb") as f:
            f.write(raw)
        shipped = self.bounced("parse", "--all", msg)
        self.assertEqual(shipped.returncode, 0, shipped.stderr)
        self.assertEqual(json.loads(shipped.stdout)["kind"], "none")

        # 3-4. The decoder checked on it.
        checked = self.bounced("parse", "--rules", RULES, msg)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        record = json.loads(checked.stdout)
        self.assertEqual((record["recipient"], record["deliverystatus"], record["replycode"], record["decodedby"],
                          record["diagnosticcode"], record["reason"], record["hardbounce"]),
                         ("nobody@customer.example", "5.1.1", "550", "AcmeRelay", "mailbox does not exist", "userunknown", True))

        # 5. Stored messages decoded again while the daemon runs.
        done = self.bounced("reprocess", "--config", d.config, "--db", d.db, "--rules", RULES)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("1 with new rows", done.stdout + done.stderr)

        # 6. The record is exported, with the campaign its VERP address names; nothing is left undecoded.
        status, page = d.get_json("/v1/bounces?recipient=nobody@customer.example")
        self.assertEqual(status, 200)
        self.assertEqual(len(page["records"]), 1, page)
        exported = page["records"][0]
        self.assertEqual((exported["message_id"], exported["status"], exported["campaign_id"]), (m["id"], "5.1.1", "42"))
        self.assertEqual(d.get_json("/v1/messages?outcome=nothing")[1]["messages"], [])

        # A broken rules file is refused by check-config, with its line, and a reload keeps the
        # running rules.
        broken = os.path.join(work, "broken.toml")
        with open(broken, "w") as f:
            f.write('[[decoder]]\nname = "x"\nfrom = "a"\nregex = \'(\\S+)\'\n')
        config_broken = os.path.join(work, "broken-config.toml")
        with open(config_broken, "w") as f:
            f.write(f'[rules]\nfile = "{broken}"\n')
        refused = self.bounced("check-config", "--config", config_broken)
        self.assertEqual(refused.returncode, 1)
        self.assertIn(f"{broken}:1", refused.stderr)
        self.assertIn("(?P<recipient>", refused.stderr)
        with open(d.config, "a") as f:
            f.write(f'\n[rules]\nfile = "{broken}"\n')
        d.proc.send_signal(signal.SIGHUP)
        self.wait_for(d, "keeping the running rules")
        self.deliver(d, NOTICE.replace(b"0042", b"0043"))
        self.wait_for(d, "records=0", 2)

        # The rules file in the config and a SIGHUP: the next notice is decoded as it arrives.
        with open(d.config) as f:
            config = f.read().replace(broken, RULES)
        with open(d.config, "w") as f:
            f.write(config)
        self.assertEqual(self.bounced("check-config", "--config", d.config).returncode, 0)
        d.proc.send_signal(signal.SIGHUP)
        self.wait_for(d, "reloaded ")
        self.deliver(d, NOTICE.replace(b"0042", b"0044").replace(b"nobody@", b"somebody@"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            page = d.get_json("/v1/bounces?recipient=somebody@customer.example")[1]
            if page["records"]:
                break
            time.sleep(0.1)
        self.assertEqual(len(page["records"]), 1, d.log_text())
        self.assertEqual(page["records"][0]["status"], "5.1.1")


if __name__ == "__main__":
    serve_test.BOUNCED = sys.argv.pop(1)
    unittest.main()
