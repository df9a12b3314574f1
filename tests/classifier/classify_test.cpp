#include <catch2/catch.hpp>

#include <fstream>
#include <variant>

#include "classifier/classify.hpp"

using namespace bounced::classifier;

namespace {

rule_set compile(const std::vector<rule_source>& user = {}) {
  auto r = rule_set::compile(user);
  if (auto* e = std::get_if<rule_error>(&r)) FAIL(e->to_string());
  return std::move(std::get<rule_set>(r));
}

verdict classify(const rule_set& rules, std::string_view status, std::string_view reply, std::string_view text,
                 std::string_view hint = {}) {
  input in;
  in.status = status;
  in.reply_code = reply;
  in.diagnostic = text;
  in.hint = hint;
  return rules.classify(in);
}

}  // namespace

TEST_CASE("the shipped rules compile", "[classifier]") {
  const rule_set rules = compile();
  CHECK(rules.size() > 30);
}

TEST_CASE("words decide before the status code", "[classifier]") {
  const rule_set rules = compile();
  const verdict v = classify(rules, "5.1.1", "550", "550 5.1.1 <a@b.c>... User unknown");
  CHECK(v.reason == "userunknown");
  CHECK(v.hard);
  CHECK(v.failure);
  CHECK(v.category == "bad-mailbox");
  const verdict full = classify(rules, "5.1.1", "552", "552 5.1.1 Mailbox full");  // a provider's odd code
  CHECK(full.reason == "mailboxfull");
  CHECK_FALSE(full.hard);
  CHECK(full.category == "quota-issues");
}

TEST_CASE("the status code decides when no words are known", "[classifier]") {
  const rule_set rules = compile();
  const verdict v = classify(rules, "5.2.2", "", "qwerty");
  CHECK(v.reason == "mailboxfull");
  CHECK(v.rule == "mailboxfull.status");
  // As Sisimai: words nobody understood put the record on hold; no words at all leave it undefined.
  CHECK(classify(rules, "", "", "").reason == "undefined");
  CHECK(classify(rules, "", "", "zzz").reason == "onhold");
}

namespace {

verdict classify_at(const rule_set& rules, std::string_view status, std::string_view text, std::string_view command,
                    std::string_view rhost = {}, std::string_view action = {}) {
  input in;
  in.status = status;
  in.diagnostic = text;
  in.command = command;
  in.rhost = rhost;
  in.action = action;
  return rules.classify(in);
}

}  // namespace

TEST_CASE("unknown-user words after DATA mean a filter refused the message", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify_at(rules, "5.0.0", "550 Unknown user a@example.net", "RCPT").reason == "userunknown");
  CHECK(classify_at(rules, "5.0.0", "550 Unknown user a@example.net", "DATA").reason == "filtered");
  CHECK_FALSE(classify_at(rules, "5.0.0", "550 Unknown user a@example.net", "DATA").hard);
  // A status that names a mailbox problem makes the same words "filtered" whatever the command.
  CHECK(classify_at(rules, "5.2.1", "550 5.2.1 <a@example.net>... User Unknown", "").reason == "filtered");
}

TEST_CASE("a bad-mailbox status decides unless the words give another cause", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify_at(rules, "5.1.1", "550 5.1.1 go away", "").reason == "userunknown");
  CHECK(classify_at(rules, "5.1.1", "550 5.1.1 sender address rejected", "").reason == "rejected");
  CHECK(classify_at(rules, "5.0.0", "554 <a@example.net>: Recipient address rejected: Access denied", "RCPT").reason ==
        "userunknown");
}

TEST_CASE("a recipient refusal that states another cause is not an unknown user", "[classifier]") {
  const rule_set rules = compile();
  const verdict spam = classify_at(rules, "5.7.1", "554 5.7.1 <a@example.net>: Recipient address rejected: Spam detected", "RCPT");
  CHECK(spam.reason == "spamdetected");
  CHECK_FALSE(spam.hard);
  CHECK(classify_at(rules, "", "550 <a@example.net>: Recipient address rejected: User unknown in local table", "RCPT").reason ==
        "userunknown");
  CHECK(classify_at(rules, "", "550 Recipient address rejected", "RCPT").reason == "userunknown");
}

