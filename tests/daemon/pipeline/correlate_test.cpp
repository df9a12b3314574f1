#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "daemon/pipeline/correlate.hpp"

using namespace bounced::daemon;

namespace {

verp_template compiled(std::string_view text) {
  auto t = verp_template::compile(text);
  if (auto* e = std::get_if<verp_error>(&t)) FAIL("template " << text << ": " << e->message);
  return std::get<verp_template>(std::move(t));
}

std::string compile_error(std::string_view text) {
  auto t = verp_template::compile(text);
  if (auto* e = std::get_if<verp_error>(&t)) return e->message;
  return {};
}

bounced::parser::report report_with(std::vector<bounced::parser::header_field> x_headers, std::string envid = {},
                                    std::string message_id = {}) {
  bounced::parser::report r;
  r.original.x_headers = std::move(x_headers);
  r.original.message_id = std::move(message_id);
  r.original_envelope_id = std::move(envid);
  return r;
}

}  // namespace

TEST_CASE("a VERP template gives its ids and the original recipient", "[correlate]") {
  const auto t = compiled("bounces+{campaign}-{send}-{email}@bounce.example.com");
  const auto m = t.match("bounces+c17-s42-jane=example.org@bounce.example.com");
  REQUIRE(m);
  CHECK(m->campaign_id == "c17");
  CHECK(m->send_id == "s42");
  CHECK(m->recipient_from_verp == "jane@example.org");
  // The domain is matched case-insensitively, the local part's literals exactly.
  CHECK(t.match("bounces+c17-s42-jane=example.org@BOUNCE.Example.COM"));
  CHECK_FALSE(t.match("Bounces+c17-s42-jane=example.org@bounce.example.com"));
  CHECK_FALSE(t.match("bounces+c17-s42-jane=example.org@other.example.com"));
  CHECK_FALSE(t.match("bounces+c17-s42-jane@bounce.example.com"));  // {email} needs user=domain
  CHECK_FALSE(t.match("bounces+c17-s42@bounce.example.com"));
  CHECK_FALSE(t.match("bounces+-s42-jane=example.org@bounce.example.com"));  // an empty id
  CHECK_FALSE(t.match("nobody@bounce.example.com"));
  CHECK_FALSE(t.match(""));
}

TEST_CASE("ambiguous separators: ids never hold their separator, the address may", "[correlate]") {
  // `-` inside the address's local part and domain: ids before {email} stop at the first `-`.
  const auto before = compiled("bounces+{campaign}-{send}-{email}@b.example");
  auto m = before.match("bounces+c1-s2-john-doe=my-domain.example@b.example");
  REQUIRE(m);
  CHECK(m->campaign_id == "c1");
  CHECK(m->send_id == "s2");
  CHECK(m->recipient_from_verp == "john-doe@my-domain.example");
  // An id that holds the separator is cut at it (documented: choose a separator ids never hold).
  m = before.match("bounces+c-1-s2-x=y.example@b.example");
  REQUIRE(m);
  CHECK(m->campaign_id == "c");
  CHECK(m->send_id == "1");
  CHECK(m->recipient_from_verp == "s2-x@y.example");

  // Ids after {email} are matched from the right: the address keeps its `-`.
  const auto after = compiled("b+{email}-{campaign}-{send}@b.example");
  m = after.match("b+john-doe=ex-ample.com-c1-s2@b.example");
  REQUIRE(m);
  CHECK(m->campaign_id == "c1");
  CHECK(m->send_id == "s2");
  CHECK(m->recipient_from_verp == "john-doe@ex-ample.com");

  // Ids on both sides, and `=` inside the local part: the last `=` stands for `@`.
  const auto both = compiled("{source}.{campaign}+{email}+{transaction}@b.example");
  m = both.match("crm.c9+a=b+c=ex.com+t-1@b.example");
  REQUIRE(m);
  CHECK(m->source_system == "crm");
  CHECK(m->campaign_id == "c9");
  CHECK(m->transaction_id == "t-1");
  CHECK(m->recipient_from_verp == "a=b+c@ex.com");
}

TEST_CASE("every placeholder fills its field", "[correlate]") {
  const auto t = compiled("{campaign}.{send}.{email_id}.{list}.{message}.{source}.{transaction}.{email}@x.example");
  const auto m = t.match("a.b.c.d.e.f.g.u=d.example@x.example");
  REQUIRE(m);
  CHECK(*m == correlation{"a", "b", "c", "d", "e", "f", "g", "u@d.example"});
}

