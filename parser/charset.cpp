// See charset.hpp. iconv is part of glibc. Opening a descriptor loads the charset's gconv module
// (a dlopen) and costs more than most conversions, so each thread keeps the descriptors it opened
// (they are not thread-safe) for up to 32 charsets, failures included.
#include "parser/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "parser/text.hpp"

namespace bounced::parser {




namespace {

const iconv_t invalid_descriptor = reinterpret_cast<iconv_t>(-1);

class descriptor_cache {
 public:
  descriptor_cache() = default;
  descriptor_cache(const descriptor_cache&) = delete;
  descriptor_cache& operator=(const descriptor_cache&) = delete;
  ~descriptor_cache() {
    for (auto& [name, cd] : open_)
      if (cd != invalid_descriptor) iconv_close(cd);
  }

  // A descriptor in its initial shift state, or invalid_descriptor for an unknown charset.
  iconv_t get(const std::string& charset) {
    for (auto& [name, cd] : open_) {
      if (name != charset) continue;
      if (cd != invalid_descriptor) iconv(cd, nullptr, nullptr, nullptr, nullptr);
      return cd;
    }
    iconv_t cd = iconv_open("UTF-8//TRANSLIT", charset.c_str());
    if (cd == invalid_descriptor && open_.size() < capacity) open_.emplace_back(charset, cd);
    return cd;
  }

  // Hands back a descriptor from get(): kept when it is cached or there is room, else closed.
  void put(const std::string& charset, iconv_t cd) {
    for (auto& [name, cached] : open_)
      if (name == charset && cached == cd) return;
    if (open_.size() < capacity) open_.emplace_back(charset, cd);
    else iconv_close(cd);
  }

 private:
  static constexpr std::size_t capacity = 32;
  std::vector<std::pair<std::string, iconv_t>> open_;
};

descriptor_cache& thread_cache() {
  thread_local descriptor_cache cache;
  return cache;
}

}  // namespace

std::string to_utf8(std::string_view text, std::string_view charset) {
  std::string cs = to_lower(trim(charset));
  if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') cs = cs.substr(1, cs.size() - 2);
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii" || cs == "unknown-8bit" ||
      cs == "x-unknown")
    return repair_utf8(text);
  // ISO-2022-JP is 7-bit: 8-bit text labelled so was converted on the way (a copy saved as
  // UTF-8 keeps its old label); when it is valid UTF-8, it is taken as such.
  if (cs.rfind("iso-2022-", 0) == 0) {
    bool eight_bit = false;
    for (char c : text) eight_bit = eight_bit || static_cast<unsigned char>(c) >= 0x80;
    if (eight_bit) {
      std::string repaired = repair_utf8(text);
      if (repaired == text) return repaired;
    }
  }
  descriptor_cache& cache = thread_cache();
  iconv_t cd = cache.get(cs);
  if (cd == invalid_descriptor) return repair_utf8(text);
  std::string out;
  out.resize(text.size() * 3 + 16);
  std::vector<char> in(text.begin(), text.end());
  char* inp = in.data();
  std::size_t inleft = in.size();
  char* outp = out.data();
  std::size_t outleft = out.size();
  while (inleft > 0) {
    const std::size_t rc = iconv(cd, &inp, &inleft, &outp, &outleft);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(outp - out.data());
      out.resize(out.size() * 2);
      outp = out.data() + used;
      outleft = out.size() - used;
    } else {
      // An invalid or incomplete sequence: keep a replacement character and go on.
      if (outleft < 3) {
        const std::size_t used = static_cast<std::size_t>(outp - out.data());
        out.resize(out.size() * 2);
        outp = out.data() + used;
        outleft = out.size() - used;
      }
      *outp++ = '\xEF';
      *outp++ = '\xBF';
      *outp++ = '\xBD';
      outleft -= 3;
      ++inp;
      --inleft;
    }
  }
  out.resize(static_cast<std::size_t>(outp - out.data()));
  cache.put(cs, cd);
  return repair_utf8(out);
}

static std::string decode_b(std::string_view in) {
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else continue;
    acc = (acc << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

static std::string decode_q(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') out.push_back(' ');
    else if (in[i] == '=' && i + 2 < in.size() + 0 && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else out.push_back(in[i]);
  }
  return out;
}

std::string header_value(std::string_view raw) {
  std::string value = fold_space(raw);
  // Most values are plain ASCII: no second copy for them.
  if (value.find("=?") == std::string::npos && is_valid_utf8(value)) return value;
  return decode_encoded_words(value);
}

std::string decode_encoded_words(std::string_view value) {
  if (value.find("=?") == std::string_view::npos) return repair_utf8(value);
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  while (i < value.size()) {
    const std::size_t start = value.find("=?", i);
    if (start == std::string_view::npos) break;
    // =?charset?X?text?=
    const std::size_t q1 = value.find('?', start + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= value.size() || value[q1 + 2] != '?') {
      out.append(value.substr(i, start + 2 - i));
      i = start + 2;
      last_was_word = false;
      continue;
    }
    const char enc = ascii_lower(value[q1 + 1]);
    const std::size_t end = value.find("?=", q1 + 3);
    if ((enc != 'b' && enc != 'q') || end == std::string_view::npos) {
      out.append(value.substr(i, start + 2 - i));
      i = start + 2;
      last_was_word = false;
      continue;
    }
    std::string_view between = value.substr(i, start - i);
    // RFC 2047 6.2: white space between adjacent encoded words is dropped.
    if (!(last_was_word && trim(between).empty())) out.append(between);
    std::string_view charset = value.substr(start + 2, q1 - start - 2);
    const std::size_t star = charset.find('*');  // RFC 2231 language suffix
    if (star != std::string_view::npos) charset = charset.substr(0, star);
    std::string_view payload = value.substr(q1 + 3, end - q1 - 3);
    const std::string raw = enc == 'b' ? decode_b(payload) : decode_q(payload);
    out += to_utf8(raw, charset);
    i = end + 2;
    last_was_word = true;
  }
  if (i < value.size()) out.append(value.substr(i));
  return repair_utf8(out);
}


}  // namespace bounced::parser
