// McAfee Email and Web Security Appliance notices. Message written here, in the appliance's layout.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("McAfee: Original-Recipient groups and the summary's unknown user", "[mta][mcafee]") {
  const report r = decode(
      "From: <MAILER-DAEMON@gw.example.net>\n"
      "To: sender@example.com\n"
      "Subject: Delivery Status\n"
      "X-NAI-Header: Modified by McAfee Email and Web Security Appliance (3300)\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\n"
      "\n"
      "--b1\n"
      "Content-Type: text/plain; name=\"deliveryproblems.txt\"\n"
      "\n"
      "    --- The following addresses had delivery problems ---\n"
      "\n"
      "<gone@example.net>   (Unknown user gone@example.net)\n"
      "\n"
      "--b1\n"
      "Content-Type: message/delivery-status; name=\"deliverystatus.txt\"\n"
      "\n"
      "Original-Recipient: <gone@example.net>\n"
      "Action: failed\n"
      "Diagnostic-Code: smtp; 550 Unknown user gone@example.net\n"
      "Remote-MTA: 192.0.2.1\n"
      "\n"
      "--b1--\n");
  CHECK(r.decoded_by == "McAfee");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
