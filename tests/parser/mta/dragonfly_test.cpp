// DragonFly Mail Agent notices, written here after dma's layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("DragonFly: dma's own DNS error names the recipient and the reason") {
  const report r = decode(
      "From: MAILER-DAEMON <>\n"
      "To: sender@example.com\n"
      "Subject: Mail delivery failed\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "\n"
      "This is the DragonFly Mail Agent v0.13 at dma.example.com.\n"
      "\n"
      "There was an error delivering your mail to <someone@nowhere.example.net>.\n"
      "\n"
      "DNS lookup failure: host nowhere.example.net not found\n"
      "\n"
      "Message headers follow.\n"
      "\n"
      "From: <sender@example.com>\n"
      "To: <someone@nowhere.example.net>\n"
      "Subject: hi\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "DragonFly");
  CHECK(r.recipients[0].recipient == "someone@nowhere.example.net");
  CHECK(r.recipients[0].diagnostic == "DNS lookup failure: host nowhere.example.net not found");
  CHECK(r.recipients[0].reason_hint == "hostunknown");
}
