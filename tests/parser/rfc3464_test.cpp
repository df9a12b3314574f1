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

TEST_CASE("PowerMTA's bounce category is the recipient's reason hint", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; pmta.example.org\n\n"
                                      "Final-Recipient: rfc822; gone@example.net\n"
                                      "Action: failed\nStatus: 5.2.1\n"
                                      "Diagnostic-Code: smtp;550 5.2.1 <gone@example.net>... User Unknown\n"
                                      "X-PowerMTA-BounceCategory: bad-mailbox\n\n"
                                      "Final-Recipient: rfc822; other@example.net\n"
                                      "Action: failed\nStatus: 5.0.0\n"
                                      "X-PowerMTA-BounceCategory: other\n"));
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].reason_hint == "userunknown");
  CHECK(r.recipients[1].reason_hint.empty());
}

TEST_CASE("fields written before Final-Recipient belong to its group", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; mx.example.org\n\n"
                                      "Action: failed\n"
                                      "Final-Recipient: rfc822; one@example.net\n"
                                      "Diagnostic-Code: smtp; 450 4.0.0 Temporary failure\n"
                                      "Status: 4.0.0\n\n"
                                      "Action: delayed\n"
                                      "Status: 4.4.1\n"
                                      "Final-Recipient: rfc822; two@example.net\n"));
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "one@example.net");
  CHECK(r.recipients[0].action == "failed");
  CHECK(r.recipients[0].status == "4.0.0");
  CHECK(r.recipients[1].recipient == "two@example.net");
  CHECK(r.recipients[1].action == "delayed");
  CHECK(r.recipients[1].status == "4.4.1");
}

TEST_CASE("the reply code is the one paired with a code of the Status's class", "[rfc3464]") {
  const report r = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; out.example.org\n\n"
                                      "Final-Recipient: rfc822; slow@example.net\n"
                                      "Action: failed\nStatus: 4.4.7\n"
                                      "Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver in 840 "
                                      "minutes.<421 4.4.2 Connection timed out>\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].reply_code == "421");
}

TEST_CASE("a deferred message Sendmail gave up on: its account of why, about the recipient", "[rfc3464]") {
  auto notice = [](std::string_view first_line) {
    return std::string(
               "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
               "To: <sender@example.com>\n"
               "Subject: Returned mail: see transcript for details\n"
               "MIME-Version: 1.0\n"
               "Content-Type: multipart/report; report-type=delivery-status; boundary=\"never.used\"\n"
               "\n"
               "   ----- Transcript of session follows -----\n") +
           std::string(first_line) +
           "\n"
           "Message could not be delivered for 5 days\n"
           "Message will be deleted from queue\n"
           "\n"
           "Reporting-MTA: dns; mx.example.net\n"
           "\n"
           "Final-Recipient: RFC822; slow@example.org\n"
           "Action: failed\n"
           "Status: 4.4.7\n";
  };
  const report own = decode(notice("<slow@example.org>... Deferred: Connection refused by mx.example.org."));
  REQUIRE(own.recipients.size() == 1);
  CHECK(own.recipients[0].diagnostic ==
        "Deferred: Connection refused by mx.example.org. Message could not be delivered for 5 days Message will be "
        "deleted from queue");
  const report other = decode(notice("slow... Deferred: Connection refused by [127.0.0.1]"));
  REQUIRE(other.recipients.size() == 1);
  CHECK(other.recipients[0].diagnostic == "Message could not be delivered for 5 days Message will be deleted from queue");
}

TEST_CASE("a local program's exit status yields to Sendmail's verdict in the transcript", "[rfc3464]") {
  const report r = decode(
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
      "To: <sender@example.com>\n"
      "Subject: Returned mail: see transcript for details\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"never.used\"\n"
      "\n"
      "   ----- Transcript of session follows -----\n"
      "script failed: cannot connect to the database\n"
      "554 5.3.0 unknown mailer error 255\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n"
      "\n"
      "Final-Recipient: RFC822; robot@example.net\n"
      "X-Actual-Recipient: X-Unix; |/usr/local/bin/robot\n"
      "Action: failed\n"
      "Status: 5.0.0\n"
      "Diagnostic-Code: X-Unix; 255\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic == "554 5.3.0 unknown mailer error 255");
  CHECK(r.recipients[0].status == "5.3.0");
  CHECK(r.recipients[0].reply_code == "554");
}

TEST_CASE("a deferred message's transcript quoting an SMTP exchange gives the last answer", "[rfc3464]") {
  const report r = decode(
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
      "To: <sender@example.com>\n"
      "Subject: Warning: could not send message for past 4 hours\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"never.used\"\n"
      "\n"
      "   ----- Transcript of session follows -----\n"
      "... while talking to mx.example.org.:\n"
      "<<< 421 4.7.0 Try again later\n"
      "<slow@example.org>... Deferred: 421 4.7.0 Try again later\n"
      "Warning: message still undelivered after 4 hours\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n"
      "\n"
      "Final-Recipient: RFC822; slow@example.org\n"
      "Action: delayed\n"
      "Status: 4.7.0\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic == "421 4.7.0 Try again later");
  CHECK(r.recipients[0].reply_code == "421");
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

TEST_CASE("a recipient named by the bouncing system's internal address is the one the original was sent to", "[rfc3464]") {
  // An internal domain: the Original-Recipient the report gives.
  const report a = decode(report_with("b1", "b1",
                                      "Reporting-MTA: dns; exchange.corp.example\n\n"
                                      "Original-Recipient: rfc822;Jane.Doe@example.net\n"
                                      "Final-Recipient: rfc822;jdoe@exchange.example.local\n"
                                      "Action: failed\nStatus: 5.1.1\n"));
  REQUIRE(a.recipients.size() == 1);
  CHECK(a.recipients[0].recipient == "Jane.Doe@example.net");
  // An X.500 name and no Original-Recipient: the original's sole addressee.
  const std::string with_original =
      "From: postmaster@example.net\nTo: sender@example.com\nSubject: Undeliverable\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nDelivery has failed.\n\n"
      "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
      "Final-Recipient: rfc822;IMCEAEX-_O=EXAMPLE_OU=FIRST+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=JDOE@example.net\n"
      "Action: failed\nStatus: 5.1.1\n\n"
      "--b\nContent-Type: text/rfc822-headers\n\nFrom: sender@example.com\nTo: Jane Doe <jane@example.net>\nSubject: hi\n\n--b--\n";
  const report b = decode(with_original);
  REQUIRE(b.recipients.size() == 1);
  CHECK(b.recipients[0].recipient == "jane@example.net");
}
