// The parser's rules as data: the shipped phrases compile, a user's rules file adds phrases and
// decoders, and a bad file is refused with its line and a reason.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "parser/decode.hpp"
#include "parser/rules.hpp"

using namespace bounced::parser;

namespace {

decoding_rules compiled(const std::string& text) {
  auto r = decoding_rules::compile({{"user.toml", text}});
  if (auto* e = std::get_if<rules_error>(&r)) FAIL(e->to_string());
  return std::move(std::get<decoding_rules>(r));
}

std::string error_of(const std::string& text) {
  auto r = decoding_rules::compile({{"user.toml", text}});
  REQUIRE(std::holds_alternative<rules_error>(r));
  return std::get<rules_error>(r).to_string();
}

const std::string gateway_bounce =
    "From: Acme Gateway <gateway@acme.example>\n"
    "To: news@sender.example\n"
    "Subject: Acme delivery report\n\n"
    "ACME-GW REPORT\n"
    "RCPT=alice@example.org;STATE=5.1.1;SMTP=550;TEXT=no such user\n"
    "RCPT=bob@example.org;STATE=4.2.2;SMTP=452;TEXT=over quota\n";

const std::string gateway_decoder =
    "[[decoder]]\n"
    "name = \"AcmeGateway\"\n"
    "from = \"@acme.example\"\n"
    "body = \"ACME-GW REPORT\"\n"
    "regex = '(?m)^RCPT=(?P<recipient>[^;]+);STATE=(?P<status>[0-9.]+);SMTP=(?P<reply_code>[0-9]+);TEXT=(?P<diagnostic>.*)$'\n";

}  // namespace

TEST_CASE("the shipped phrases compile and cover every language and kind", "[rules]") {
  const decoding_rules& r = decoding_rules::shipped();
  CHECK(r.phrases() > 500);
  CHECK(r.decoders() == 0);
  CHECK(shipped_phrase_files().size() >= 12);
  CHECK(r.match("Ihre Nachricht konnte nicht zugestellt werden").has(phrase_kind::failure));
  CHECK(r.match("Votre message n’a pas pu être remis").has(phrase_kind::failure));
  CHECK(r.match("メッセージは配信できませんでした").has(phrase_kind::failure));
  CHECK(r.match("您的邮件无法投递").has(phrase_kind::failure));
  CHECK(r.match("Сообщение не доставлено").has(phrase_kind::failure));
  CHECK(r.match("We will keep trying").has(phrase_kind::delay));
  CHECK(r.match("was delivered successfully").has(phrase_kind::not_failure));
  CHECK(r.match("  Empfänger: a@b.example").has(phrase_kind::recipient_label));
  CHECK(r.match("Destinataire : a@b.example").has(phrase_kind::recipient_label));
  CHECK(r.match("宛先：a@b.example").has(phrase_kind::recipient_label));
  CHECK(r.match("From: a@b.example").has(phrase_kind::sender_label));
  CHECK(r.match("-------- Original Message --------").has(phrase_kind::original));
  // A marker with more words on its line is none ("Original Message Details").
  CHECK_FALSE(r.match("Original Message Details").has(phrase_kind::original));
  // Whole words: "unknownness" holds no "unknown".
  CHECK_FALSE(r.match("unknownness").has(phrase_kind::error));
}

TEST_CASE("a user's phrases join the shipped ones", "[rules]") {
  const decoding_rules r = compiled("[phrases]\nfailure = [\"kon de post niet afleveren\"]\n[phrase_regex]\nerror = ['code [0-9]{3}x']\n");
  CHECK(r.phrases() == decoding_rules::shipped().phrases() + 2);
  CHECK(r.match("Wij kon de post niet afleveren").has(phrase_kind::failure));
  CHECK(r.match("code 123x").has(phrase_kind::error));
  const report rep = decode(
      "From: MAILER-DAEMON@mx.example.nl\nTo: news@sender.example\nSubject: bericht\n\n"
      "Wij kon de post niet afleveren aan:\n\n   piet@example.nl\n",
      r);
  REQUIRE(rep.recipients.size() == 1);
  CHECK(rep.recipients[0].recipient == "piet@example.nl");
}

