// Trend Micro InterScan MSS notices. Messages written here, in the layout of the suite's notices.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string notice(std::string_view from, std::string_view text) {
  return std::string("From: ") + std::string(from) +
         "\n"
         "To: sender@example.com\n"
         "Subject: Mail could not be delivered\n"
         "MIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=\"------------InterScan_NT_MIME_Boundary\"\n"
         "\n"
         "--------------InterScan_NT_MIME_Boundary\n"
         "Content-type: text/plain\n"
         "\n" +
         std::string(text) +
         "\n"
         "--------------InterScan_NT_MIME_Boundary\n"
         "Content-type: message/rfc822\n"
         "\n"
         "From: sender@example.com\n"
         "To: rcpt@example.net\n"
         "Subject: hello\n"
         "\n"
         "hello\n"
         "\n"
         "--------------InterScan_NT_MIME_Boundary--\n";
}

}  // namespace

TEST_CASE("InterScan MSS: the SMTP exchange gives command and reply", "[mta][trendmicro]") {
  const report r = decode(notice("\"InterScan MSS\" <postmaster@example.net>",
                                 "Sent <<< RCPT TO:<rcpt@example.net>\n"
                                 "Received >>> 550 5.1.1 <rcpt@example.net>... user unknown\n"));
  CHECK(r.decoded_by == "InterScanMSS");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "rcpt@example.net");
  CHECK(r.recipients[0].command == "RCPT");
  CHECK(r.recipients[0].diagnostic == "550 5.1.1 <rcpt@example.net>... user unknown");
  CHECK(r.recipients[0].reply_code == "550");
}

TEST_CASE("InterScan MSS: its own verdict is a user unknown", "[mta][trendmicro]") {
  const report r = decode(notice("postmaster@example.net",
                                 "****** Message from InterScan Messaging Security Suite ******\n"
                                 "\n"
                                 "The following mail could not be delivered.\n"
                                 "Reason:  Unable to deliver message to <rcpt@example.net> (and other recipients in the "
                                 "same domain).\n"));
  CHECK(r.decoded_by == "InterScanMSS");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "rcpt@example.net");
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
