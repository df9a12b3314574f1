// Postfix's plain-text bounce without delivery-status fields. Message written here.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Postfix plain text: one paragraph per recipient, wrapped", "[mta][postfix]") {
  const report r = decode(
      "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
      "To: sender@example.com\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "\n"
      "This is the Postfix program at host mx.example.net.\n"
      "\n"
      "I'm sorry to have to inform you that the message returned\n"
      "below could not be delivered to one or more destinations.\n"
      "\n"
      "<gone@example.org>: host mx.example.org[192.0.2.1] said: 550\n"
      "    <gone@example.org>: User unknown\n");
  CHECK(r.decoded_by == "Postfix");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.org");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].rhost == "mx.example.org");
  CHECK(r.recipients[0].diagnostic == "host mx.example.org[192.0.2.1] said: 550 <gone@example.org>: User unknown");
}
