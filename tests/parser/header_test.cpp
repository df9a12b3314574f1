#include <catch2/catch.hpp>

#include "parser/header.hpp"

using namespace bounced::parser;

TEST_CASE("header fields unfold and decode", "[header]") {
  auto fields = parse_headers("Subject: =?UTF-8?Q?caf=C3=A9?=\n  folded\nX-Campaign-ID: 42\nnot a field\nTo: a@b.c\n");
  REQUIRE(fields.size() == 3);
  CHECK(fields[0].value == "café folded");
  CHECK(header_or_empty(fields, "x-campaign-id") == "42");
  CHECK(find_header(fields, "Cc") == nullptr);
}

TEST_CASE("header and body split at the first empty line", "[header]") {
  std::string_view h, b;
  split_header_body("From: a@b.c\nTo: d@e.f\n\nbody\n", h, b);
  CHECK(h == "From: a@b.c\nTo: d@e.f\n");
  CHECK(b == "body\n");
  split_header_body("just text\n\nmore", h, b);
  CHECK(h.empty());
  CHECK(b == "just text\n\nmore");
}