TEST_CASE("bad templates are refused with a reason", "[correlate]") {
  CHECK(compile_error("bounces+{campaign}@b.example").find("{email}") != std::string::npos);
  CHECK(compile_error("bounces+{camp}-{email}@b.example").find("unknown placeholder {camp}") != std::string::npos);
  CHECK(compile_error("bounces+{campaign}{email}@b.example").find("separated") != std::string::npos);
  CHECK(compile_error("bounces+{email}-{email}@b.example").find("twice") != std::string::npos);
  CHECK(compile_error("bounces+{email}").find("@") != std::string::npos);
  CHECK(compile_error("bounces+{email}@{source}.example").find("domain") != std::string::npos);
  CHECK(compile_error("bounces+{email@b.example").find("{ without }") != std::string::npos);
  CHECK(compile_error("bounces}+{email}@b.example").find("} without {") != std::string::npos);
  CHECK(compile_error("a@b@{email}") != "");
  CHECK(compile_error("") != "");
  CHECK(compile_error(std::string(600, 'a') + "{email}@b") != "");
  CHECK(compile_error("{email}@b.example") == "");
}

TEST_CASE("Postfix's plain VERP form without a template", "[correlate]") {
  CHECK(recipient_from_plain_verp("owner-list+jane=example.org@origin.example") == "jane@example.org");
  CHECK(recipient_from_plain_verp("owner-list+jane+tag=example.org@origin.example") == "jane+tag@example.org");
  CHECK(recipient_from_plain_verp("owner-list@origin.example") == "");
  CHECK(recipient_from_plain_verp("+jane=example.org@origin.example") == "");
  CHECK(recipient_from_plain_verp("owner+jane=@origin.example") == "");
  CHECK(recipient_from_plain_verp("owner+=example.org@origin.example") == "");
  CHECK(recipient_from_plain_verp("owner+jane=exa mple.org@origin.example") == "");
  CHECK(recipient_from_plain_verp("owner+jane=example.org") == "");
}

TEST_CASE("precedence: VERP over headers over ENVID, field by field", "[correlate]") {
  const std::vector<verp_template> templates{compiled("bounces+{campaign}-{email}@b.example")};
  const correlation_headers headers;
  const auto report = report_with({{"X-Campaign-ID", "from-header"},
                                   {"x-send-id", "  s-7 "},
                                   {"X-Transaction-ID", "tx-header"},
                                   {"X-Source-System", ""}},
                                  "envid-1");
  auto c = correlate("bounces+c1-jane=example.org@b.example", report, templates, headers);
  CHECK(c.campaign_id == "c1");             // VERP beats the header
  CHECK(c.send_id == "s-7");                // header (case-insensitive name, value trimmed)
  CHECK(c.transaction_id == "tx-header");   // header beats ENVID
  CHECK(c.source_system.empty());           // an empty header is absent
  CHECK(c.recipient_from_verp == "jane@example.org");

  // No template matches: headers; plain VERP still gives the recipient; ENVID fills transaction_id.
  c = correlate("list+joe=example.net@b.example", report_with({{"X-Campaign-ID", "h"}}, " envid-2 "), templates, headers);
  CHECK(c.campaign_id == "h");
  CHECK(c.recipient_from_verp == "joe@example.net");
  CHECK(c.transaction_id == "envid-2");
  CHECK(correlate("x@y", bounced::parser::report{}, templates, headers) == correlation{});
}

TEST_CASE("configured header names: first present wins, Message-ID names the original's", "[correlate]") {
  correlation_headers headers;
  headers.campaign_id = {"X-Mailkit-Campaign", "X-Campaign-ID"};
  headers.send_message_id = {"X-Message-Ref", "Message-ID"};
  headers.list_id = {};
  const auto report = report_with({{"X-Campaign-ID", "second"}, {"X-Mailkit-Campaign", "first"}, {"X-List-ID", "l"},
                                   {"X-Email-ID", std::string(max_id_bytes + 1, 'e')}},
                                  {}, "abc@mta.example");
  const auto c = correlate("x@y", report, {}, headers);
  CHECK(c.campaign_id == "first");
  CHECK(c.send_message_id == "abc@mta.example");
  CHECK(c.list_id.empty());   // no names configured
  CHECK(c.email_id.empty());  // too long: ignored, not cut
}

TEST_CASE("matching stays linear on hostile addresses", "[correlate]") {
  const auto t = compiled("b+{campaign}-{send}-{list}-{email}-{source}-{transaction}@b.example");
  const std::string hostile = "b+" + std::string(1000, '-') + "@b.example";
  CHECK_FALSE(t.match(hostile));
  const std::string too_long = "b+c-s-l-" + std::string(max_address_bytes, 'u') + "=d-x-y@b.example";
  CHECK_FALSE(t.match(too_long));
  CHECK(t.match("b+c-s-l-u=d-x-y@b.example"));
}