TEST_CASE("the second pass: network words, expiry, then the status class", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify_at(rules, "4.4.1", "connect to mx.example.net[192.0.2.1]:25: Connection timed out", "").reason ==
        "expired");
  CHECK(classify_at(rules, "5.4.4", "Name service error for name=example.net type=MX: Malformed or unexpected name server reply", "")
            .reason == "networkerror");
  CHECK(classify_at(rules, "5.4.4", "Host or domain name not found. Name service error for name=example.net type=A: Host not found", "")
            .reason == "hostunknown");
  CHECK(classify_at(rules, "5.7.0", "550 5.7.0 zzz", "").reason == "securityerror");
  CHECK(classify_at(rules, "", "zzz", "", "", "delayed").reason == "expired");
  CHECK(classify_at(rules, "5.3.0", "zzz", "").reason == "onhold");
}

TEST_CASE("a provider's own codes are read by its remote host", "[classifier]") {
  const rule_set rules = compile();
  const std::string_view text = "550 5.1.0 <s@example.com> sender rejected. AUP#CDRBL";
  CHECK(classify_at(rules, "5.1.0", text, "MAIL", "cxr.mx.a.cloudfilter.net").reason == "blocked");
  CHECK(classify_at(rules, "5.1.0", text, "MAIL", "mx.example.net").reason == "rejected");
}

TEST_CASE("rule files: like, unless and tier are checked", "[classifier]") {
  auto bad = rule_set::compile({{"mine.toml", "[[rule]]\nreason = \"blocked\"\nlike = \"no.such.rule\"\n"}});
  CHECK(std::holds_alternative<rule_error>(bad));
  auto bad_unless = rule_set::compile({{"mine.toml", "[[rule]]\nreason = \"blocked\"\nunless = [\"nope\"]\n"}});
  CHECK(std::holds_alternative<rule_error>(bad_unless));
  auto bad_tier = rule_set::compile({{"mine.toml", "[[rule]]\nreason = \"blocked\"\ntier = 3\n"}});
  CHECK(std::holds_alternative<rule_error>(bad_tier));
}

TEST_CASE("a bounce with no status gets the reason's pseudo status", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify(rules, "", "550", "no such user here", "userunknown").status == "5.0.911");
  CHECK(classify(rules, "", "550", "no such user here").status == "5.0.910");  // no command: a filter's
  CHECK(classify(rules, "", "450", "mailbox is full").status == "4.0.922");
}

TEST_CASE("a reason stated by the format wins over shipped rules", "[classifier]") {
  const rule_set rules = compile();
  const verdict v = classify(rules, "", "", "I am away", "vacation");
  CHECK(v.reason == "vacation");
  CHECK_FALSE(v.hard);
  CHECK_FALSE(v.failure);
  CHECK(v.category.empty());
}

TEST_CASE("a user's rules match before the shipped ones", "[classifier]") {
  const rule_set rules = compile({{"mine.toml",
                                   "[[rule]]\n"
                                   "id = \"mine.policy-511\"\n"
                                   "reason = \"blocked\"\n"
                                   "status = [\"5.1.1\"]\n"
                                   "rhost = [\"strict.example\"]\n"
                                   "phrases = [\"user unknown\"]\n"
                                   "hard = false\n"}});
  input in;
  in.status = "5.1.1";
  in.diagnostic = "550 5.1.1 User unknown";
  in.rhost = "mx.strict.example";
  const verdict v = rules.classify(in);
  CHECK(v.reason == "blocked");
  CHECK(v.rule == "mine.policy-511");
  in.rhost = "mx.other.example";
  CHECK(rules.classify(in).reason == "userunknown");
}

TEST_CASE("a bad rule file names its line", "[classifier]") {
  auto r = rule_set::compile({{"bad.toml", "[[rule]]\nid = \"x\"\nreason = \"nonsense\"\n"}});
  REQUIRE(std::holds_alternative<rule_error>(r));
  CHECK(std::get<rule_error>(r).line == 1);
  CHECK(std::get<rule_error>(r).to_string().find("unknown reason") != std::string::npos);
  auto syntax = rule_set::compile({{"bad.toml", "[[rule]]\nid = \"x\"\nreason = \n"}});
  REQUIRE(std::holds_alternative<rule_error>(syntax));
  CHECK(std::get<rule_error>(syntax).line == 3);
  auto regex = rule_set::compile({{"bad.toml", "[[rule]]\nreason = \"blocked\"\nregex = [\"(unclosed\"]\n"}});
  REQUIRE(std::holds_alternative<rule_error>(regex));
  CHECK(std::get<rule_error>(regex).message.find("bad regex") != std::string::npos);
  auto missing = rule_set::load({"/nonexistent/rules.toml"});
  REQUIRE(std::holds_alternative<rule_error>(missing));
}

