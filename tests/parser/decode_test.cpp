// Decoder behaviour on messages written here from the RFCs (the shared corpus has its own test).
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"
#include "parser/text.hpp"

using namespace bounced::parser;

namespace {

const std::string dsn =
    "From: MAILER-DAEMON@mx.example.org\n"
    "To: sender@example.com\n"
    "Subject: Delivery Status Notification (Failure)\n"
    "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "Delivery failed.\n"
    "--b\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "Original-Envelope-Id: env-123\n"
    "\n"
    "Final-Recipient: rfc822; one@example.net\n"
    "Action: failed\n"
    "Status: 5.0.0\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <one@example.net>... User unknown\n"
    "\n"
    "Final-Recipient: rfc822; two@example.net\n"
    "Action: delayed\n"
    "Status: 4.4.7\n"
    "Remote-MTA: dns; mx2.example.net\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <orig-1@example.com>\n"
    "From: Sender <sender@example.com>\n"
    "To: one@example.net\n"
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n"
    "X-Campaign-ID: c-9\n"
    "\n"
    "body\n"
    "--b--\n";

std::string with_line_ends(const std::string& text, const char* eol) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += eol;
    else out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("an RFC 3464 report gives one record per recipient group", "[decode]") {
  const report r = decode(dsn);
  REQUIRE(r.kind == message_kind::dsn);
  CHECK(r.decoded_by == "RFC3464");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "one@example.net");
  // The diagnostic's 5.1.1 is more specific than the Status: 5.0.0 (MAIL-FACTS, Exim).
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].diagnostic_type == "SMTP");
  CHECK(r.recipients[1].action == "delayed");
  CHECK(r.recipients[1].rhost == "mx2.example.net");
  CHECK(r.original_envelope_id == "env-123");
  CHECK(r.original.message_id == "orig-1@example.com");
  CHECK(r.original.from == "sender@example.com");
  CHECK(r.original.subject == "Grüße");
  REQUIRE(r.original.x_headers.size() == 1);
  CHECK(r.original.x_headers[0].value == "c-9");
  CHECK(r.timestamp == 1770026400);
}

TEST_CASE("CRLF and CR line ends decode like LF", "[decode]") {
  for (const char* eol : {"\r\n", "\r"}) {
    const report r = decode(with_line_ends(dsn, eol));
    REQUIRE(r.recipients.size() == 2);
    CHECK(r.recipients[0].status == "5.1.1");
    CHECK(r.original.message_id == "orig-1@example.com");
  }
}

TEST_CASE("base64 and quoted-printable report parts are decoded", "[decode]") {
  const std::string msg =
      "From: MAILER-DAEMON@mx.example.org\n"
      "Subject: Undeliverable\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: message/delivery-status\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      // "Final-Recipient: rfc822; b64@example.net\nAction: failed\nStatus: 5.2.2\n"
      "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGI2NEBleGFtcGxlLm5ldApBY3Rpb246IGZhaWxlZApTdGF0dXM6IDUuMi4yCg==\n"
      "--b--\n";
  const report r = decode(msg);
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "b64@example.net");
  CHECK(r.recipients[0].status == "5.2.2");
}

TEST_CASE("quoted-printable text decodes soft breaks and escapes", "[decode]") {
  const std::string msg =
      "From: MAILER-DAEMON@mx.example.org\n"
      "Subject: Undeliverable\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: message/delivery-status\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Final-Recipient: rfc822; qp@example.net\n"
      "Action: failed\n"
      "Status: 5.1.1\n"
      "Diagnostic-Code: smtp; 550 5.1.1 the mail=\n"
      "box is unknown =3D gone, caf=C3=A9 =ZZ\n"
      "--b--\n";
  const report r = decode(msg);
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic == "550 5.1.1 the mailbox is unknown = gone, café =ZZ");
}

TEST_CASE("Auto-Submitted alone does not make a bounce a vacation reply", "[decode]") {
  std::string exim_dsn = dsn;
  exim_dsn.insert(0, "Auto-Submitted: auto-replied\n");
  const report r = decode(exim_dsn);
  CHECK(r.kind == message_kind::dsn);
  CHECK(r.recipients[0].reason_hint.empty());
}

TEST_CASE("a message that is no report says why", "[decode]") {
  const report r = decode("From: a@example.com\nTo: b@example.com\nSubject: hello\n\nhi\n");
  CHECK(r.kind == message_kind::none);
  CHECK(r.recipients.empty());
  CHECK_FALSE(r.why_not.empty());
}

TEST_CASE("hostile input decodes without crashing", "[decode]") {
  CHECK(decode("").kind == message_kind::none);
  CHECK(decode("\r\r\r\n\n").kind == message_kind::none);
  CHECK(decode(std::string(1000, '<')).kind == message_kind::none);
  std::string nested = "Content-Type: multipart/mixed; boundary=\"a\"\n\n";
  for (int i = 0; i < 50; ++i) nested += "--a\nContent-Type: multipart/mixed; boundary=\"a\"\n\n";
  CHECK_NOTHROW(decode(nested));
  // Found by the fuzzer: a notice that ends at its "copy of the message" marker.
  CHECK(decode("From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n\nHi.\n"
               "--- Below this line is a copy of the message.\n").kind == message_kind::none);
}

TEST_CASE("a 10 MB bounce decodes (time linear in size is measured by the benchmark)", "[decode]") {
  std::string big = dsn;
  const std::string filler(998, 'x');
  std::string body;
  while (body.size() < 10 * 1024 * 1024) body += filler + "\n";
  big.insert(big.find("body\n"), body);
  const report r = decode(big);
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].status == "5.1.1");
}

TEST_CASE("a status code the remote paired with its reply code wins over the Status field", "[parser]") {
  std::string m = dsn;
  const std::string from = "Status: 5.0.0\nDiagnostic-Code: smtp; 550 5.1.1 <one@example.net>... User unknown\n";
  const std::size_t at = m.find(from);
  REQUIRE(at != std::string::npos);
  m.replace(at, from.size(), "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.7.1 Client address listed at bl.example\n");
  const report r = decode(m);
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].status == "5.7.1");
  // A code of another class than the reply's is no pair: the Status field stands.
  std::string n = dsn;
  n.replace(n.find(from), from.size(), "Status: 4.4.7\nDiagnostic-Code: smtp; 554 4.4.7 Message expired\n");
  CHECK(decode(n).recipients[0].status == "4.4.7");
}
