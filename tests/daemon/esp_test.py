#!/usr/bin/env python3
"""End-to-end tests of the ESP interfaces of `bounced serve` (../shared/seeds): bounces go in over
LMTP (smtplib), then real HTTP clients read them back:

- Mailkit's mailkit.report.raw.bounces as JSON (urllib) and as XML-RPC (Python's xmlrpc.client),
  paged by ID_undelivered_log, with its field names and its Unauthorized answers;
- Inxmail's bounces and complaints (curl -u and urllib), numbered pages with Link headers, and
  the document's 400 body;
- Oempro's internal.bounce.register (JSON with urllib, a form with curl), stored through the
  same pipeline as LMTP mail, with its {Success, ErrorCode, ErrorText} answers.
Every answer is checked against what SQLite holds.

Usage: esp_test.py BOUNCED_BINARY [unittest args]   (run by ctest)
"""
import base64
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_test  # noqa: E402  (HttpDaemon, the mixed deliveries)
import serve_test  # noqa: E402

MAILKIT_FIELDS = ["ID_MESSAGE", "TEXT_STATUS", "STATUS", "ID_EMAIL", "ID_SEND", "EMAIL", "ID_SEND_MESSGE",
                  "ID_USER_LIST", "REMOTE_MTA", "ID_UNDELIVERED_LOG", "RECIPIENT_STATUS"]
INXMAIL_BOUNCE_FIELDS = {"sourceSystem", "campaignId", "messageId", "recipient", "errorCode", "errorText", "type", "timestamp"}
INXMAIL_COMPLAINT_FIELDS = {"sourceSystem", "campaignId", "messageId", "recipient", "type", "timestamp"}
INXMAIL_ERROR_FIELDS = {"error", "exception", "message", "path", "status", "timestamp"}
BOUNCES = "/api-service/custom/sap/v1/bounces"
COMPLAINTS = "/api-service/custom/sap/v1/complaints"
KEY_ID, KEY_SECRET = "inx", "0123456789abcdef-inxmail"
MAILKIT_ID, MAILKIT_MD5 = "12345", "0123456789abcdef0123456789abcdef"


