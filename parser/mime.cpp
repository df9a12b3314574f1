// See mime.hpp. mimetic does the splitting and the base64 / quoted-printable decoding; we copy
// what we need out of its entities, so no mimetic type leaves this file.
#include "parser/mime.hpp"

#include <mimetic/mimetic.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "parser/charset.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

bool mime_part::is(std::string_view t, std::string_view s) const noexcept { return type == t && subtype == s; }

std::string decode_quoted_printable(std::string_view in);

namespace {

std::string transfer_decode(const std::string& body, std::string_view encoding) {
  if (iequals(encoding, "base64")) return decode_base64(body);
  if (iequals(encoding, "quoted-printable")) return decode_quoted_printable(body);
  return body;
}

// RFC 2045 5.1: Content-Type's type, subtype and the two parameters bounced reads. Parsed from
// our copy of the field (mimetic parses its own for the splitting; asking it for ours again
// cost more than the rest of the conversion).
struct content_type {
  std::string type, subtype, charset, report_type;
};

bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u > ' ' && u < 0x7F && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// Past spaces and tabs from i; a token (RFC 2045 5.1) from i, i moved past it.
std::size_t skip_blanks(std::string_view value, std::size_t i) {
  while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  return i;
}

std::string_view take_token(std::string_view value, std::size_t& i) {
  const std::size_t start = i;
  while (i < value.size() && is_token_char(value[i])) ++i;
  return value.substr(start, i - start);
}

// RFC 2045 5.1 parameters (name=token or name="quoted string") after each ';' from `from` on,
// each handed to f(name, value) with its quoted-pairs undone.
template <class F>
void for_each_parameter(std::string_view value, std::size_t from, F&& f) {
  std::size_t i = from;
  const auto skip_space = [&] { i = skip_blanks(value, i); };
  const auto token = [&] { return take_token(value, i); };
  for (;;) {
    const std::size_t semi = value.find(';', i);
    if (semi == std::string_view::npos) break;
    i = semi + 1;
    skip_space();
    const std::string_view name = token();
    skip_space();
    if (i >= value.size() || value[i] != '=') continue;
    ++i;
    skip_space();
    std::string param;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        param.push_back(value[i]);
      }
      if (i < value.size()) ++i;
    } else {
      param = std::string(token());
    }
    f(name, std::move(param));
  }
}

content_type parse_content_type(std::string_view value) {
  content_type ct;
  std::size_t i = 0;
  const auto skip_space = [&] { i = skip_blanks(value, i); };
  const auto token = [&] { return take_token(value, i); };
  skip_space();
  const std::string_view type = token();
  skip_space();
  if (i < value.size() && value[i] == '/') {
    ++i;
    skip_space();
    ct.type = to_lower(type);
    ct.subtype = to_lower(token());
  }
  for_each_parameter(value, i, [&ct](std::string_view name, std::string&& param) {
    if (iequals(name, "charset")) ct.charset = std::move(param);
    else if (iequals(name, "report-type")) ct.report_type = to_lower(param);
  });
  return ct;
}

struct converter {
  std::size_t parts = 0;

  void convert(const mimetic::MimeEntity& entity, mime_part& out, std::size_t depth) {
    ++parts;
    for (const auto& field : entity.header()) {
      if (out.headers.size() >= max_header_fields) break;
      out.headers.push_back({field.name(), header_value(field.value())});
    }
    content_type ct = parse_content_type(header_or_empty(out.headers, "Content-Type"));
    if (!ct.type.empty() && !ct.subtype.empty()) {
      out.type = std::move(ct.type);
      out.subtype = std::move(ct.subtype);
    }
    const std::string charset = std::move(ct.charset);
    if (!ct.report_type.empty()) out.report_type = std::move(ct.report_type);
    const std::string encoding = header_or_empty(out.headers, "Content-Transfer-Encoding");
    const auto& parts_list = entity.body().parts();
    if (!parts_list.empty() && depth < max_mime_depth) {
      for (const mimetic::MimeEntity* child : parts_list) {
        if (parts >= max_mime_parts) break;
        out.children.emplace_back();
        convert(*child, out.children.back(), depth + 1);
      }
      // Some MTAs write their whole notice in the preamble, before the first boundary.
      if (out.type == "multipart") out.body = to_utf8(normalize_newlines(entity.body().preamble()), charset);
      return;
    }
    // A multipart whose boundary never occurs (parts stripped by a relay) keeps its whole text
    // in mimetic's preamble: read it as the part's body then.
    const std::string& raw_body =
        (out.type == "multipart" && entity.body().empty()) ? entity.body().preamble() : entity.body();
    // Only text ever says anything about a delivery: images, archives and other attachments are
    // neither decoded nor kept, which spares the time and memory they would take.
    if (out.type != "text" && out.type != "message" && out.type != "multipart" && out.subtype != "json") return;
    out.body = to_utf8(normalize_newlines(transfer_decode(raw_body, trim(encoding))), charset);
  }
};

}  // namespace

// RFC 2045 6.7: quoted-printable; "=" at the end of a line is a soft break, "=XX" a byte, and a
// malformed "=" stays as it is.
std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const void* eq = std::memchr(in.data() + i, '=', in.size() - i);
    const std::size_t at = eq ? static_cast<std::size_t>(static_cast<const char*>(eq) - in.data()) : in.size();
    out.append(in.data() + i, at - i);
    if (at == in.size()) break;
    i = at + 1;
    std::size_t j = i;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < in.size() && (in[j] == '\n' || in[j] == '\r')) {  // soft line break
      i = j + 1;
      if (in[j] == '\r' && i < in.size() && in[i] == '\n') ++i;
      continue;
    }
    if (j == in.size()) break;
    if (i + 1 < in.size() && hex_value(in[i]) >= 0 && hex_value(in[i + 1]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i]) * 16 + hex_value(in[i + 1])));
      i += 2;
    } else {
      out.push_back('=');
    }
  }
  return out;
}


std::optional<std::string> mime_parameter(std::string_view value, std::string_view name) {
  std::optional<std::string> found;
  for_each_parameter(value, 0, [&](std::string_view n, std::string&& param) {
    if (!found && iequals(n, name)) found = std::move(param);
  });
  return found;
}

mime_part parse_mime(std::string_view message) {
  mime_part root;
  try {
    mimetic::MimeEntity entity(message.begin(), message.end());
    converter c;
    c.convert(entity, root, 0);
  } catch (...) {
    // mimetic threw on malformed input: fall back to one text part with the raw body.
    root = mime_part{};
    std::string_view header, body;
    split_header_body(message, header, body);
    root.headers = parse_headers(header);
    root.body = repair_utf8(body);
  }
  return root;
}

// RFC 2045 6.8: base64, skipping every character outside the alphabet (line breaks, junk).

}  // namespace bounced::parser
