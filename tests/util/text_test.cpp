// util/text: the helpers every folder shares.
#include <catch2/catch.hpp>

#include "util/base64.hpp"
#include "util/printable.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

using namespace bounced::util;

TEST_CASE("case-insensitive comparison and search are ASCII-only and bounded", "[util]") {
  CHECK(iequals("MAILER-Daemon", "mailer-daemon"));
  CHECK_FALSE(iequals("abc", "abcd"));
  CHECK(istarts_with("Final-Recipient: x", "final-recipient:"));
  CHECK(iends_with("user@Example.COM", "example.com"));
  CHECK(ifind("xx Undeliverable yy", "UNDELIVERABLE") == 3);
  CHECK(ifind("short", "longer needle") == std::string_view::npos);
  CHECK(icontains(std::string(100, 'a') + "NeEdLe", "needle"));
  CHECK(to_lower("ÄBC") == "\xC3\x84" "bc");  // bytes above ASCII stay
}

TEST_CASE("trimming, folding and splitting", "[util]") {
  CHECK(trim("  \t a b \r\n") == "a b");
  CHECK(fold_space("  a \n\t b  ") == "a b");
  CHECK(normalize_newlines("a\r\nb\rc\n") == "a\nb\nc\n");
  const auto lines = split_lines("a\n\nb");
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].empty());
  CHECK(is_space('\v'));
  CHECK_FALSE(is_space('x'));
}

TEST_CASE("base64, UTF-8 and printable", "[util]") {
  CHECK(decode_base64("aGVs\nbG8=") == "hello");
  CHECK(decode_base64("!!!") == "");
  CHECK(is_valid_utf8("h\xC3\xA9"));
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK(repair_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(utf8_prefix("h\xC3\xA9llo", 2) == "h");
  std::string out;
  append_utf8(out, 0x20AC);
  CHECK(out == "\xE2\x82\xAC");
  CHECK(printable("a\nb\x01\xC3\xA9", 200) == "a?b???");
  CHECK(printable("abcdef", 3) == "abc");
}

TEST_CASE("upper case is ASCII-only, and an error is located as compilers locate one", "[util]") {
  CHECK(to_upper("smtp; x-Unix 5.1.1") == "SMTP; X-UNIX 5.1.1");
  CHECK(to_upper("caf\xc3\xa9") == "CAF\xc3\xa9");  // bytes past ASCII stay as they are
  CHECK(to_upper("") == "");
  CHECK(located("rules.toml", 12, "unknown key") == "rules.toml:12: unknown key");
  CHECK(located("shipped:en", 0, "no phrases") == "shipped:en: no phrases");
}

TEST_CASE("hexadecimal digits in either case", "[util]") {
  CHECK(hex_value('0') == 0);
  CHECK(hex_value('9') == 9);
  CHECK(hex_value('a') == 10);
  CHECK(hex_value('F') == 15);
  CHECK(hex_value('g') == -1);
  CHECK(hex_value('=') == -1);
}
