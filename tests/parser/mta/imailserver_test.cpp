// IMail Server notices, written here after IMail's layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string imail(const std::string& text) {
  return "From: \"Postmaster\" <postmaster@example.org>\n"
         "To: sender@example.com\n"
         "Subject: Undeliverable Mail\n"
         "X-Mailer: <SMTP32 v8.22>\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
         "\n" + text +
         "\n\nOriginal message follows.\n\n"
         "From: sender@example.com\nTo: someone@example.org\nSubject: hi\n\nhi\n";
}

}  // namespace

TEST_CASE("IMail: '<error>: <address>'") {
  const report r = decode(imail("User mailbox exceeds allowed size: full@example.org\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "IMailServer");
  CHECK(r.recipients[0].recipient == "full@example.org");
  CHECK(r.recipients[0].reason_hint == "mailboxfull");
}

TEST_CASE("IMail: 'undeliverable to' with the remote's multi-line answer") {
  const report r = decode(imail("undeliverable to someone@example.net\n\n"
                                "Body of message generated response:\n"
                                "550-REJECTED - listed URL in message.\n"
                                "550 See http://lookup.example.net.\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].diagnostic ==
        "Body of message generated response: REJECTED - listed URL in message. See http://lookup.example.net.");
}
