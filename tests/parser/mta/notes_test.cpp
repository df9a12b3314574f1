// Lotus Notes' "Undeliverable message". Message written here.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Lotus Notes names the recipient after the reason", "[mta][notes]") {
  const report r = decode(
      "From: postmaster@notes.example.net\n"
      "To: sender@example.com\n"
      "Subject: Undeliverable message\n"
      "\n"
      "------- Failure Reasons  --------\n"
      "\n"
      "User not listed in public Name & Address Book\n"
      "nobody@example.net\n"
      "\n"
      "------- Returned Message --------\n"
      "From: sender@example.com\n"
      "To: nobody@example.net\n"
      "Subject: hi\n"
      "\n"
      "hi\n");
  CHECK(r.decoded_by == "Notes");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "nobody@example.net");
  CHECK(r.recipients[0].diagnostic == "User not listed in public Name & Address Book");
}
