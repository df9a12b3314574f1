// Amazon SES receipt-rule bounces. Message written here, in the layout SES sends.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("SES receipt rule: the bounce template is the owner's verdict", "[mta][receivingses]") {
  const report r = decode(
      "From: postmaster@example.net\n"
      "To: sender@example.com\n"
      "Subject: Delivery Status Notification (Failure)\n"
      "X-SES-Outgoing: 2015.10.01-192.0.2.7\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n"
      "\n"
      "--b1\n"
      "Content-Type: text/plain\n"
      "\n"
      "This message could not be delivered.\n"
      "--b1\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; inbound-smtp.example.net\n"
      "\n"
      "Action: failed\n"
      "Final-Recipient: rfc822; gone@example.net\n"
      "Diagnostic-Code: smtp; 550 5.1.1 Mailbox does not exist\n"
      "Status: 5.1.1\n"
      "\n"
      "--b1\n"
      "Content-Type: text/rfc822-headers\n"
      "\n"
      "From: sender@example.com\n"
      "To: gone@example.net\n"
      "Subject: hello\n"
      "\n"
      "--b1--\n");
  CHECK(r.decoded_by == "ReceivingSES");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].action == "failed");
  CHECK(r.recipients[0].reason_hint == "filtered");
}
