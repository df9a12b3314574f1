// EZweb notices, written here after EZweb's layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string ezweb(const std::string& text) {
  return "From: Postmaster@ezweb.ne.jp\n"
         "To: sender@example.com\n"
         "Subject: Mail System Error - Returned Mail\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0900\n"
         "Content-Type: text/plain; charset=\"UTF-8\"\n"
         "\n" + text;
}

}  // namespace

TEST_CASE("EZweb: a known sentence and a bare <address> line") {
  const report r = decode(ezweb("The user(s) account is disabled.\n\n<someone@ezweb.ne.jp>\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "EZweb");
  CHECK(r.recipients[0].recipient == "someone@ezweb.ne.jp");
  CHECK(r.recipients[0].diagnostic == "The user(s) account is disabled.");
  CHECK(r.recipients[0].reason_hint == "suspend");
}

TEST_CASE("EZweb: a remote's answer after RCPT") {
  const report r = decode(ezweb("Each of the following recipients was rejected by a remote\nmail server.\n\n"
                                "    Recipient: <someone@example.net>\n"
                                "    >>> RCPT TO:<someone@example.net>\n"
                                "    <<< 550 <someone@example.net>: User unknown\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].command == "RCPT");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].reason_hint == "userunknown");
  CHECK(r.recipients[0].diagnostic ==
        "Each of the following recipients was rejected by a remote mail server. <<< 550 <someone@example.net>: User unknown");
}
