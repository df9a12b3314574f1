#!/usr/bin/env python3
"""End-to-end tests of the HTTP API of `bounced serve`: bounces go in over LMTP (smtplib), and
real HTTP clients (urllib and curl) read them back from /v1: paging by id, filters, formats,
single records and raw messages, FreshMail's error shape, API keys, the body limit, and 200
concurrent exports while ingest runs.

Usage: http_test.py BOUNCED_BINARY [unittest args]   (run by ctest)
"""
import base64
import csv
import io
import json
import os
import re
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_test  # noqa: E402  (the Daemon helper and the samples)

VERP = '[correlation]\nverp = ["bounces+{campaign}-{send}-{email}@bounce.test"]\n'


class HttpDaemon(serve_test.Daemon):
    def __init__(self, config_extra="", http="127.0.0.1:0"):
        super().__init__(VERP + config_extra, args=["--http", http])

    def start(self):
        super().start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = re.findall(r"listening: http [^\s]+:(\d+)", self.log_text())
            if found:
                self.http = int(found[0])
                return self
            time.sleep(0.05)
        raise AssertionError("no HTTP listener: " + self.log_text())

    def url(self, path):
        return f"http://127.0.0.1:{self.http}{path}"

    def get(self, path, headers=None, method="GET", data=None):
        """(status, headers, body bytes), for errors too."""
        req = urllib.request.Request(self.url(path), headers=headers or {}, method=method, data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, path, **kw):
        status, headers, body = self.get(path, **kw)
        return status, json.loads(body)

    def deliver(self, envelopes):
        """[(envelope recipient, sample name)] over one LMTP session."""
        with smtplib.LMTP("127.0.0.1", self.ports["lmtp"], timeout=30) as lmtp:
            for rcpt, name in envelopes:
                refused = lmtp.sendmail("", [rcpt], serve_test.sample(name))
                assert not refused, refused


SAMPLES = ["rfc3464-userunknown.eml", "rfc3464-delayed-mailboxfull.eml", "arf-abuse.eml",
           "qmail-userunknown.eml", "exim-text-userunknown.eml", "dovecot-quota.eml", "rfc3834-vacation.eml"]


def mixed(count):
    return [(f"bounces+c{i % 2 + 1}-s{i}-u{i}=example.net@bounce.test", SAMPLES[i % len(SAMPLES)]) for i in range(count)]


class DaemonCase(unittest.TestCase):
    """Starts HttpDaemons on demand and stops and removes them after each test."""

    def setUp(self):
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if not d.stderr.closed:
                d.stop()
            d.cleanup()

    def daemon(self, *args, **kw):
        d = HttpDaemon(*args, **kw)
        self.daemons.append(d)
        return d.start()