TEST_CASE("a user decoder reads each recipient of its format from named captures", "[rules]") {
  const decoding_rules r = compiled(gateway_decoder);
  CHECK(r.decoders() == 1);
  const report rep = decode(gateway_bounce, r);
  REQUIRE(rep.recipients.size() == 2);
  CHECK(rep.decoded_by == "AcmeGateway");
  CHECK(rep.recipients[0].recipient == "alice@example.org");
  CHECK(rep.recipients[0].status == "5.1.1");
  CHECK(rep.recipients[0].reply_code == "550");
  CHECK(rep.recipients[0].diagnostic == "no such user");
  CHECK(rep.recipients[0].action == "failed");
  CHECK(rep.recipients[1].recipient == "bob@example.org");
  CHECK(rep.recipients[1].status == "4.2.2");
  // Without the decoder the shipped ones do not read this format.
  CHECK(decode(gateway_bounce).decoded_by != "AcmeGateway");
}

TEST_CASE("a user decoder whose conditions do not hold leaves the message to the others", "[rules]") {
  const decoding_rules r = compiled(gateway_decoder);
  std::string other = gateway_bounce;
  other.replace(other.find("@acme.example"), 13, "@other.example");
  CHECK(decode(other, r).decoded_by != "AcmeGateway");
}

TEST_CASE("a bad rules file is refused with its line and why", "[rules]") {
  CHECK(error_of("[phrases]\nfailur = [\"x\"]\n").find("unknown phrase kind \"failur\"") != std::string::npos);
  CHECK(error_of("[phrases]\nfailure = [\"\"]\n").find("empty phrase") != std::string::npos);
  CHECK(error_of("[phrase_regex]\nerror = ['(unclosed']\n").find("user.toml:2") != std::string::npos);
  CHECK(error_of("[[decoders]]\nname = \"x\"\n").find("unknown table or key \"decoders\"") != std::string::npos);
  CHECK(error_of("[[decoder]]\nname = \"x\"\nregex = '(?P<recipient>\\\\S+)'\n").find("at least one of from, subject and body") !=
        std::string::npos);
  CHECK(error_of("[[decoder]]\nname = \"x\"\nfrom = \"a\"\nregex = '(\\\\S+)'\n").find("(?P<recipient>") != std::string::npos);
  CHECK(error_of("[[decoder]]\nname = \"x\"\nfrom = \"a\"\nregex = '(?P<recipient>\\\\S+) (?P<reason>\\\\S+)'\n").find("unknown capture \"reason\"") !=
        std::string::npos);
  CHECK(error_of("[[decoder]]\nname = \"x\"\nfrom = \"a\"\nregex = '(?P<recipient>\\\\S+'\n").find("bad regex") != std::string::npos);
  CHECK(error_of("[[decoder]]\nname = \"x\"\nfrom = \"a\"\nregex = '(?P<recipient>\\\\S+)'\nscpoe = \"message\"\n").find("unknown key \"scpoe\"") !=
        std::string::npos);
  CHECK(error_of("[[decoder]]\nfrom = \"a\"\nregex = '(?P<recipient>\\\\S+)'\n").find("needs a name") != std::string::npos);
  CHECK(error_of("not toml at all [").find("user.toml:1") != std::string::npos);
}

TEST_CASE("the classifier's [[rule]] tables are left to it", "[rules]") {
  const decoding_rules r = compiled("[[rule]]\nid = \"mine\"\nreason = \"userunknown\"\nphrases = [\"gone away\"]\n");
  CHECK(r.decoders() == 0);
  CHECK(r.phrases() == decoding_rules::shipped().phrases());
}

TEST_CASE("a user decoder's expression cannot loop on an empty match", "[rules]") {
  const decoding_rules r = compiled("[[decoder]]\nname = \"empty\"\nfrom = \"acme\"\nregex = '(?P<recipient>x*)'\n");
  const report rep = decode(gateway_bounce, r);
  CHECK(rep.decoded_by != "empty");
}