TEST_CASE("thousands of rules compile into one matcher", "[classifier]") {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "[[rule]]\nid = \"gen." + std::to_string(i) + "\"\nreason = \"blocked\"\nphrases = [\"code-" +
            std::to_string(i) + "-blocked\"]\n";
  const rule_set rules = compile({{"gen.toml", text}});
  CHECK(rules.size() > 3000);
  const verdict v = classify(rules, "5.7.1", "550", "550 5.7.1 code-2999-blocked by policy");
  CHECK(v.rule == "gen.2999");
}

TEST_CASE("a local program's failure (X-UNIX) is a mailer error unless second-pass words say more", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.status = "5.1.1";
  in.diagnostic = "procmail: Couldn't create \"/var/spool/mail/someone\": No such user";
  in.diagnostic_type = "X-UNIX";
  CHECK(rules.classify(in).reason == "mailererror");
  in.status = "5.2.0";
  in.diagnostic = "/home/someone/Maildir/tmp/1.example.test: Disk quota exceeded";
  CHECK(rules.classify(in).reason == "mailboxfull");
  in.diagnostic_type = "SMTP";
  in.status = "5.1.1";
  in.diagnostic = "550 5.1.1 <someone@example.com>: No such user";
  CHECK(rules.classify(in).reason == "userunknown");
}

TEST_CASE("a bounce with no code that says it was temporary gets a 4.0.9xx pseudo status", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify(rules, "", "", "all hosts have been failing for a long time and were last tried after this message arrived").status ==
        "4.0.947");
  CHECK(classify(rules, "", "", "Envelope expired").status == "5.0.947");
}

TEST_CASE("unknown-user words with no command are a filter's unless the format says otherwise", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.diagnostic = "550 Unknown user someone@example.com";
  CHECK(rules.classify(in).reason == "filtered");
  CHECK(rules.classify(in).status == "5.0.910");
  in.hint = "userunknown";  // a format that states the reason itself
  CHECK(rules.classify(in).reason == "userunknown");
  in.hint = "";
  in.diagnostic = "someone@example.com on 4/29/01 The recipient name is not recognized";  // Exchange 2003
  CHECK(rules.classify(in).reason == "userunknown");
  in.diagnostic = "550 Unknown user someone@example.com";
  in.status = "5.0.0";
  CHECK(rules.classify(in).reason == "filtered");
  CHECK_FALSE(rules.classify(in).hard);
  in.command = "RCPT";
  CHECK(rules.classify(in).reason == "userunknown");
  in.command = "";
  in.status = "5.1.10";
  in.diagnostic = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup";
  CHECK(rules.classify(in).reason == "userunknown");
}

TEST_CASE("provider codes and hosts that state their own reason", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.status = "5.0.0";
  in.rhost = "mx.ezweb.ne.jp";
  in.diagnostic = "550 <someone@ezweb.ne.jp>: User unknown";
  CHECK(rules.classify(in).reason == "userunknown");
  in.diagnostic = "550 : User unknown";
  CHECK(rules.classify(in).reason == "filtered");
  in.rhost = "";
  in.status = "5.2.0";
  in.diagnostic = "550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]";
  CHECK(rules.classify(in).reason == "spamdetected");
  in.status = "5.5.0";
  in.diagnostic = "550 5.5.0 The recipient account is blocked. LPN007_426";
  CHECK(rules.classify(in).reason == "suspend");
}

TEST_CASE("sender words, directory words and line length decide before block and protocol words", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.status = "5.7.1";
  in.reply_code = "550";
  in.command = "MAIL";
  in.diagnostic = "550 5.7.1 Access denied";
  CHECK(rules.classify(in).reason == "rejected");
  in.command = "";
  in.status = "";
  in.reply_code = "";
  in.diagnostic = "User not listed in public Name & Address Book";
  CHECK(rules.classify(in).reason == "userunknown");
  in.reply_code = "500";
  in.command = "DATA";
  in.diagnostic = "500 Line limit exceeded";
  CHECK(rules.classify(in).reason == "mesgtoobig");
}

