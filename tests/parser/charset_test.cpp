#include <catch2/catch.hpp>

#include "parser/charset.hpp"

using namespace bounced::parser;

TEST_CASE("RFC 2047 encoded words decode to UTF-8", "[charset]") {
  CHECK(decode_encoded_words("=?UTF-8?B?44GC44KK44GM44Go44GG?=") == "\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C\xE3\x81\xA8\xE3\x81\x86");
  CHECK(decode_encoded_words("=?ISO-8859-1?Q?caf=E9_au_lait?=") == "caf\xC3\xA9 au lait");
  // RFC 2047 6.2: white space between adjacent encoded words is dropped.
  CHECK(decode_encoded_words("=?US-ASCII?Q?a?= =?US-ASCII?Q?b?=") == "ab");
  CHECK(decode_encoded_words("plain =?bogus") == "plain =?bogus");
  CHECK(decode_encoded_words("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=") == "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
}

TEST_CASE("invalid UTF-8 is repaired, never passed on", "[charset]") {
  CHECK(repair_utf8("ok") == "ok");
  CHECK(repair_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(is_valid_utf8(repair_utf8("\xE3\x81")));
  CHECK(to_utf8("caf\xE9", "unknown-charset") == "caf\xEF\xBF\xBD");
  CHECK(to_utf8("caf\xE9", "windows-1252") == "caf\xC3\xA9");
}

TEST_CASE("UTF-8 prefixes never cut a sequence", "[charset]") {
  const std::string text = "\xE3\x81\x82\xE3\x81\x82";
  CHECK(utf8_prefix(text, 4) == "\xE3\x81\x82");
  CHECK(utf8_prefix(text, 10) == text);
}

TEST_CASE("8-bit UTF-8 text labelled ISO-2022-JP is kept as UTF-8", "[charset]") {
  CHECK(to_utf8("\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", "ISO-2022-JP") == "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc");
  // Real ISO-2022-JP (ESC $ B ... ESC ( B) is still converted.
  CHECK(to_utf8("\x1b$B%(%i!<\x1b(B", "ISO-2022-JP") == "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc");
}