class HttpTest(DaemonCase):
    def assert_error(self, status, body, want_status, want_code):
        self.assertEqual(status, want_status, body)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "ERROR")
        self.assertEqual(len(doc["errors"]), 1)
        self.assertEqual(set(doc["errors"][0]), {"message", "code"})
        self.assertEqual(doc["errors"][0]["code"], want_code)
        self.assertTrue(doc["errors"][0]["message"])

    def test_pages_follow_next_after_to_the_end(self):
        d = self.daemon()
        d.deliver(mixed(14))
        live = [r[0] for r in d.query("SELECT id FROM undelivered_log WHERE replaced_by IS NULL ORDER BY id")]
        self.assertGreaterEqual(len(live), 12)
        seen, after = [], 0
        while True:
            status, doc = d.get_json(f"/v1/bounces?after={after}&limit=5")
            self.assertEqual(status, 200)
            self.assertEqual(set(doc), {"records", "next_after"})
            seen += [r["id"] for r in doc["records"]]
            if doc["next_after"] is None:
                break
            self.assertEqual(len(doc["records"]), 5)
            self.assertEqual(doc["next_after"], doc["records"][-1]["id"])
            after = doc["next_after"]
        self.assertEqual(seen, live)
        # A page that ends exactly at the last record says so.
        status, doc = d.get_json(f"/v1/bounces?after={live[-3]}&limit=2")
        self.assertEqual([r["id"] for r in doc["records"]], live[-2:])
        self.assertIsNone(doc["next_after"])

    def test_filters_match_what_sqlite_holds(self):
        d = self.daemon()
        d.deliver(mixed(14))
        for query, sql in [
            ("campaign=c2", "campaign_id = 'c2'"),
            ("send=s3", "send_id = 's3'"),
            ("kind=delay", "kind = 'delay'"),
            ("kind=complaint", "kind = 'complaint'"),
            ("type=hard", "bounce_type = 'hard'"),
            ("type=soft&campaign=c1", "bounce_type = 'soft' AND campaign_id = 'c1'"),
            ("recipient=" + d.query("SELECT recipient FROM undelivered_log LIMIT 1")[0][0],
             "recipient = (SELECT recipient FROM undelivered_log LIMIT 1)"),
            ("reason=userunknown", "reason = 'userunknown'"),
            ("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00%2B02:00", "1 = 1"),
            ("until=2000-01-01T00:00:00Z", "1 = 0"),
        ]:
            with self.subTest(query=query):
                want = [r[0] for r in d.query(f"SELECT id FROM undelivered_log WHERE {sql} ORDER BY id")]
                status, doc = d.get_json("/v1/bounces?" + query)
                self.assertEqual(status, 200)
                self.assertEqual([r["id"] for r in doc["records"]], want)
        self.assertTrue(d.query("SELECT 1 FROM undelivered_log WHERE campaign_id = 'c2'"))

    def test_jsonl_and_csv_hold_the_same_records(self):
        d = self.daemon()
        d.deliver(mixed(7))
        _, doc = d.get_json("/v1/bounces")
        status, headers, body = d.get("/v1/bounces?format=jsonl")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/x-ndjson")
        lines = [json.loads(line) for line in body.decode().splitlines()]
        self.assertEqual(lines, doc["records"])
        # curl, as a shell script would fetch it.
        out = subprocess.run(["curl", "-sS", "--fail", d.url("/v1/bounces?format=csv")], check=True,
                             capture_output=True).stdout.decode()
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(len(rows), len(doc["records"]))
        for row, rec in zip(rows, doc["records"]):
            self.assertEqual(int(row["id"]), rec["id"])
            self.assertEqual(row["diagnostic_text"], rec["diagnostic_text"])
            self.assertEqual(row["remote_mta"], rec["remote_mta"])
            self.assertEqual(row["received_at"], rec["received_at"])

    def test_one_record_and_its_raw_message(self):
        d = self.daemon()
        d.deliver([("bounces+c9-s9-u9=example.net@bounce.test", "rfc3464-userunknown.eml")])
        rid, mid, raw = d.query("SELECT u.id, m.id, m.raw FROM undelivered_log u JOIN messages m ON m.id = u.message_id")[0]
        status, rec = d.get_json(f"/v1/bounces/{rid}")
        self.assertEqual(status, 200)
        self.assertEqual(rec["message_id"], mid)
        self.assertEqual(rec["campaign_id"], "c9")
        self.assertEqual(rec["status"], "5.1.1")
        self.assertTrue(rec["rule_id"])
        self.assertRegex(rec["received_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        status, headers, body = d.get(f"/v1/messages/{mid}")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "message/rfc822")
        self.assertEqual(body, raw)
        self.assertEqual(headers["X-Bounced-Outcome"], "decoded")
        self.assert_error(*d.get("/v1/bounces/99999")[::2], 404, 1013)
        self.assert_error(*d.get("/v1/messages/99999")[::2], 404, 1013)

    def test_bad_requests_get_freshmail_errors(self):
        d = self.daemon()
        for path, status, code in [
            ("/v1/bounces?limit=0", 400, 1010),
            ("/v1/bounces?limit=25001", 400, 1011),
            ("/v1/bounces?limit=ten", 400, 1010),
            ("/v1/bounces?after=abc", 400, 1012),
            ("/v1/bounces?after=-1", 400, 1012),
            ("/v1/bounces?kind=bouncy", 400, 1010),
            ("/v1/bounces?type=medium", 400, 1010),
            ("/v1/bounces?since=yesterday", 400, 1010),
            ("/v1/bounces?since=2026-02-30T00:00:00Z", 400, 1010),
            ("/v1/bounces?colour=red", 400, 1010),
            ("/v1/bounces?limit=1&limit=2", 400, 1010),
            ("/v1/bounces?format=xml", 400, 1010),
            ("/v1/bounces/x", 400, 1010),
            ("/v1/nothing", 404, 1001),
        ]:
            with self.subTest(path=path):
                got, _, body = d.get(path)
                self.assert_error(got, body, status, code)
        got, _, body = d.get("/v1/bounces", method="POST", data=b"{}")
        self.assert_error(got, body, 405, 1003)
        status, _, body = d.get("/healthz")
        self.assertEqual((status, body), (200, b"ok\n"))
        # A malformed request line is refused, and the daemon goes on serving.
        with socket.create_connection(("127.0.0.1", d.http), timeout=10) as s:
            s.sendall(b"GARBAGE\r\n\r\n")
            s.recv(100)
        self.assertEqual(d.get("/healthz")[0], 200)

    def test_api_keys_bearer_and_basic(self):
        secret = "0123456789abcdef0123"
        d = self.daemon(f'[api]\nkeys = ["ops:{secret}"]\n')
        status, headers, body = d.get("/v1/bounces")
        self.assert_error(status, body, 401, 1000)
        self.assertIn("Bearer", headers["WWW-Authenticate"])
        self.assertEqual(d.get("/v1/bounces", headers={"Authorization": f"Bearer {secret}"})[0], 200)
        basic = base64.b64encode(f"ops:{secret}".encode()).decode()
        self.assertEqual(d.get("/v1/bounces", headers={"Authorization": f"Basic {basic}"})[0], 200)
        for wrong in [f"Bearer {secret}x", "Bearer ", "Basic " + base64.b64encode(f"dev:{secret}".encode()).decode(),
                      "Basic " + base64.b64encode(b"ops:wrong").decode(), "Basic !!!", secret]:
            with self.subTest(wrong=wrong):
                status, _, body = d.get("/v1/bounces", headers={"Authorization": wrong})
                self.assert_error(status, body, 401, 1000)
        self.assertEqual(d.get("/healthz")[0], 200)  # open

    def test_without_keys_only_loopback_clients_are_served(self):
        addresses = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
                     if re.fullmatch(r"[\d.]+", a) and not a.startswith("127.")]
        if not addresses:
            self.skipTest("this machine has no non-loopback IPv4 address to call from")
        d = self.daemon(http="0.0.0.0:0")
        self.assertIn("loopback clients only", d.log_text())
        self.assertEqual(d.get("/v1/bounces")[0], 200)
        req = urllib.request.Request(f"http://{addresses[0]}:{d.http}/v1/bounces")
        try:
            urllib.request.urlopen(req, timeout=10)
            self.fail("a non-loopback client was served without a key")
        except urllib.error.HTTPError as e:
            self.assert_error(e.code, e.read(), 403, 1004)

    def test_a_body_over_the_limit_gets_413(self):
        d = self.daemon("[limits]\nmessage_size_bytes = 1000\n")
        status, _, body = d.get("/v1/bounces", method="POST", data=b"x" * 200000)
        self.assert_error(status, body, 413, 1014)
        self.assertEqual(d.get("/healthz")[0], 200)

    def test_a_large_page_streams_in_chunks(self):
        d = self.daemon()
        d.deliver(mixed(700))
        total = d.query("SELECT count(*) FROM undelivered_log")[0][0]
        self.assertGreater(total, 600)
        out = subprocess.run(["curl", "-sS", "-D", "-", "--fail", d.url("/v1/bounces?limit=25000")], check=True,
                             capture_output=True).stdout.decode()
        head, body = out.split("\r\n\r\n", 1)
        self.assertIn("Transfer-Encoding: chunked", head)
        doc = json.loads(body)
        self.assertEqual(len(doc["records"]), total)
        self.assertIsNone(doc["next_after"])

    def test_200_concurrent_exports_while_ingest_commits(self):
        d = self.daemon()
        d.deliver(mixed(50))
        before = d.query("SELECT count(*) FROM messages")[0][0]
        errors, statuses = [], []

        def export(i):
            try:
                status, doc = d.get_json(f"/v1/bounces?limit={1 + i % 100}&after={i % 7}")
                statuses.append(status)
                if status != 200 or not isinstance(doc["records"], list):
                    errors.append((status, doc))
            except Exception as e:  # noqa: BLE001 (any failure is the test's finding)
                errors.append(repr(e))

        ingest = threading.Thread(target=d.deliver, args=([(f"bounces+c3-x{i}-u{i}=example.net@bounce.test", SAMPLES[i % 7])
                                                          for i in range(150)],))
        ingest.start()
        threads = [threading.Thread(target=export, args=(i,)) for i in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ingest.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(statuses), 200)
        self.assertEqual(d.query("SELECT count(*) FROM messages")[0][0], before + 150)

    def post_json(self, d, path, doc, method="POST"):
        data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        status, _, body = d.get(path, method=method, data=data, headers={"Content-Type": "application/json"})
        return status, body

    def test_suppressions_blocks_and_erasure(self):
        d = self.daemon()
        d.deliver([("bounces+c1-s1-u1=example.net@bounce.test", "rfc3464-userunknown.eml")])
        hard = d.query("SELECT address FROM suppressions WHERE state = 'hard-bouncing'")[0][0]
        status, doc = d.get_json(f"/v1/suppressions/{hard}")
        self.assertEqual(status, 200)
        self.assertEqual((doc["state"], doc["bounce_state"], doc["hard_count"], doc["blocked_at"]),
                         ("hard-bouncing", "hard-bouncing", 1, None))
        self.assertEqual(doc["last_record_id"], d.query("SELECT max(id) FROM undelivered_log")[0][0])
        # FreshMail's addBlocks answer.
        # Incorrect_mails spelled as the document spells it; addresses that only look like ones
        # (an empty label, a label that starts with a hyphen, a dot that ends the local part) are
        # incorrect.
        status, body = self.post_json(d, "/v1/suppressions/block",
                                      {"emails": [hard, "New@Example.net", "not an address", 7, "a@b..com", "a@-ex.com",
                                                  "trail.@ex.com", ".lead@ex.com", "a@ex-.com"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"status": "OK", "data": {
            "stats": {"added": 2, "existing": 0, "incorrect": 7},
            "Incorrect_mails": ["not an address", 7, "a@b..com", "a@-ex.com", "trail.@ex.com", ".lead@ex.com", "a@ex-.com"]}})
        # "emails" as the document writes it, an object of addresses (PHP's json_encode of an array
        # whose keys are not 0, 1, 2...): its values.
        status, body = self.post_json(d, "/v1/suppressions/block", {"emails": {"3": "obj@example.net", "7": "new@example.net"}})
        self.assertEqual(json.loads(body)["data"]["stats"], {"added": 1, "existing": 1, "incorrect": 0})
        status, body = self.post_json(d, "/v1/suppressions/block", {"emails": ["new@example.net"]})
        self.assertEqual(json.loads(body)["data"]["stats"], {"added": 0, "existing": 1, "incorrect": 0})
        status, doc = d.get_json("/v1/suppressions/new@example.net")
        self.assertEqual((doc["state"], doc["bounce_state"]), ("blocked", "active"))
        self.assertRegex(doc["blocked_at"], r"Z$")
        status, doc = d.get_json("/v1/suppressions?blocked=true")
        self.assertEqual(sorted(s["address"] for s in doc["suppressions"]), sorted([hard, "new@example.net", "obj@example.net"]))
        status, doc = d.get_json("/v1/suppressions?limit=1")
        self.assertEqual(len(doc["suppressions"]), 1)
        status, doc2 = d.get_json(f"/v1/suppressions?limit=5&after={doc['next_after']}")
        self.assertIsNone(doc2["next_after"])
        self.assertEqual(len(doc["suppressions"]) + len(doc2["suppressions"]), 3)
        # removeBlocks: only blocks made by hand go; the bounce state stays.
        status, body = self.post_json(d, "/v1/suppressions/unblock", {"emails": [hard, "nobody@example.net"]})
        self.assertEqual(json.loads(body), {"status": "OK", "data": {"stats": {"removed": 1, "not_existing": 1, "incorrect": 0},
                                                                   "Incorrect_mails": []}})
        # A block on an address too odd to block now (made before, or by hand in SQLite) can be lifted.
        with sqlite3.connect(d.db) as c:
            c.execute("INSERT INTO suppressions (address, state, updated_at, blocked_at) VALUES ('a@b..com', 'active', 1, 1)")
        status, body = self.post_json(d, "/v1/suppressions/unblock", {"emails": ["a@b..com"]})
        self.assertEqual(json.loads(body)["data"]["stats"], {"removed": 1, "not_existing": 0, "incorrect": 0})
        # removeBlocks has no 1301 in the document: incorrect addresses are counted.
        status, body = self.post_json(d, "/v1/suppressions/unblock", {"emails": ["x", "y@"]})
        self.assertEqual((status, json.loads(body)["data"]["stats"]), (200, {"removed": 0, "not_existing": 0, "incorrect": 2}))
        status, doc = d.get_json(f"/v1/suppressions/{hard}")
        self.assertEqual((doc["state"], doc["blocked_at"]), ("hard-bouncing", None))
        for payload, code in [(b"not json", 1343), ({"emails": []}, 1336), ({"mails": ["a@b.c"]}, 1336),
                              ({"emails": ["x", "y@"]}, 1301), ({"emails": ["a@example.net"] * 1001}, 1399)]:
            with self.subTest(payload=str(payload)[:40]):
                self.assert_error(*self.post_json(d, "/v1/suppressions/block", payload), 400, code)
        self.assert_error(*d.get("/v1/suppressions/block")[::2], 405, 1003)
        self.assert_error(*d.get("/v1/suppressions/nobody@example.net")[::2], 404, 1013)
        # The data-protection erasure.
        status, body = self.post_json(d, f"/v1/addresses/{hard}", b"", method="DELETE")
        self.assertEqual(status, 200, body)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "OK")
        self.assertEqual((doc["data"]["messages"], doc["data"]["suppressions"]), (1, 1))
        self.assertGreaterEqual(doc["data"]["records"], 1)
        self.assert_error(*d.get(f"/v1/suppressions/{hard}")[::2], 404, 1013)
        self.assertEqual(d.get_json(f"/v1/bounces?recipient={hard}")[1]["records"], [])
        self.assertEqual(d.query("SELECT count(*) FROM messages")[0][0], 0)
        self.assert_error(*self.post_json(d, "/v1/addresses/nobody", b"", method="DELETE"), 400, 1010)

    def test_stats_count_what_sqlite_holds(self):
        d = self.daemon()
        d.deliver(mixed(21))
        for query, where in [("", "1 = 1"), ("?campaign=c1", "campaign_id = 'c1'"),
                             ("?campaign=c2&send=s3", "campaign_id = 'c2' AND send_id = 's3'")]:
            with self.subTest(query=query):
                status, doc = d.get_json("/v1/stats" + query)
                self.assertEqual(status, 200)

                def count(cond):
                    return d.query(f"SELECT count(*) FROM undelivered_log WHERE replaced_by IS NULL AND {where} AND {cond}")[0][0]
                self.assertEqual(doc["hard_bounce"], count("kind = 'bounce' AND bounce_type = 'hard'"))
                self.assertEqual(doc["soft_bounce"], count("kind = 'bounce' AND bounce_type = 'soft'"))
                self.assertEqual(doc["complaint"], count("kind = 'complaint'"))
                self.assertEqual(doc["delay"], count("kind = 'delay'"))
                self.assertEqual(doc["auto_reply"], count("kind = 'auto-reply'"))
                self.assertEqual(sum(doc["bounces_by_reason"].values()), count("kind = 'bounce'"))
                self.assertEqual(sum(doc["bounces_by_category"].values()), count("kind = 'bounce'"))
        self.assertGreater(d.get_json("/v1/stats")[1]["hard_bounce"], 0)
        self.assertEqual(d.get_json("/v1/stats?campaign=none")[1]["hard_bounce"], 0)
        self.assert_error(*d.get("/v1/stats?campain=c1")[::2], 400, 1010)

    def test_metrics_count_what_went_in(self):
        d = self.daemon('[api]\nkeys = ["ops:0123456789abcdef0123"]\n')
        d.deliver(mixed(7) + mixed(1))  # the last is the first again: a duplicate
        status, headers, body = d.get("/metrics")  # open, without a key
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        values = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        self.assertEqual(values['bounced_messages_stored_total{via="lmtp"}'], 7)
        self.assertEqual(values['bounced_messages_duplicate_total{via="lmtp"}'], 1)
        self.assertEqual(values['bounced_messages_refused_total{via="lmtp"}'], 0)
        self.assertEqual(values["bounced_commit_seconds_count"], 8)
        self.assertEqual(values['bounced_commit_seconds_bucket{le="+Inf"}'], 8)
        self.assertIn("bounced_sessions_open", values)
        self.assertEqual(sum(v for k, v in values.items() if k.startswith("bounced_decode_outcomes_total")), 8)
        for kind, type_, n in d.query("SELECT kind, bounce_type, count(*) FROM undelivered_log GROUP BY 1, 2"):
            self.assertEqual(values[f'bounced_records_total{{kind="{kind}",type="{type_}"}}'], n)

    def test_messages_listed_by_outcome_and_paged_to_the_end(self):
        """GET /v1/messages, the operator's list of what bounced could not decode: a decoded bounce
        and a non-bounce over LMTP, a chunk of accounting records through bounced acct, listed
        with each outcome filter and paged with after and limit, as curl and urllib fetch them."""
        secret = "0123456789abcdef0123"
        d = self.daemon(f'[api]\nkeys = ["ops:{secret}"]\n')
        auth = {"Authorization": f"Bearer {secret}"}
        d.deliver([("bounces+c1-s1-u1=example.net@bounce.test", "rfc3464-userunknown.eml"),
                   ("bounces@bounce.test", "not-a-bounce.eml"),
                   ("bounces+c1-s2-u2=example.net@bounce.test", "qmail-userunknown.eml"),
                   ("bounces@bounce.test", "rfc3834-vacation.eml")])
        subprocess.run([serve_test.BOUNCED, "acct", "--config", d.config, "--db", d.db],
                       input=b"type,timeLogged,rcpt,dsnStatus\nb,1795000000,r@dest.test,5.1.1\n", check=True,
                       capture_output=True)
        stored = {r[0]: r[1:] for r in d.query("SELECT id, via, outcome, outcome_detail FROM messages ORDER BY id")}
        self.assertEqual([v[:2] for v in stored.values()],
                         [("lmtp", "decoded"), ("lmtp", "nothing"), ("lmtp", "decoded"), ("lmtp", "decoded"),
                          ("acct", "decoded")])
        bounce, plain, _, _, chunk = stored
        # No decoder fails on these samples: one is marked failed by hand, as a decoder error
        # leaves it, so that the failed filter has something to find.
        failed = d.query("SELECT id FROM messages WHERE via = 'lmtp' ORDER BY id")[2][0]
        with sqlite3.connect(d.db) as c:
            c.execute("UPDATE messages SET outcome = 'failed', outcome_detail = 'decoder error: test' WHERE id = ?", (failed,))
            # And one as a message stored before schema 7, without From and Subject: read from its header.
            c.execute("UPDATE messages SET from_address = NULL, subject = NULL WHERE id = ?", (plain,))
        status, whole = d.get_json("/v1/messages", headers=auth)
        self.assertEqual(status, 200)
        self.assertEqual(set(whole), {"messages", "next_after"})
        self.assertIsNone(whole["next_after"])
        by_id = {m["id"]: m for m in whole["messages"]}
        for m in whole["messages"]:
            self.assertEqual(set(m), {"id", "received_at", "via", "outcome", "why", "from", "subject"})
            self.assertRegex(m["received_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            via, outcome, detail = d.query("SELECT via, outcome, outcome_detail FROM messages WHERE id = ?", (m["id"],))[0]
            self.assertEqual((m["via"], m["outcome"], m["why"]), (via, outcome, detail))
        self.assertEqual((by_id[bounce]["from"], by_id[bounce]["subject"], by_id[bounce]["why"]),
                         ("MAILER-DAEMON@mx.bounced.test", "Undelivered Mail Returned to Sender", ""))
        self.assertEqual((by_id[plain]["from"], by_id[plain]["subject"], by_id[plain]["outcome"]),
                         ("carol@dest.bounced.test", "Re: November news", "nothing"))
        self.assertTrue(by_id[plain]["why"])
        self.assertEqual((by_id[failed]["outcome"], by_id[failed]["why"]), ("failed", "decoder error: test"))
        self.assertEqual((by_id[chunk]["via"], by_id[chunk]["from"], by_id[chunk]["subject"]), ("acct", "", ""))
        for outcome in ["", "nothing", "decoded", "failed", "nothing,failed", "failed,failed", "decoded,nothing,failed"]:
            with self.subTest(outcome=outcome):
                names = sorted(set(outcome.split(","))) if outcome else ["decoded", "failed", "nothing"]
                want = [r[0] for r in d.query(
                    f"SELECT id FROM messages WHERE outcome IN ({','.join('?' * len(names))}) ORDER BY id", names)]
                self.assertTrue(want)
                query = f"outcome={outcome}&" if outcome else ""
                # Page by page with curl, two at a time, until next_after is null.
                seen, after, pages = [], 0, 0
                while True:
                    out = subprocess.run(["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {secret}",
                                          d.url(f"/v1/messages?{query}after={after}&limit=2")],
                                         check=True, capture_output=True).stdout
                    doc = json.loads(out)
                    pages += 1
                    seen += [m["id"] for m in doc["messages"]]
                    self.assertTrue(all(m["outcome"] in names for m in doc["messages"]))
                    if doc["next_after"] is None:
                        break
                    self.assertEqual(len(doc["messages"]), 2)
                    self.assertEqual(doc["next_after"], doc["messages"][-1]["id"])
                    after = doc["next_after"]
                self.assertEqual(seen, want)
                # A last page that is full says so: no empty page after it.
                self.assertEqual(pages, (len(want) + 1) // 2)
                # after is exclusive.
                status, doc = d.get_json(f"/v1/messages?{query}after={want[0]}", headers=auth)
                self.assertEqual([m["id"] for m in doc["messages"]], want[1:])
        # The raw message of one listed, as before.
        status, headers, body = d.get(f"/v1/messages/{plain}", headers=auth)
        self.assertEqual((status, headers["Content-Type"]), (200, "message/rfc822"))
        self.assertEqual(body, d.query("SELECT raw FROM messages WHERE id = ?", (plain,))[0][0])
        self.assertTrue(body.startswith(serve_test.sample("not-a-bounce.eml")))
        # Errors in /v1's shape.
        for path, want_status, code in [("/v1/messages?outcome=bounced", 400, 1010),
                                        ("/v1/messages?outcome=nothing,", 400, 1010),
                                        ("/v1/messages?outcome=nothing&outcome=failed", 400, 1010),
                                        ("/v1/messages?after=x", 400, 1012),
                                        ("/v1/messages?limit=25001", 400, 1011)]:
            with self.subTest(path=path):
                status, _, body = d.get(path, headers=auth)
                self.assert_error(status, body, want_status, code)
        status, _, body = d.get("/v1/messages?outcome=nothing,bounced", headers=auth)
        self.assertIn('"bounced" is none of them', json.loads(body)["errors"][0]["message"])
        # Without the key: the same answer as every other /v1 route.
        status, headers, body = d.get("/v1/messages?outcome=nothing")
        self.assert_error(status, body, 401, 1000)
        self.assertIn("Bearer", headers["WWW-Authenticate"])
        self.assertEqual(body, d.get("/v1/bounces")[2])

    def test_sigterm_with_http_open_exits_cleanly(self):
        d = self.daemon()
        s = socket.create_connection(("127.0.0.1", d.http), timeout=10)  # an idle keep-alive client
        self.assertEqual(d.stop(), 0)
        s.close()


if __name__ == "__main__":
    serve_test.BOUNCED = sys.argv.pop(1)
    unittest.main()