TEST_CASE("narrower words: no MX, listed IPs, improper sequences, multiple From addresses", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify(rules, "", "", "No mx record found for domain=example.net").reason == "notaccept");
  CHECK(classify(rules, "5.1.1", "553", "553 http://www.spamhaus.org/query/bl?ip=192.0.2.1").reason == "blocked");
  CHECK(classify(rules, "", "503", "503 Improper sequence of commands").reason == "syntaxerror");
  CHECK(classify(rules, "", "", "Unable to deliver message after multiple retries, giving up.").reason != "notcompliantrfc");
  CHECK(classify(rules, "5.7.1", "550", "550 5.7.1 Messages with multiple addresses in From: header are not accepted").reason ==
        "notcompliantrfc");
  CHECK(classify(rules, "", "550", "550 Insecure Mail Relay").reason == "norelaying");
}

namespace {

verdict classify_from(const rule_set& rules, std::string_view status, std::string_view reply, std::string_view text,
                      std::string_view command, std::string_view rhost) {
  input in;
  in.status = status;
  in.reply_code = reply;
  in.diagnostic = text;
  in.command = command;
  in.rhost = rhost;
  return rules.classify(in);
}

}  // namespace

TEST_CASE("provider tables: Yahoo, Zoho, Mimecast, Spectrum, GoDaddy, NTT docomo, La Poste", "[classifier]") {
  const rule_set rules = compile();
  const std::string_view tss04 = "421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred due to unexpected "
                                 "volume or user complaints";
  CHECK(classify_from(rules, "4.7.0", "421", tss04, "MAIL", "mta5.am0.yahoodns.net").reason == "rejected");
  CHECK(classify_from(rules, "5.7.7", "554", "554 5.7.7 Email policy violation detected", "DATA", "mx.zoho.com").reason ==
        "securityerror");
  CHECK(classify_from(rules, "5.0.0", "554", "554 email rejected due to security policies - MCSpamSignature.x", "DATA",
                      "service1.mimecast.com")
            .reason == "virusdetected");
  const verdict spectrum =
      classify_from(rules, "5.1.0", "550", "550 5.1.0 sender rejected. AUP#In-1310", "", "mx.example.net");
  CHECK(spectrum.reason == "toomanyconn");
  const verdict godaddy = classify_from(rules, "5.1.1", "550", "550 5.1.1 <a@example.com> - 192.0.2.9 has sent to too "
                                        "many recipients this hour. IB607", "RCPT", "smtp.secureserver.net");
  CHECK(godaddy.reason == "speeding");
  CHECK_FALSE(godaddy.hard);
  const std::string_view unknown = "550 Unknown user a@docomo.example.ne.jp";
  CHECK(classify_from(rules, "5.0.0", "550", unknown, "DATA", "mfsmax.docomo.ne.jp").reason == "rejected");
  CHECK(classify_from(rules, "5.0.0", "550", unknown, "RCPT", "mfsmax.docomo.ne.jp").reason == "userunknown");
  CHECK(classify_from(rules, "5.0.0", "552", "552 Too many recipients", "RCPT", "mfsmax.docomo.ne.jp").reason ==
        "toomanyconn");
  CHECK(classify_from(rules, "5.5.0", "550", "550 5.5.0 Service refused, please try later. LPN001_108", "", "")
            .reason == "undefined");
}

TEST_CASE("access denied: a security refusal with 5.7.x, a block only when said with the greeting", "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify_at(rules, "5.7.1", "550 5.7.1 <a@example.net>... Access denied", "EHLO").reason == "securityerror");
  CHECK(classify_at(rules, "", "SMTP error from remote mail server after initial connection: 550 access denied", "")
            .reason == "blocked");
  CHECK(classify_at(rules, "5.7.1", "550 5.7.1 access denied", "MAIL").reason == "rejected");
}

TEST_CASE("unknown-user words in reply to MAIL are about the sender", "[classifier]") {
  const rule_set rules = compile();
  const verdict v = classify_at(rules, "5.1.0", "553 5.1.0 sender.example.org does not exist", "MAIL");
  CHECK(v.reason == "rejected");
  CHECK_FALSE(v.hard);
  CHECK(classify_at(rules, "5.1.0", "553 5.1.0 <a@example.org> does not exist", "RCPT").reason == "userunknown");
}

