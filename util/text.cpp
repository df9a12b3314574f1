// See text.hpp. Byte-wise and ASCII-only on purpose: mail text arrives in any charset, and case
// folding beyond ASCII is not needed to recognise protocol words.
#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bounced::util {

std::string normalize_newlines(std::string_view text) {
  // Most mail has no CR at all: one memchr decides, and the copy is a memcpy.
  const char* cr = static_cast<const char*>(std::memchr(text.data(), '\r', text.size()));
  if (cr == nullptr) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const void* found = std::memchr(text.data() + i, '\r', text.size() - i);
    const std::size_t at = found ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) : text.size();
    out.append(text.data() + i, at - i);
    if (at == text.size()) break;
    out.push_back('\n');
    i = at + 1;
    if (i < text.size() && text[i] == '\n') ++i;
  }
  return out;
}

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  return out;
}

std::string located(std::string_view source, std::size_t line, std::string_view message) {
  // Appended piece by piece: g++ 12 at -O3 warns falsely (-Wrestrict) on "x" + std::string.
  std::string out(source);
  if (line) {
    out.push_back(':');
    out.append(std::to_string(line));
  }
  out.append(": ");
  out.append(message);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from) noexcept {
  if (needle.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (text.size() < needle.size() || from > text.size() - needle.size()) return std::string_view::npos;
  const std::size_t n = needle.size();
  const std::size_t last = text.size() - n;  // the last position a match can start at
  const char* base = text.data();
  const char first = ascii_lower(needle[0]);
#if defined(__SSE2__)
  // Sixteen positions at a time: a candidate has the needle's first byte at its start and its
  // last byte n - 1 further on, in either case (OR 0x20 folds an ASCII letter to lower case and
  // is applied only where the needle's byte is a letter), and is then compared in full.
  const char final = ascii_lower(needle[n - 1]);
  const auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  const __m128i first_v = _mm_set1_epi8(first), final_v = _mm_set1_epi8(final);
  const __m128i first_fold = _mm_set1_epi8(is_letter(first) ? 0x20 : 0);
  const __m128i final_fold = _mm_set1_epi8(is_letter(final) ? 0x20 : 0);
  std::size_t i = from;
  for (; i <= last && last - i >= 15; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    const __m128i z = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i + n - 1));
    const __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, first_fold), first_v),
                                      _mm_cmpeq_epi8(_mm_or_si128(z, final_fold), final_v));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0; mask &= mask - 1) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      if (iequals(text.substr(at, n), needle)) return at;
    }
  }
  for (; i <= last; ++i)
    if (ascii_lower(base[i]) == first && iequals(text.substr(i, n), needle)) return i;
  return std::string_view::npos;
#else
  // Candidates for the first byte come from memchr (vectorised in glibc), one per case.
  const char upper = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 32) : first;
  std::size_t next_lower = from, next_upper = from;
  auto advance = [&](std::size_t& next, char c, std::size_t start) {
    const void* p = std::memchr(base + start, c, last + 1 - start);
    next = p ? static_cast<std::size_t>(static_cast<const char*>(p) - base) : std::string_view::npos;
  };
  advance(next_lower, first, from);
  if (upper != first) advance(next_upper, upper, from);
  else next_upper = std::string_view::npos;
  while (next_lower != std::string_view::npos || next_upper != std::string_view::npos) {
    const bool take_lower = next_upper == std::string_view::npos || (next_lower != std::string_view::npos && next_lower < next_upper);
    const std::size_t i = take_lower ? next_lower : next_upper;
    if (iequals(text.substr(i + 1, n - 1), needle.substr(1))) return i;
    if (i + 1 > last) return std::string_view::npos;
    if (take_lower) advance(next_lower, first, i + 1);
    else advance(next_upper, upper, i + 1);
  }
  return std::string_view::npos;
#endif
}

bool icontains(std::string_view text, std::string_view needle) noexcept {
  return ifind(text, needle) != std::string_view::npos;
}

// ' ', '\t', '\n', '\v', '\f', '\r' are 9-13 and 32: one range check and one compare.
bool is_space(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u == ' ' || static_cast<unsigned char>(u - '\t') <= '\r' - '\t';
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string fold_space(std::string_view text) {
  // Text between the places folding changes (a control byte, or a space followed by a byte at or
  // below ' ') is copied whole: most header values are one copy.
  std::string out;
  out.reserve(text.size());
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size && is_space(text[i])) ++i;
  while (i < size) {
    std::size_t j = i;
#if defined(__SSE2__)
    const __m128i control = _mm_set1_epi8(0x1F), space = _mm_set1_epi8(' ');
    while (size - j >= 17) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + j));
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + j + 1));
      const __m128i is_control = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);
      const __m128i space_then_low = _mm_and_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(_mm_max_epu8(w, space), space));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(is_control, space_then_low)));
      if (mask != 0) {
        j += static_cast<std::size_t>(__builtin_ctz(mask));
        goto found;
      }
      j += 16;
    }
#endif
    while (j < size && data[j] >= 0x20 && !(data[j] == ' ' && (j + 1 == size || data[j + 1] <= 0x20))) ++j;
#if defined(__SSE2__)
  found:
#endif
    out.append(text.data() + i, j - i);
    if (j == size) break;
    if (!is_space(text[j])) {  // a control byte that is no space stays
      out.push_back(text[j]);
      i = j + 1;
      continue;
    }
    std::size_t k = j;
    while (k < size && is_space(text[k])) ++k;
    if (k == size) break;  // trailing space goes
    out.push_back(' ');
    i = k;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace bounced::util