class EspTest(http_test.DaemonCase):
    # --- Mailkit -------------------------------------------------------------------------------

    def mailkit(self, d, parameters=None, client_id="1", md5="x", function="mailkit.report.raw.bounces"):
        body = {"function": function, "id": client_id, "md5": md5}
        if parameters is not None:
            body["parameters"] = parameters
        status, _, raw = d.get("/json.fcgi", method="POST", data=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def expected_mailkit(self, d, where="1 = 1", params=()):
        rows = d.query(
            "SELECT u.id, u.campaign_id, u.diagnostic_type, u.diagnostic_text, u.status, u.email_id, u.send_id, "
            "u.recipient, u.send_message_id, u.list_id, u.remote_mta, coalesce(s.state, 'active'), s.blocked_at "
            "FROM undelivered_log u LEFT JOIN suppressions s ON s.address = lower(u.recipient) "
            f"WHERE u.kind = 'bounce' AND u.replaced_by IS NULL AND {where} ORDER BY u.id", params)
        out = []
        for (rid, campaign, dtype, dtext, status, email, send, rcpt, send_message, list_id, remote, state, blocked) in rows:
            out.append({"ID_MESSAGE": campaign, "TEXT_STATUS": f"{dtype}; {dtext}" if dtype and dtext else dtext,
                        "STATUS": status, "ID_EMAIL": email, "ID_SEND": send, "EMAIL": rcpt,
                        "ID_SEND_MESSGE": send_message, "ID_USER_LIST": list_id, "REMOTE_MTA": remote,
                        "ID_UNDELIVERED_LOG": str(rid),
                        "RECIPIENT_STATUS": "temporary" if state == "active" and blocked is None else "permanent"})
        return out

    def test_mailkit_json_pages_by_first_record_id_with_the_documents_fields(self):
        d = self.daemon()
        d.deliver(http_test.mixed(21))
        expected = self.expected_mailkit(d)
        self.assertGreaterEqual(len(expected), 9)
        self.assertIn("permanent", {r["RECIPIENT_STATUS"] for r in expected})
        self.assertIn("temporary", {r["RECIPIENT_STATUS"] for r in expected})
        got, first = [], 1
        while True:
            page = self.mailkit(d, {"ID_undelivered_log": str(first), "limit": "4"})
            self.assertIsInstance(page, list)
            for r in page:
                self.assertEqual(list(r), MAILKIT_FIELDS)  # the document's fields, in its order
                self.assertTrue(all(isinstance(v, str) for v in r.values()))
            got += page
            if len(page) < 4:
                break
            first = int(page[-1]["ID_UNDELIVERED_LOG"]) + 1
        self.assertEqual(got, expected)
        # The Diagnostic-Code as the DSN wrote it, the remote MTA too.
        self.assertIn("SMTP; 550 5.1.1 <nobody@dest.bounced.test>: Recipient address rejected: User unknown in virtual mailbox table",
                      {r["TEXT_STATUS"] for r in got})
        self.assertIn("dns; mx.dest.bounced.test", {r["REMOTE_MTA"] for r in got})
        # No parameters at all: everything from the first record, limit 25,000.
        self.assertEqual(self.mailkit(d), expected)
        self.assertEqual(self.mailkit(d, {"limit": "100000"}), expected)  # capped, not refused

    def test_mailkit_filters_by_campaign_and_send_given_as_strings_or_numbers(self):
        d = self.daemon()
        d.deliver([("bounces+42-7-a=example.net@bounce.test", "rfc3464-userunknown.eml"),
                   ("bounces+42-8-b=example.net@bounce.test", "qmail-userunknown.eml"),
                   ("bounces+43-9-c=example.net@bounce.test", "exim-text-userunknown.eml")])
        d.deliver(http_test.mixed(6))
        self.assertEqual(self.mailkit(d, {"ID_message": 42}), self.expected_mailkit(d, "u.campaign_id = '42'"))
        self.assertEqual(len(self.mailkit(d, {"ID_message": "42"})), 2)
        self.assertEqual(self.mailkit(d, {"ID_message": "42", "ID_send": 8}),
                         self.expected_mailkit(d, "u.campaign_id = '42' AND u.send_id = '8'"))
        self.assertEqual(self.mailkit(d, {"ID_message": "c1"}), self.expected_mailkit(d, "u.campaign_id = 'c1'"))
        # 0 and "" leave a filter out (a positional call has to put something in its place).
        self.assertEqual(self.mailkit(d, {"ID_message": 0, "ID_send": ""}), self.expected_mailkit(d))
        one = self.mailkit(d, {"ID_message": "42", "ID_send": "7"})
        self.assertEqual(len(one), 1)
        self.assertEqual((one[0]["ID_MESSAGE"], one[0]["ID_SEND"], one[0]["EMAIL"]), ("42", "7", "nobody@dest.bounced.test"))

    def test_mailkit_errors_and_credentials(self):
        d = self.daemon(f'[api]\nmailkit_clients = ["{MAILKIT_ID}:{MAILKIT_MD5}"]\n')
        d.deliver(http_test.mixed(3))
        self.assertEqual(self.mailkit(d, client_id=MAILKIT_ID, md5=MAILKIT_MD5), self.expected_mailkit(d))
        self.assertEqual(self.mailkit(d, client_id=int(MAILKIT_ID), md5=MAILKIT_MD5), self.expected_mailkit(d))
        # An md5 in upper case is the same digest.
        self.assertEqual(self.mailkit(d, client_id=MAILKIT_ID, md5=MAILKIT_MD5.upper()), self.expected_mailkit(d))
        for cid, md5 in [(MAILKIT_ID, MAILKIT_MD5 + "0"), ("1", MAILKIT_MD5), (MAILKIT_ID, ""), ("", "")]:
            self.assertEqual(self.mailkit(d, client_id=cid, md5=md5), {"error_status": 1, "error": "Unauthorized"})
        creds = {"client_id": MAILKIT_ID, "md5": MAILKIT_MD5}
        # A limit past 25,000, however far, is 25,000.
        self.assertEqual(self.mailkit(d, {"limit": "99999999999999999999"}, client_id=MAILKIT_ID, md5=MAILKIT_MD5),
                         self.expected_mailkit(d))
        for params, status in [({"limit": "0"}, 2), ({"limit": "ten"}, 2), ({"limit": "-3"}, 2), ({"ID_undelivered_log": "-1"}, 2),
                               ({"ID_undelivered_log": 1.5}, 2), ({"colour": "red"}, 2)]:
            with self.subTest(params=params):
                doc = self.mailkit(d, params, **creds)
                self.assertEqual(set(doc), {"error_status", "error"})
                self.assertEqual(doc["error_status"], status)
        self.assertEqual(self.mailkit(d, {}, function="mailkit.report.other", **creds)["error_status"], 3)
        status, _, raw = d.get("/json.fcgi", method="POST", data=b"{not json")
        self.assertEqual(json.loads(raw)["error_status"], 2)
        status, _, raw = d.get("/json.fcgi")
        self.assertEqual(status, 405)

    def test_mailkit_xmlrpc_with_pythons_client(self):
        d = self.daemon()
        d.deliver([("bounces+42-7-a=example.net@bounce.test", "rfc3464-userunknown.eml")])
        d.deliver(http_test.mixed(9))
        d.deliver([("bounces+007-0012-z=example.net@bounce.test", "qmail-userunknown.eml")])
        proxy = xmlrpc.client.ServerProxy(d.url("/rpc.fcgi"))
        self.addCleanup(proxy("close"))
        expected = self.expected_mailkit(d)
        # Positional: client_id, client_md5, ID_message, ID_send, ID_undelivered_log, limit.
        got = proxy.mailkit.report.raw.bounces(1, "md5", "", "", 1, 25000)
        self.assertEqual(len(got), len(expected))
        for g, e in zip(got, expected):
            self.assertEqual(list(g), MAILKIT_FIELDS)
            # Whole-number ids come as <i4>, other ids as strings, as Mailkit's document shows.
            self.assertEqual({k: str(v) for k, v in g.items()}, e)
            self.assertIsInstance(g["ID_UNDELIVERED_LOG"], int)
        self.assertEqual(got[0]["ID_MESSAGE"], 42)
        self.assertEqual(got[1]["ID_MESSAGE"], "c1")
        # Ids with leading zeros stay text, so that the client can give them back as a filter.
        self.assertEqual((got[-1]["ID_MESSAGE"], got[-1]["ID_SEND"]), ("007", "0012"))
        self.assertEqual(proxy.mailkit.report.raw.bounces(1, "md5", "007"), [got[-1]])
        page = proxy.mailkit.report.raw.bounces(1, "md5", 0, 0, got[2]["ID_UNDELIVERED_LOG"], 2)
        self.assertEqual([r["ID_UNDELIVERED_LOG"] for r in page], [r["ID_UNDELIVERED_LOG"] for r in got[2:4]])
        self.assertEqual(proxy.mailkit.report.raw.bounces(1, "md5", 42), [got[0]])
        with self.assertRaises(xmlrpc.client.Fault) as f:
            proxy.mailkit.report.other(1, "md5")
        self.assertEqual(f.exception.faultCode, 3)
        with self.assertRaises(xmlrpc.client.Fault) as f:
            proxy.mailkit.report.raw.bounces(1, "md5", "", "", 1, "many")
        self.assertEqual(f.exception.faultCode, 2)
        # Not XML-RPC at all: a fault, never a crash.
        for body in [b"<methodCall>", b"<?xml version='1.0'?><methodCall><methodName>x</methodName><params>"
                     b"<param><value><array><data/></array></value></param></params></methodCall>",
                     b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><methodCall/>", b"\x00" * 100,
                     b"<methodCall>" + b"<value>" * 100000]:
            status, _, raw = d.get("/rpc.fcgi", method="POST", data=body, headers={"Content-Type": "text/xml"})
            self.assertEqual(status, 200)
            self.assertIn(b"<fault>", raw)
        self.assertEqual(d.get("/healthz")[0], 200)

    def test_mailkit_without_clients_serves_loopback_only(self):
        addresses = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
                     if re.fullmatch(r"[\d.]+", a) and not a.startswith("127.")]
        if not addresses:
            self.skipTest("this machine has no non-loopback IPv4 address to call from")
        d = self.daemon(http="0.0.0.0:0")
        self.assertIn("no Mailkit client configured", d.log_text())
        d.deliver(http_test.mixed(2))
        self.assertEqual(len(self.mailkit(d)), len(self.expected_mailkit(d)))
        body = json.dumps({"function": "mailkit.report.raw.bounces", "id": "1", "md5": "x"}).encode()
        req = urllib.request.Request(f"http://{addresses[0]}:{d.http}/json.fcgi", data=body, method="POST")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 403)
        self.assertEqual(json.loads(e.exception.read()), {"error_status": 1, "error": f"Disallowed IP {addresses[0]}"})

    def test_mailkit_xmlrpc_unauthorized_is_a_string_as_mailkit_answers(self):
        d = self.daemon(f'[api]\nmailkit_clients = ["{MAILKIT_ID}:{MAILKIT_MD5}"]\n')
        d.deliver(http_test.mixed(2))
        proxy = xmlrpc.client.ServerProxy(d.url("/rpc.fcgi"))
        self.addCleanup(proxy("close"))
        self.assertEqual(proxy.mailkit.report.raw.bounces(int(MAILKIT_ID), "wrong"), "Unauthorized")
        self.assertEqual(len(proxy.mailkit.report.raw.bounces(int(MAILKIT_ID), MAILKIT_MD5)),
                         len(self.expected_mailkit(d)))

    # --- Inxmail -------------------------------------------------------------------------------

    def inxmail(self, d, path, auth=(KEY_ID, KEY_SECRET)):
        headers = {}
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        status, h, raw = d.get(path, headers=headers)
        return status, h, json.loads(raw)

    def inxmail_daemon(self):
        return self.daemon(f'[api]\nkeys = ["{KEY_ID}:{KEY_SECRET}"]\n'
                           '[correlation.headers]\nsource_system = ["X-Campaign-ID"]\n')

    def expected_inxmail(self, d, kind, where="1 = 1", params=()):
        rows = d.query("SELECT source_system, campaign_id, transaction_id, original_message_id, recipient, status, "
                       "diagnostic_text, bounce_type, feedback_type, received_at FROM undelivered_log "
                       f"WHERE kind = ? AND replaced_by IS NULL AND {where} ORDER BY id", (kind,) + tuple(params))
        out = []
        for (source, campaign, transaction, original, rcpt, status, text, btype, ftype, at) in rows:
            r = {"sourceSystem": source, "campaignId": campaign, "messageId": transaction or original, "recipient": rcpt}
            if kind == "bounce":
                r.update({"errorCode": status, "errorText": text, "type": {"hard": "Hard", "soft": "Soft"}.get(btype, "")})
            else:
                r["type"] = ftype
            r["timestamp"] = subprocess.run(["date", "-u", "-d", f"@{at}", "+%Y%m%d%H%M%S"], capture_output=True,
                                            text=True, check=True).stdout.strip()
            out.append(r)
        return out

    def test_inxmail_bounces_page_with_link_headers_to_the_end(self):
        d = self.inxmail_daemon()
        d.deliver(http_test.mixed(21))
        expected = self.expected_inxmail(d, "bounce")
        self.assertGreaterEqual(len(expected), 9)
        self.assertEqual({r["type"] for r in expected} - {"Hard", "Soft", ""}, set())
        # The page parameter spelled with an escape (pag%65) is the page parameter, and the links
        # replace it rather than add a second one.
        got, path, pages = [], BOUNCES + "?pageSize=4&pag%65=0", 0
        while True:
            status, headers, doc = self.inxmail(d, path)
            self.assertEqual(status, 200, doc)
            self.assertEqual(list(doc), ["page", "lastPage", "bounces"])
            self.assertEqual(doc["page"], pages)
            for r in doc["bounces"]:
                self.assertEqual(set(r), INXMAIL_BOUNCE_FIELDS)
                self.assertRegex(r["timestamp"], r"^\d{14}$")
            got += doc["bounces"]
            links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers.get("Link", "")))
            if pages > 0:
                self.assertIn("prev", links)
                self.assertIn(f"page={pages - 1}", links["prev"])
            if doc["lastPage"]:
                self.assertNotIn("next", links)
                break
            self.assertEqual(len(doc["bounces"]), 4)
            path = links["next"]
            self.assertIn("pageSize=4", path)
            self.assertNotIn("pag%65", path)
            self.assertEqual(path.count("page="), 1)
            pages += 1
        self.assertEqual(got, expected)
        self.assertGreaterEqual(pages, 2)
        # curl -u, as the document calls it; the default page size holds them all.
        out = subprocess.run(["curl", "-sS", "--fail", "-u", f"{KEY_ID}:{KEY_SECRET}", "-H", "Accept: application/json",
                              d.url(BOUNCES)], check=True, capture_output=True).stdout
        doc = json.loads(out)
        self.assertEqual((doc["page"], doc["lastPage"], doc["bounces"]), (0, True, expected))

    def test_inxmail_filters_and_complaints(self):
        d = self.inxmail_daemon()
        d.deliver(http_test.mixed(21))
        for query, where in [("campaignId=c2", "campaign_id = 'c2'"), ("sourceSystem=nowhere", "1 = 0"),
                             # Given empty, as a client filling a URL template sends them: not
                             # specified, so every bounce, not none.
                             ("sourceSystem=&campaignId=&startTimeUTC=&endTimeUTC=&page=&pageSize=", "1 = 1"),
                             # Past the maximum of 2000: 2000.
                             ("pageSize=2001", "1 = 1"), ("pageSize=99999999999999999999999", "1 = 1"),
                             ("startTimeUTC=20000101000000&endTimeUTC=29991231235959", "1 = 1"),
                             ("endTimeUTC=20000101000000", "1 = 0")]:
            with self.subTest(query=query):
                status, _, doc = self.inxmail(d, BOUNCES + "?" + query)
                self.assertEqual(status, 200, doc)
                self.assertEqual(doc["bounces"], self.expected_inxmail(d, "bounce", where))
        # The end second is taken in: a range of one second holds that second's records.
        at = d.query("SELECT received_at FROM undelivered_log WHERE kind = 'bounce' ORDER BY id LIMIT 1")[0][0]
        stamp = self.expected_inxmail(d, "bounce")[0]["timestamp"]
        status, _, doc = self.inxmail(d, f"{BOUNCES}?startTimeUTC={stamp}&endTimeUTC={stamp}")
        self.assertEqual(doc["bounces"], self.expected_inxmail(d, "bounce", "received_at = ?", (at,)))
        status, _, doc = self.inxmail(d, COMPLAINTS)
        self.assertEqual(status, 200, doc)
        self.assertEqual(list(doc), ["page", "lastPage", "complaints"])
        self.assertGreaterEqual(len(doc["complaints"]), 1)
        for r in doc["complaints"]:
            self.assertEqual(set(r), INXMAIL_COMPLAINT_FIELDS)
        self.assertEqual(doc["complaints"], self.expected_inxmail(d, "complaint"))
        self.assertEqual(doc["complaints"][0]["type"], "abuse")
        status, _, doc = self.inxmail(d, COMPLAINTS + "?campaignId=c1")
        self.assertEqual(doc["complaints"], self.expected_inxmail(d, "complaint", "campaign_id = 'c1'"))

    def test_inxmail_errors_have_the_documents_body(self):
        d = self.inxmail_daemon()
        d.deliver(http_test.mixed(3))
        for path, status, exception, words in [
            (BOUNCES + "?startTimeUTC=2015-10-21", 400, "InvalidDateParameter", "Start date"),
            (BOUNCES + "?endTimeUTC=20151321000000", 400, "InvalidDateParameter", "End date"),
            (BOUNCES + "?startTimeUTC=29991231000000", 400, "InvalidDateParameter", "is in future"),
            # Far past what nanosecond clocks hold (found by fuzz_http): still the date given.
            (BOUNCES + "?startTimeUTC=99991231235959", 400, "InvalidDateParameter",
             "Start date 9999-12-31T23:59:59.000+0000 is in future"),
            (BOUNCES + "?startTimeUTC=20200101000000&endTimeUTC=20190101000000", 400, "InvalidDateParameter", "before"),
            (BOUNCES + "?pageSize=0", 400, "InvalidParameter", "pageSize"),
            (BOUNCES + "?pageSize=-5", 400, "InvalidParameter", "pageSize"),
            (BOUNCES + "?page=-1", 400, "InvalidParameter", "page"),
            (BOUNCES + "?page=99999999999", 400, "InvalidParameter", "page must be a whole number from 0 to 1000000000"),
            (BOUNCES + "?begin=20151021000000", 400, "InvalidParameter", "unknown parameter begin"),
            (COMPLAINTS + "?sourceSystem=a&campaignId=b", 400, "InvalidParameter", "only one of"),
        ]:
            with self.subTest(path=path):
                got, headers, doc = self.inxmail(d, path)
                self.assertEqual(got, status, doc)
                self.assertEqual(set(doc), INXMAIL_ERROR_FIELDS)
                self.assertEqual((doc["status"], doc["error"]), (400, "Bad Request"))
                self.assertEqual(doc["exception"], "com.inxmail.xcom.api.rest." + exception)
                self.assertIn(words, doc["message"])
                # As the document shows it: below the service's root, /api-service.
                self.assertEqual(doc["path"], path.removeprefix("/api-service"))
                self.assertRegex(doc["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        for auth in [None, (KEY_ID, "wrong-secret-0123456"), ("other", KEY_SECRET)]:
            status, headers, doc = self.inxmail(d, BOUNCES, auth=auth)
            self.assertEqual(status, 401)
            self.assertEqual(set(doc), INXMAIL_ERROR_FIELDS)
            self.assertIn("Basic", headers["WWW-Authenticate"])
        status, _, doc = self.inxmail(d, "/api-service/custom/sap/v1/verifiedSenders")
        self.assertEqual((status, doc["status"]), (404, 404))

    # --- Oempro --------------------------------------------------------------------------------

    def oempro(self, d, fields, content_type="application/json"):
        data = json.dumps(fields).encode() if content_type == "application/json" else urllib.parse.urlencode(fields).encode()
        status, _, raw = d.get("/api.php", method="POST", data=data, headers={"Content-Type": content_type})
        return status, json.loads(raw)

    def test_oempro_registers_a_bounce_through_the_pipeline(self):
        d = self.daemon()
        message = serve_test.sample("rfc3464-userunknown.eml").decode()
        status, doc = self.oempro(d, {"Command": "internal.bounce.register", "EmailMessage": message,
                                      "MailFrom": "bounce@example.com", "PowerMTABounceCategory": "bad-mailbox"})
        self.assertEqual((status, doc), (200, {"Success": True, "ErrorCode": 0, "ErrorText": ""}))
        rows = d.query("SELECT m.via, m.envelope_sender, m.pmta_category, u.recipient, u.status, u.bounce_type, "
                       "u.category, u.pmta_category FROM messages m JOIN undelivered_log u ON u.message_id = m.id")
        self.assertEqual(rows, [("http", "bounce@example.com", "bad-mailbox", "nobody@dest.bounced.test", "5.1.1", "hard",
                                 "bad-mailbox", "bad-mailbox")])
        # The same again is the same delivery: stored once, still a success.
        status, doc = self.oempro(d, {"Command": "internal.bounce.register", "EmailMessage": message,
                                      "MailFrom": "bounce@example.com", "PowerMTABounceCategory": "bad-mailbox"})
        self.assertEqual((status, doc["Success"]), (200, True))
        self.assertEqual(d.query("SELECT count(*) FROM messages"), [(1,)])
        # A form, as curl posts one; MailFrom defaults to localhost, the category is kept as given.
        other = serve_test.sample("qmail-userunknown.eml").decode()
        out = subprocess.run(["curl", "-sS", "--fail", d.url("/api.php"), "--data-urlencode", "Command=internal.bounce.register",
                              "--data-urlencode", f"EmailMessage={other}", "--data-urlencode",
                              "PowerMTABounceCategory=Some Category"], check=True, capture_output=True).stdout
        self.assertEqual(json.loads(out), {"Success": True, "ErrorCode": 0, "ErrorText": ""})
        self.assertEqual(d.query("SELECT envelope_sender, pmta_category FROM messages ORDER BY id")[1],
                         ("localhost", "Some Category"))
        # The export shows the category beside bounced's own.
        status, page = d.get_json("/v1/bounces")
        self.assertEqual([r["pmta_category"] for r in page["records"]], ["bad-mailbox", "Some Category"])
        self.assertEqual(page["records"][0]["category"], "bad-mailbox")
        # multipart/form-data, as curl -F and PHP's curl with an array send it: the message as a
        # file part, stored byte for byte; ResponseFormat=JSON, as Oempro's clients send it.
        path = os.path.join(d.dir, "upload.eml")
        upload = serve_test.sample("exim-text-userunknown.eml")
        with open(path, "wb") as f:
            f.write(upload)
        out = subprocess.run(["curl", "-sS", "--fail", d.url("/api.php"), "-F", "Command=internal.bounce.register",
                              "-F", f"EmailMessage=@{path}", "-F", "MailFrom=mp@example.com", "-F", "ResponseFormat=JSON"],
                             check=True, capture_output=True).stdout
        self.assertEqual(json.loads(out), {"Success": True, "ErrorCode": 0, "ErrorText": ""})
        self.assertEqual(d.query("SELECT envelope_sender, raw FROM messages ORDER BY id DESC LIMIT 1"),
                         [("mp@example.com", upload)])
        # A message that decodes to nothing is stored all the same.
        status, doc = self.oempro(d, {"Command": "internal.bounce.register", "EmailMessage": "Subject: hi\r\n\r\nhello\r\n"},
                                  "application/x-www-form-urlencoded")
        self.assertEqual(doc["Success"], True)
        self.assertEqual(d.query("SELECT outcome FROM messages ORDER BY id DESC LIMIT 1"), [("nothing",)])

    def test_oempro_errors_and_networks(self):
        d = self.daemon()
        for fields, status, code in [({"Command": "internal.bounce.register"}, 400, 1),
                                     ({"Command": "internal.bounce.register", "EmailMessage": ""}, 400, 1),
                                     ({"EmailMessage": "x"}, 400, 2),
                                     # Another command's parameters: the command is what is wrong.
                                     ({"Command": "internal.s2spostback.register", "OCRID": "x"}, 400, 2),
                                     ({"Command": "internal.bounce.register", "EmailMessage": "x", "ResponseFormat": "XML"},
                                      400, 3),
                                     ({"Command": "internal.s2spostback.register", "EmailMessage": "x"}, 400, 2),
                                     ({"Command": "internal.bounce.register", "EmailMessage": "x", "Colour": "red"}, 400, 3)]:
            with self.subTest(fields=fields):
                got, doc = self.oempro(d, fields)
                self.assertEqual(got, status, doc)
                self.assertEqual(list(doc), ["Success", "ErrorCode", "ErrorText"])
                self.assertEqual((doc["Success"], doc["ErrorCode"]), (False, code))
                self.assertTrue(doc["ErrorText"])
        status, _, raw = d.get("/api.php", method="POST", data=b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(raw)["ErrorCode"]), (400, 3))
        self.assertEqual(d.query("SELECT count(*) FROM messages"), [(0,)])
        # Only the configured networks may call it.
        d2 = self.daemon('[api]\noempro_networks = ["192.0.2.0/24"]\n')
        status, doc = self.oempro(d2, {"Command": "internal.bounce.register", "EmailMessage": "x"})
        self.assertEqual((status, doc["Success"], doc["ErrorCode"]), (403, False, 4))
        d3 = self.daemon('[api]\noempro_networks = ["127.0.0.1"]\n')
        status, doc = self.oempro(d3, {"Command": "internal.bounce.register", "EmailMessage": "Subject: x\r\n\r\ny\r\n"})
        self.assertEqual((status, doc["Success"]), (200, True))

    def test_oempro_takes_messages_up_to_the_size_limit_however_escaped(self):
        d = self.daemon("[limits]\nmessage_size_bytes = 100000\n")
        # 90,000 bytes that a form escapes to about 2.7 times as many: more than the size limit and
        # 64 KiB of room, yet the message is under the limit: stored.
        body = "".join(chr(0x21 + (i * 7) % 15) for i in range(90000))  # mostly escaped: !"#$%&'()*+,/
        message = "Subject: big\r\n\r\n" + body + "\r\n"
        self.assertLessEqual(len(message), 100000)
        self.assertGreater(len(urllib.parse.urlencode({"EmailMessage": message})), 100000 + 65536)
        status, doc = self.oempro(d, {"Command": "internal.bounce.register", "EmailMessage": message},
                                  "application/x-www-form-urlencoded")
        self.assertEqual((status, doc["Success"]), (200, True), doc)
        self.assertEqual(d.query("SELECT size_bytes FROM messages"), [(len(message),)])
        # Past the limit once decoded: refused as SMTP refuses it, nothing stored.
        status, doc = self.oempro(d, {"Command": "internal.bounce.register", "EmailMessage": message + "x" * 10001})
        self.assertEqual((status, doc["Success"], doc["ErrorCode"]), (413, False, 1))
        self.assertIn("over the message size limit of 100000", doc["ErrorText"])
        self.assertEqual(d.query("SELECT count(*) FROM messages"), [(1,)])


    # --- Refusals before a route ----------------------------------------------------------------

    def test_refusals_before_a_route_have_the_routes_shape(self):
        # A body over the server's limit, a header over its limit, a target that is not a URL:
        # answered before any route runs, yet in the error shape of the route asked for, so that
        # the ESP's client can read why.
        d = self.daemon("[limits]\nmessage_size_bytes = 1000\n")
        big = b"x" * 200000
        status, _, raw = d.get("/api.php", method="POST", data=big, headers={"Content-Type": "application/json"})
        doc = json.loads(raw)
        self.assertEqual((status, list(doc), doc["Success"], doc["ErrorCode"]), (413, ["Success", "ErrorCode", "ErrorText"], False, 1))
        self.assertIn("over the limit", doc["ErrorText"])
        status, _, raw = d.get("/json.fcgi", method="POST", data=big)
        self.assertEqual((status, set(json.loads(raw)), json.loads(raw)["error_status"]), (413, {"error_status", "error"}, 2))
        status, _, raw = d.get("/rpc.fcgi", method="POST", data=big, headers={"Content-Type": "text/xml"})
        self.assertEqual(status, 413)
        self.assertIn(b"<fault>", raw)
        status, _, raw = d.get(BOUNCES + "?%")
        doc = json.loads(raw)
        self.assertEqual((status, set(doc), doc["exception"]), (400, INXMAIL_ERROR_FIELDS, "com.inxmail.xcom.api.rest.InvalidParameter"))
        status, _, raw = d.get(BOUNCES, method="POST", data=big)
        doc = json.loads(raw)
        self.assertEqual((status, set(doc), doc["status"], doc["path"]), (413, INXMAIL_ERROR_FIELDS, 413, "/custom/sap/v1/bounces"))
        # A query of 100 KB: answered 431 in the route's shape, not a connection closed without a
        # word.
        status, _, raw = d.get(BOUNCES + "?campaignId=" + "c" * 100000)
        doc = json.loads(raw)
        self.assertEqual((status, set(doc), doc["status"]), (431, INXMAIL_ERROR_FIELDS, 431))
        self.assertIn("over the limit", doc["message"])
        status, _, raw = d.get("/v1/bounces?campaign=" + "c" * 100000)
        self.assertEqual((status, json.loads(raw)["errors"][0]["code"]), (431, 1015))
        self.assertEqual(d.get("/healthz")[0], 200)


class UnixSocketTest(unittest.TestCase):
    def test_http_on_a_unix_socket(self):
        d = serve_test.Daemon(http_test.VERP)
        d.args = ["--http", f"unix:{d.dir}/http.sock"]
        self.addCleanup(d.cleanup)
        d.start()
        sock = os.path.join(d.dir, "http.sock")
        deadline = time.monotonic() + 20
        while "listening: http unix:" not in d.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(oct(os.stat(sock).st_mode & 0o777), "0o660")
        http_test.HttpDaemon.deliver(d, http_test.mixed(3))

        def curl(*args):
            return subprocess.run(["curl", "-sS", "--fail", "--unix-socket", sock] + list(args),
                                  check=True, capture_output=True).stdout
        doc = json.loads(curl("http://bounced/v1/bounces"))
        self.assertEqual([r["id"] for r in doc["records"]],
                         [r[0] for r in d.query("SELECT id FROM undelivered_log WHERE replaced_by IS NULL ORDER BY id")])
        # A local client: Oempro's route takes it with the default (loopback) networks.
        out = curl("http://bounced/api.php", "--data-urlencode", "Command=internal.bounce.register",
                   "--data-urlencode", "EmailMessage=Subject: x\r\n\r\ny\r\n")
        self.assertEqual(json.loads(out)["Success"], True)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(sock))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: esp_test.py BOUNCED_BINARY [unittest args]")
    serve_test.BOUNCED = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