TEST_CASE("a provider's words count only at that provider's hosts", "[classifier]") {
  const rule_set rules = compile();
  const std::string_view text = "Name service error for name=example.org type=MX: Malformed or unexpected name server reply";
  CHECK(classify_from(rules, "5.4.4", "", text, "", "omr-a1.mx.aol.com").reason == "notaccept");
  // Elsewhere AOL's words are no evidence against the network words of the same text.
  CHECK(classify_from(rules, "5.4.4", "", text, "", "mx.example.net").reason == "networkerror");
}

TEST_CASE("a bare domain that does not exist is an unknown host, an address that does not is an unknown user",
          "[classifier]") {
  const rule_set rules = compile();
  CHECK(classify_at(rules, "", "553 mx.example.net does not exist", "DATA").reason == "hostunknown");
  CHECK(classify_at(rules, "", "550 a@example.net does not exist", "RCPT").reason == "userunknown");
}

TEST_CASE("a failure retried until the message expired is expired", "[classifier]") {
  const rule_set rules = compile();
  const std::string_view trailer = " I'm not going to try again; this message has been in the queue too long.";
  CHECK(classify(rules, "", "", std::string("unable to connect to remote server [192.0.2.1:25].") + std::string(trailer))
            .reason == "expired");
  CHECK(classify(rules, "4.1.9", "", std::string("Resources temporarily unavailable [#4.1.9].") + std::string(trailer))
            .reason == "expired");
  CHECK(classify(rules, "", "", "unable to connect to remote server [192.0.2.1:25]").reason == "networkerror");
}

TEST_CASE("a local program's failure: a system error with 5.3.0, else a mailer error", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.diagnostic_type = "X-UNIX";
  in.status = "5.3.0";
  in.reply_code = "550";
  in.diagnostic = "550 5.0.0 <a@example.net>... Insufficient permission";
  CHECK(rules.classify(in).reason == "systemerror");
  in.diagnostic = "554 5.3.0 unknown mailer error 255";
  CHECK(rules.classify(in).reason == "mailererror");
  in.status = "4.5.0";
  in.reply_code = "451";
  in.diagnostic = "451 4.0.0 Operating system error";
  CHECK(rules.classify(in).reason == "mailererror");
  in.status = "5.1.1";
  in.diagnostic = "procmail: Couldn't create \"/var/mail/a\"";
  CHECK(rules.classify(in).reason == "mailererror");
}

TEST_CASE("a refusal at the greeting that only notes a missing reverse DNS is a block", "[classifier]") {
  const rule_set rules = compile();
  const std::string_view greeting = "SMTP error from remote mail server after initial connection: ";
  CHECK(classify_at(rules, "5.7.1", std::string(greeting) + "554 5.7.1 Missing reverse DNS for 192.0.2.1", "")
            .reason == "blocked");
  CHECK(classify_at(rules, "", std::string(greeting) + "571 No PTR Record found. Reverse DNS required", "").reason ==
        "requireptr");
  CHECK(classify_at(rules, "5.7.1", "554 5.7.1 Reverse DNS lookup for host 192.0.2.1 failed permanently.", "MAIL")
            .reason == "requireptr");
}

TEST_CASE("an unknown local user is hard whichever MTA reports it", "[classifier]") {
  const rule_set rules = compile();
  input in;
  in.status = "5.0.0";
  in.reply_code = "550";
  in.diagnostic = "550 User <nosuchuser> unknown";  // Courier's local delivery
  in.local = true;
  verdict v = rules.classify(in);
  CHECK(v.reason == "userunknown");
  CHECK(v.hard);
  // The same words with no command from a remote MTA are Sisimai's "filtered".
  in.local = false;
  CHECK(rules.classify(in).reason == "filtered");
  // Exim's "Unrouteable address" for a domain of its own is an unknown local part; for another
  // domain it is a host that does not route.
  input exim;
  exim.status = "5.0.0";
  exim.diagnostic = "Unrouteable address";
  exim.local = true;
  v = rules.classify(exim);
  CHECK(v.reason == "userunknown");
  CHECK(v.hard);
  exim.local = false;
  CHECK(rules.classify(exim).reason == "hostunknown");
  // A user's rule may ask for it too.
  const rule_set mine = compile({{"mine.toml", "[[rule]]\nid = \"mine.local\"\nreason = \"suspend\"\nlocal = true\nphrases = [\"on hold\"]\n"}});
  input held;
  held.diagnostic = "mailbox on hold";
  held.local = true;
  CHECK(mine.classify(held).rule == "mine.local");
  held.local = false;
  CHECK(mine.classify(held).rule != "mine.local");
}
