#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "parser/scan.hpp"
#include "parser/text.hpp"

using namespace bounced::parser;

namespace {

// original_start's markers searched one by one in a lower-cased copy: the plain form of what
// it does with one pass per anchor word.
std::size_t plain_original_start(std::string_view text) {
  const std::string lowered = to_lower(text);
  std::size_t best = std::string_view::npos;
  for (std::string_view m : original_markers()) best = std::min(best, lowered.find(to_lower(m)));
  return best;
}

}  // namespace

TEST_CASE("the quoted original starts at the earliest marker", "[scan]") {
  CHECK(original_start("notice\n----- Original message -----\nFrom: a") == 7);
  CHECK(original_start("notice\n------ This is a copy of the headers\n") == 7);
  CHECK(original_start("x\nReturn-Path: <a@b.c>\n") == 1);
  CHECK(original_start("the message was refused\nORIGINAL-HEADERS:\n") == 24);
  CHECK(original_start("no marker, only the word message and headers and return-path") == std::string_view::npos);
  // Two markers: the earlier one wins, wherever its anchor word is.
  CHECK(original_start("Included is a copy of the message header\n----- Original message -----") == 0);
  CHECK(cut_original("notice\n--- Original message follows\nbody") == "notice\n");
}

TEST_CASE("original_start agrees with a marker-by-marker search", "[scan]") {
  // Texts made of pieces of markers, their anchor words, case flips and filler, so that partial
  // and overlapping markers come up often.
  std::uint32_t seed = 4242;
  auto next = [&] {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 16) & 0x7FFF;
  };
  const std::array<std::string_view, 8> filler = {"message ", "headers", "return-path", "\n", "-----", " of the ", "x", "Copy"};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const std::size_t pieces = next() % 12;
    for (std::size_t p = 0; p < pieces; ++p) {
      if (next() % 3 == 0) {
        const auto markers = original_markers();
        std::string_view m = markers[next() % markers.size()];
        const std::size_t from = next() % 4 == 0 ? next() % m.size() : 0;
        const std::size_t to = next() % 3 == 0 ? from + next() % (m.size() - from + 1) : m.size();
        text += m.substr(from, to - from);
      } else {
        text += filler[next() % filler.size()];
      }
    }
    for (char& c : text)
      if (next() % 7 == 0) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : (c >= 'A' && c <= 'Z' ? c + 32 : c));
    INFO("text [" << text << "]");
    REQUIRE(original_start(text) == plain_original_start(text));
  }
}
