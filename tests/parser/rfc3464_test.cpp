// RFC 3464 reports that bend the format: fields kept as written, local recipients without a
// dotted domain, a boundary that matches nothing, a report without a recipient group.
// Messages written here; addresses in example.com / example.net / *.test.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string report_with(const std::string& boundary_declared, const std::string& boundary_used,
                        const std::string& fields) {
  return "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
         "To: sender@example.com\n"
         "Subject: Undelivered Mail Returned to Sender\n"
         "MIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=delivery-status;\n"
         "\tboundary=\"" + boundary_declared + "\"\n"
         "\n"
         "--" + boundary_used + "\n"
         "Content-Type: text/plain\n"
         "\n"
         "Your message could not be delivered.\n"
         "\n"
         "--" + boundary_used + "\n"
         "Content-Type: message/delivery-status\n"
         "\n" + fields +
         "\n"
         "--" + boundary_used + "\n"
         "Content-Type: message/rfc822\n"
         "\n"
         "From: sender@example.com\n"
         "To: rcpt@example.net\n"
         "Subject: hello\n"
         "\n"
         "hello\n"
         "--" + boundary_used + "--\n";
}

}  // namespace

TEST_CASE("encoded words in DSN fields stay as written", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; mx.example.org\n\n"
                                      "Final-Recipient: rfc822; =?utf-8?B?w6k=?=@example.net\n"
                                      "Action: failed\nStatus: 5.1.1\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "=?utf-8?B?w6k=?=@example.net");
}

TEST_CASE("a local recipient without a dotted domain is the final recipient", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; mailhub\n\n"
                                      "Final-Recipient: rfc822; user@mailhub\n"
                                      "Original-Recipient: rfc822;alias@example.net\n"
                                      "Action: failed\nStatus: 5.2.0\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "user@mailhub");
}

TEST_CASE("a source-routed final recipient yields to the original recipient", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; mx.example.org\n\n"
                                      "Original-Recipient: rfc822;user@example.net\n"
                                      "Final-Recipient: rfc822;@relay.example.net:user@store\n"
                                      "Action: failed\nStatus: 5.2.0\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "user@example.net");
}

TEST_CASE("a boundary that matches nothing still yields the report", "[rfc3464]") {
  const report r = decode(report_with("declared.1", "used.2",
                                      "Reporting-MTA: dns; mx.example.org\n\n"
                                      "Final-Recipient: rfc822; rcpt@example.net\n"
                                      "Action: failed\nStatus: 5.1.1\n"
                                      "Diagnostic-Code: smtp; 550 5.1.1 no such user\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "rcpt@example.net");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
}

TEST_CASE("a report without a recipient group names the original's To", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1", "Reporting-MTA: dns; mx.example.org\n"
                                                  "Arrival-Date: Mon, 2 Feb 2026 10:00:00 +0000\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "rcpt@example.net");
  CHECK(r.recipients[0].action == "failed");
}

TEST_CASE("a bounce returned inside another notice is read from its own report", "[rfc3464]") {
  const report r = decode(
      "From: \"Mail Delivery Subsystem\" <MAILER-DAEMON@gw.example.org>\n"
      "To: sender@example.com\n"
      "Subject: Returned mail: User unknown\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\n"
      "\n"
      "--outer\n"
      "Content-Type: text/plain\n"
      "\n"
      "----- The following addresses had permanent delivery errors -----\n"
      "\n"
      "--outer\n"
      "Content-Type: message/rfc822\n"
      "\n" +
      report_with("inner", "inner",
                  "Reporting-MTA: dns; mx.example.org\n\n"
                  "Final-Recipient: rfc822; gone@example.net\n"
                  "Action: failed\nStatus: 5.1.1\n"
                  "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n") +
      "--outer--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].status == "5.1.1");
}

TEST_CASE("without a Diagnostic-Code, Sendmail's transcript gives the diagnostic", "[rfc3464]") {
  const report r = decode(
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
      "To: <sender@example.com>\n"
      "Subject: Returned mail: Service unavailable\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"never.used\"\n"
      "\n"
      "   ----- The following addresses had permanent fatal errors -----\n"
      "<gone@example.net>\n"
      "\n"
      "   ----- Transcript of session follows -----\n"
      "mail.local: unknown user: gone\n"
      "554 <gone@example.net>... Service unavailable\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n"
      "\n"
      "Final-Recipient: RFC822; <gone@example.net>\n"
      "Action: failed\n"
      "Status: 5.5.0\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].diagnostic == "mail.local: unknown user: gone");
}

// A DSN whose human-readable part quotes a local delivery agent (Dovecot's rejection sentence,
// mail.local's line): the agent's words are the diagnostic and state the reason.
TEST_CASE("a local delivery agent's words in a plain DSN state the reason", "[rfc3464]") {
  const std::string head =
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n"
      "To: sender@example.com\n"
      "Subject: Returned mail: see transcript for details\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n"
      "\n--b1\n\n";
  const std::string tail =
      "\n--b1\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; rcpt@example.net\n"
      "Action: failed\nStatus: 5.1.1\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <rcpt@example.net>... User unknown\n"
      "\n--b1--\n";
  const report dovecot = decode(head + "Your message to <rcpt@example.net> was automatically rejected:\n"
                                       "Quota exceeded (mailbox for user is full)\n" + tail);
  REQUIRE(dovecot.recipients.size() == 1);
  CHECK(dovecot.recipients[0].reason_hint == "mailboxfull");
  CHECK(dovecot.recipients[0].diagnostic == "Quota exceeded (mailbox for user is full)");
  CHECK(dovecot.recipients[0].reply_code.empty());
  const report local = decode(head + "   ----- Transcript of session follows -----\n"
                                     "mail.local: unknown user: rcpt\n" + tail);
  REQUIRE(local.recipients.size() == 1);
  CHECK(local.recipients[0].reason_hint == "userunknown");
  const report plain = decode(head + "The message could not be delivered.\n" + tail);
  REQUIRE(plain.recipients.size() == 1);
  CHECK(plain.recipients[0].reason_hint.empty());
  CHECK(plain.recipients[0].reply_code == "550");
}
