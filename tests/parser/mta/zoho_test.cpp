// Zoho Mail: the per-address ERROR_CODE lines and the delay warning's [Status: ...] line,
// written after the layout of Zoho's notices.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string zoho_mail(const std::string& subject, const std::string& body) {
  return "From: mailer-daemon@mail.zoho.example.com\nX-ZohoMail: Si CHF_MF_NL\nSubject: " + subject +
         "\nTo: sender@example.com\nDate: Mon, 2 Feb 2026 10:00:00 +0900\n\n" + body;
}

}  // namespace

TEST_CASE("Zoho: address, reply code and status from the ERROR_CODE line") {
  const report r = decode(zoho_mail("Undelivered Mail Returned to Sender",
                                    "This message was created automatically by mail delivery software.\n"
                                    "A message that you sent could not be delivered. This is a permanent error.\n\n"
                                    "someone@example.net Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 "
                                    "<someone@example.net>... User Unknown\n"
                                    "other@example.net Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.\n\n"
                                    "Received:from mail.example.com by mx.example.com\n"));
  CHECK(r.decoded_by == "Zoho");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].action == "failed");
  CHECK(r.recipients[0].diagnostic.rfind("Invalid Address", 0) == 0);
  CHECK(r.recipients[1].reply_code == "421");
  CHECK(r.recipients[1].action == "delayed");
}

TEST_CASE("Zoho: the delay warning's [Status: ...] line") {
  const report r = decode(zoho_mail("Mail Delivery Status Notification (Delay)",
                                    "THIS IS A WARNING MESSAGE ONLY.\n\n"
                                    "----- The following addresses had fatal errors -----\n"
                                    "[Status: Error, Address: <someone@example.org>, ResponseCode 421, , Host not reachable.]\n"
                                    "Message will be retried for 4 more day(s)\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.org");
  CHECK(r.recipients[0].reply_code == "421");
  CHECK(r.recipients[0].action == "delayed");
}
