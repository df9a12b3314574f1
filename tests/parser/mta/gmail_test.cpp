// Gmail's plain-text notices, written here after the layout Gmail used.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string gmail(const std::string& subject, const std::string& text) {
  return "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
         "To: sender@example.com\n"
         "Subject: Delivery Status Notification (" + subject + ")\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
         "Content-Type: text/plain; charset=UTF-8\n"
         "\n"
         "This is an automatically generated Delivery Status Notification\n"
         "\n" + text +
         "\n"
         "----- Original message -----\n"
         "\n"
         "From: sender@example.com\n"
         "To: someone@example.net\n"
         "Subject: hi\n"
         "\n"
         "hi\n";
}

}  // namespace

TEST_CASE("Gmail: a delay with temporary failure details") {
  const report r = decode(gmail("Delay",
                                "THIS IS A WARNING MESSAGE ONLY.\n\n"
                                "Delivery to the following recipient has been delayed:\n\n"
                                "     late@example.net\n\n"
                                "Message will be retried for 2 more day(s)\n\n"
                                "Technical details of temporary failure:\n"
                                "The recipient server did not accept our requests to connect.\n"
                                "[example.net 192.0.2.1: socket error]\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Gmail");
  CHECK(r.recipients[0].recipient == "late@example.net");
  CHECK(r.recipients[0].action == "delayed");
  CHECK(r.recipients[0].reason_hint == "expired");
}

TEST_CASE("Gmail: a permanent failure with the remote's answer and state") {
  const report r = decode(gmail("Failure",
                                "Delivery to the following recipient failed permanently:\n\n"
                                "     gone@example.net\n\n"
                                "Technical details of permanent failure:\n"
                                "Google tried to deliver your message, but it was rejected by the server for the\n"
                                "recipient domain example.net by mx.example.net. [192.0.2.2].\n\n"
                                "The error that the other server returned was:\n"
                                "550 550 5.1.1 <gone@example.net>... User Unknown (state 14).\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].command == "RCPT");
  CHECK(r.recipients[0].rhost == "mx.example.net");
  CHECK(r.recipients[0].reason_hint.empty());  // 5.1.1 speaks for itself
}

TEST_CASE("Google Groups: a refused post names the group from X-Failed-Recipients") {
  const report r = decode(
      "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
      "To: poster@example.com\n"
      "Subject: Delivery Status Notification (Failure)\n"
      "X-Failed-Recipients: some-group@googlegroups.example\n"
      "X-Google-Smtp-Source: AAAA\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "Content-Type: text/plain; charset=UTF-8\n"
      "\n"
      "Hello poster@example.com,\n\n"
      "We're writing to let you know that the group you tried to contact (some-group) may not exist.\n\n"
      " * You might have spelled or formatted the group name incorrectly.\n"
      " * The owner of the group may have removed this group.\n"
      " * You may need to join the group before receiving permission to post.\n"
      " * This group may not be open to posting.\n\n"
      "Visit the Help Center at https://groups.google.com/support/.\n\nThanks,\n\nGoogle Groups\n\n"
      "----- Original message -----\n\nFrom: poster@example.com\nSubject: hi\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "GoogleGroups");
  CHECK(r.recipients[0].recipient == "some-group@googlegroups.example");
  CHECK(r.recipients[0].reason_hint == "rejected");
}
