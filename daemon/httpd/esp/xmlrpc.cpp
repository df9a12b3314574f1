// See xmlrpc.hpp.
#include "daemon/httpd/esp/xmlrpc.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>


namespace bounced::daemon::xmlrpc {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Appends a code point as UTF-8; false for one XML 1.0 does not allow.
bool append_code_point(std::string& out, std::uint32_t cp) {
  const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
  if (!allowed) return false;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return true;
}

// A cursor over the body. Each step either moves on or records the first error and stops.
class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  bool failed() const { return !error_.empty(); }
  const std::string& message() const { return error_; }
  // Where the cursor is, and back there: peek_open() skips the white space it looks past.
  std::size_t position() const { return pos_; }
  void rewind(std::size_t to) { pos_ = to; }
  bool at_end() {
    skip_misc();
    return pos_ >= text_.size();
  }

  // White space, comments and (at the start) the XML declaration.
  void skip_misc() {
    for (;;) {
      while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
      if (text_.substr(pos_).starts_with("<!--")) {
        const auto end = text_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return fail("a comment is not closed");
        pos_ = end + 3;
      } else if (text_.substr(pos_).starts_with("<?")) {
        const auto end = text_.find("?>", pos_ + 2);
        if (end == std::string_view::npos) return fail("a processing instruction is not closed");
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  // The next tag's name if the next thing is an opening tag (no attributes are expected in
  // XML-RPC; any are skipped), without moving. "" otherwise.
  std::string_view peek_open() {
    skip_misc();
    if (pos_ >= text_.size() || text_[pos_] != '<' || pos_ + 1 >= text_.size() || text_[pos_ + 1] == '/' ||
        text_[pos_ + 1] == '!')
      return {};
    std::size_t end = pos_ + 1;
    while (end < text_.size() && !is_space(text_[end]) && text_[end] != '>' && text_[end] != '/') ++end;
    return text_.substr(pos_ + 1, end - pos_ - 1);
  }

  // Consumes <name> (or <name/>: returns true in empty).
  void open(std::string_view name, bool* empty = nullptr) {
    if (failed()) return;
    if (peek_open() != name) return fail("expected <" + std::string(name) + ">");
    const auto close = text_.find('>', pos_);
    if (close == std::string_view::npos) return fail("a tag is not closed");
    const bool self_closing = text_[close - 1] == '/';
    if (self_closing && !empty) return fail("<" + std::string(name) + "/> must not be empty");
    if (empty) *empty = self_closing;
    pos_ = close + 1;
  }

  void close(std::string_view name) {
    if (failed()) return;
    skip_misc();
    const std::string tag = "</" + std::string(name);
    if (!text_.substr(pos_).starts_with(tag)) return fail("expected </" + std::string(name) + ">");
    std::size_t p = pos_ + tag.size();
    while (p < text_.size() && is_space(text_[p])) ++p;
    if (p >= text_.size() || text_[p] != '>') return fail("expected </" + std::string(name) + ">");
    pos_ = p + 1;
  }

  // Character data up to the next '<', entities decoded; comments inside are skipped.
  std::string text() {
    std::string out;
    while (!failed() && pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '<') {
        if (text_.substr(pos_).starts_with("<!--")) {
          const auto end = text_.find("-->", pos_ + 4);
          if (end == std::string_view::npos) fail("a comment is not closed");
          else pos_ = end + 3;
          continue;
        }
        break;
      }
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      const auto semi = text_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) {
        fail("an entity is not closed");
        break;
      }
      const std::string_view name = text_.substr(pos_ + 1, semi - pos_ - 1);
      pos_ = semi + 1;
      if (name == "lt") out += '<';
      else if (name == "gt") out += '>';
      else if (name == "amp") out += '&';
      else if (name == "quot") out += '"';
      else if (name == "apos") out += '\'';
      else if (name.starts_with('#')) {
        const bool hex = name.size() > 1 && name[1] == 'x';  // XML 1.0 [66]: &#x, lower case
        const std::string_view digits = name.substr(hex ? 2 : 1);
        std::uint32_t cp = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || !append_code_point(out, cp))
          fail("a character reference names no allowed character");
      } else {
        fail("unknown entity &" + std::string(name) + ";");
      }
    }
    return out;
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

// <value>...</value>: a typed scalar, or bare text (a string, XML-RPC says).
std::optional<value> read_value(reader& r) {
  r.open("value");
  if (r.failed()) return std::nullopt;
  value v;
  const std::size_t content = r.position();
  const std::string_view type = r.peek_open();
  if (type.empty()) {
    // Untyped: a string, with the white space peek_open() looked past.
    r.rewind(content);
    v.type = "string";
    v.text = r.text();
  } else if (type == "array" || type == "struct") {
    r.fail("a parameter must be a single value, not an " + std::string(type));
    return std::nullopt;
  } else if (type == "string" || type == "int" || type == "i4" || type == "i8" || type == "boolean" || type == "double" ||
             type == "dateTime.iso8601" || type == "base64" || type == "nil") {
    v.type = std::string(type);
    bool empty = false;
    r.open(type, &empty);
    if (!empty) {
      v.text = r.text();
      r.close(type);
    }
  } else {
    r.fail("unknown value type <" + std::string(type) + ">");
    return std::nullopt;
  }
  r.close("value");
  if (r.failed()) return std::nullopt;
  return v;
}

}  // namespace

std::variant<call, error> parse_call(std::string_view body) {
  reader r(body);
  call c;
  r.open("methodCall");
  r.open("methodName");
  c.method = r.text();
  r.close("methodName");
  if (!r.failed() && r.peek_open() == "params") {
    bool empty = false;
    r.open("params", &empty);
    while (!empty && !r.failed() && r.peek_open() == "param") {
      r.open("param");
      auto v = read_value(r);
      r.close("param");
      if (v) c.params.push_back(std::move(*v));
    }
    if (!empty) r.close("params");
  }
  r.close("methodCall");
  if (!r.failed() && !r.at_end()) r.fail("text after </methodCall>");
  if (r.failed()) return error{r.message()};
  return c;
}

void append_escaped(std::string& out, std::string_view text) {
  const std::string valid = util::repair_utf8(text);
  std::size_t i = 0;
  while (i < valid.size()) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "\xEF\xBF\xBD";
    else if (c == 0xEF && i + 2 < valid.size() && static_cast<unsigned char>(valid[i + 1]) == 0xBF &&
             (static_cast<unsigned char>(valid[i + 2]) == 0xBE || static_cast<unsigned char>(valid[i + 2]) == 0xBF)) {
      out += "\xEF\xBF\xBD";  // U+FFFE and U+FFFF are not XML characters either
      i += 3;
      continue;
    } else out += static_cast<char>(c);
    ++i;
  }
}

std::string response_head() {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<methodResponse><params><param><value>";
}

std::string response_tail() { return "</value></param></params></methodResponse>\n"; }

std::string string_response(std::string_view text) {
  std::string out = response_head() + "<string>";
  append_escaped(out, text);
  return out + "</string>" + response_tail();
}

std::string fault(int code, std::string_view message) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<methodResponse><fault><value><struct>"
      "<member><name>faultCode</name><value><int>{}</int></value></member>"
      "<member><name>faultString</name><value><string>",
      code);
  append_escaped(out, message);
  return out + "</string></value></member></struct></value></fault></methodResponse>\n";
}

}  // namespace bounced::daemon::xmlrpc
