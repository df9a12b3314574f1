// ARF complaints (RFC 5965) written here: where the reported recipient comes from.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string arf(const std::string& report_fields, const std::string& original_to) {
  return "From: <fbl@example.net>\n"
         "To: <abuse@example.com>\n"
         "Subject: Abuse report\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
         "MIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n"
         "\n"
         "This is a multi-part message in MIME format.\n"
         "\n"
         "--b\n"
         "Content-Type: text/plain\n"
         "\n"
         "This is an email abuse report for an email message received from IP 192.0.2.7 on Mon, 2 Feb 2026.\n"
         "Please see http://www.example.net/fbl/.\n"
         "--b\n"
         "Content-Type: message/feedback-report\n"
         "\n"
         "Feedback-Type: abuse\n"
         "User-Agent: Example-FBL/1.0\n"
         "Version: 1\n" +
         report_fields +
         "\n"
         "--b\n"
         "Content-Type: message/rfc822\n"
         "\n"
         "From: <sender@example.com>\n"
         "To: " + original_to + "\n"
         "Subject: hello\n"
         "\n"
         "hi\n"
         "--b--\n";
}

}  // namespace

TEST_CASE("ARF: Original-Rcpt-To names the recipient") {
  const report r = decode(arf("Original-Rcpt-To: <user@example.org>\n", "<other@example.org>"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "user@example.org");
  CHECK(r.recipients[0].feedback_type == "abuse");
}

TEST_CASE("ARF: without Original-Rcpt-To the original's To is the recipient, not the report's To") {
  const report r = decode(arf("", "<user@example.org>"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "user@example.org");
}

TEST_CASE("ARF: an undisclosed original recipient becomes the pseudo address") {
  const report r = decode(arf("", "<Undisclosed Recipients>"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "undisclosed-recipient-in-headers@libsisimai.org.invalid");
  // The diagnostic is the report's sentence, not the MIME preamble; the IP in it is the rhost.
  CHECK(r.recipients[0].diagnostic.rfind("This is an email abuse report", 0) == 0);
  CHECK(r.recipients[0].rhost == "192.0.2.7");
}

TEST_CASE("ARF: an auth-failure report's Authentication-Results joins the diagnostic") {
  std::string text = arf("Original-Rcpt-To: <user@example.org>\nAuthentication-Results: example.net; dmarc=fail header.from=example.com\n",
                         "<user@example.org>");
  const std::size_t type = text.find("Feedback-Type: abuse");
  text.replace(type, 20, "Feedback-Type: auth-failure");
  const report r = decode(text);
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].feedback_type == "auth-failure");
  CHECK(r.recipients[0].diagnostic.find("dmarc=fail header.from=example.com") != std::string::npos);
}
