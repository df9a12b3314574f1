// Office 365 and Outlook.com notices, written after their layouts (headers and DSN only).
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string with_dsn(const std::string& headers, const std::string& fields) {
  return headers + "To: sender@example.com\nDate: Mon, 2 Feb 2026 10:00:00 +0000\nMIME-Version: 1.0\n"
                   "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
                   "--b1\nContent-Type: text/plain\n\nDelivery has failed to these recipients or groups:\n\n"
                   "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
         fields + "\n--b1--\n";
}

}  // namespace

TEST_CASE("Office 365: a relayed refusal of the recipient answers RCPT, Microsoft's codes name reasons") {
  const std::string headers =
      "From: postmaster@example.onmicrosoft.com\nSubject: Undeliverable: hi\nX-MS-Exchange-Message-Is-Ndr:\n"
      "X-MS-Exchange-Transport-CrossTenantHeadersStamped: XX0PR01MB0001\n";
  const report r = decode(with_dsn(headers,
                                   "Final-Recipient: rfc822; someone@example.net\nAction: failed\nStatus: 5.1.351\n"
                                   "Diagnostic-Code: smtp; 550 5.1.351 Remote server returned unknown recipient or "
                                   "mailbox unavailable -> 550 Unknown user someone@example.net\n"));
  CHECK(r.decoded_by == "Office365");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].command == "RCPT");

  const report e = decode(with_dsn(headers, "Final-Recipient: rfc822; someone@example.net\nAction: failed\nStatus: 5.4.316\n"
                                            "Diagnostic-Code: smtp; 550 5.4.316 Message expired, connection refused\n"));
  REQUIRE(e.recipients.size() == 1);
  CHECK(e.recipients[0].reason_hint == "expired");
}

TEST_CASE("Outlook.com: its fixed sentence for a missing mailbox") {
  const report r = decode(with_dsn("From: postmaster@hotmail.example.com\nSubject: Delivery Status Notification (Failure)\n"
                                   "X-Message-Delivery: Vj0xLjE7\nX-Message-Info: AuEzbeVr\n",
                                   "Final-Recipient: rfc822; someone@example.net\nAction: failed\nStatus: 5.5.0\n"
                                   "Diagnostic-Code: smtp; 550 Requested action not taken: mailbox unavailable\n"));
  CHECK(r.decoded_by == "Outlook");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].reason_hint == "userunknown");
}

TEST_CASE("Office 365: without delivery-status fields, the text's administrators' section") {
  const report r = decode(
      "From: postmaster@example.onmicrosoft.com\nTo: sender@example.com\nSubject: Undeliverable: hi\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\nX-MS-Exchange-Message-Is-Ndr:\n"
      "Received: from XX1PR01MB0001.example.prod.outlook.com (192.0.2.1) by XX1PR01MB0002.example.prod.outlook.com\n\n"
      "Delivery has failed to these recipients or groups:\n\n"
      "someone@example.net<mailto:someone@example.net>\nThe email address you entered couldn't be found.\n\n"
      "Diagnostic information for administrators:\n\nGenerating server: XX1PR01MB0002.example.prod.outlook.com\n\n"
      "someone@example.net\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\n\n"
      "Original message headers:\n\nFrom: <sender@example.com>\n");
  CHECK(r.decoded_by == "Office365");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].status == "5.1.1");
}
