// A multipart/report whose parts a relay stripped: the boundary never occurs, the text is all
// there is, and the DSN fields in it must still be read.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("A multipart without its boundaries is read as text") {
  const report r = decode(
      "From: MAILER-DAEMON@example.org\n"
      "To: sender@example.com\n"
      "Subject: Delivery Notification: Delivery has failed\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; boundary=\"never-used\"; report-type=delivery-status\n"
      "\n"
      "Your message cannot be delivered to the following recipients:\n"
      "\n"
      "Reporting-MTA: dns; mx.example.org\n"
      "\n"
      "Action: failed\n"
      "Status: 5.0.0\n"
      "Final-recipient: rfc822;someone@example.net\n"
      "Diagnostic-code: smtp; 550 5.7.1 rejected\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].status == "5.7.1");
}

TEST_CASE("An mbox From_ line before the header does not hide the header") {
  const report r = decode(
      "From MAILER-DAEMON  Mon Feb  2 10:00:00 2026\r"
      "From: MAILER-DAEMON@example.org\r"
      "To: sender@example.com\r"
      "Subject: Delivery Status Notification (Failure)\r"
      "MIME-Version: 1.0\r"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r"
      "\r"
      "--b\r"
      "Content-Type: message/delivery-status\r"
      "\r"
      "Final-Recipient: rfc822; someone@example.net\r"
      "Action: failed\r"
      "Status: 5.1.1\r"
      "--b--\r");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.subject == "Delivery Status Notification (Failure)");
}
