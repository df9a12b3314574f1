// Amazon SES event notifications mailed by SNS, written here after the documented JSON layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string sns_mail(const std::string& body) {
  return "From: Events <no-reply@sns.amazonaws.com>\n"
         "To: ops@example.com\n"
         "Subject: AWS Notification Message\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
         "Content-Type: text/plain; charset=UTF-8\n"
         "\n" +
         body + "\n\n--\nIf you wish to stop receiving notifications from this topic, click below.\n";
}

}  // namespace

TEST_CASE("Amazon SES: a bounce event, folded by SNS with '!' line breaks") {
  const report r = decode(sns_mail(
      "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":"
      "\"gone@example.net\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 no such us!\n"
      " er\"}],\"reportingMTA\":\"dsn; out.example.com\"},\"mail\":{\"source\":\"sender@example.com\"}}"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "AmazonSES");
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].diagnostic == "550 5.1.1 no such user");
  CHECK(r.recipients[0].diagnostic_type == "SMTP");
}

TEST_CASE("Amazon SES: a complaint inside an SNS envelope") {
  const report r = decode(sns_mail(
      "{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"{\\\"notificationType\\\":\\\"Complaint\\\",\\\"complaint\\\":"
      "{\\\"complainedRecipients\\\":[{\\\"emailAddress\\\":\\\"reader@example.org\\\"}],\\\"complaintFeedbackType\\\":"
      "\\\"abuse\\\"}}\"\n}"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.kind == message_kind::feedback);
  CHECK(r.recipients[0].recipient == "reader@example.org");
  CHECK(r.recipients[0].feedback_type == "abuse");
}

TEST_CASE("Amazon SES: a delivery event") {
  const report r = decode(sns_mail(
      "{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[\"ok@example.org\"],\"smtpResponse\":"
      "\"250 2.6.0 Message received\"}}"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "ok@example.org");
  CHECK(r.recipients[0].status == "2.6.0");
  CHECK(r.recipients[0].reason_hint == "delivered");
}

TEST_CASE("Amazon SES: broken JSON is no notification") {
  const report r = decode(sns_mail("{\"notificationType\":\"Bounce\",\"bounce\":{"));
  CHECK(r.decoded_by != "AmazonSES");
}
