// See mime.hpp. mimetic does the splitting and the base64 / quoted-printable decoding; we copy
// what we need out of its entities, so no mimetic type leaves this file.
#include "parser/mime.hpp"

#include <mimetic/mimetic.h>

#include <iterator>

#include "parser/charset.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

bool mime_part::is(std::string_view t, std::string_view s) const noexcept { return type == t && subtype == s; }

namespace {

std::string transfer_decode(const std::string& body, std::string_view encoding) {
  std::string out;
  if (iequals(encoding, "base64")) {
    out.reserve(body.size() * 3 / 4 + 4);
    mimetic::Base64::Decoder decoder;
    mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
    return out;
  }
  if (iequals(encoding, "quoted-printable")) {
    out.reserve(body.size());
    mimetic::QP::Decoder decoder;
    mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
    return out;
  }
  return body;
}

struct converter {
  std::size_t parts = 0;

  void convert(const mimetic::MimeEntity& entity, mime_part& out, std::size_t depth) {
    ++parts;
    for (const auto& field : entity.header()) {
      if (out.headers.size() >= max_header_fields) break;
      out.headers.push_back({field.name(), decode_encoded_words(fold_space(field.value()))});
    }
    const auto& ct = entity.header().contentType();
    std::string type = to_lower(ct.type()), subtype = to_lower(ct.subtype());
    if (!type.empty() && !subtype.empty()) {
      out.type = std::move(type);
      out.subtype = std::move(subtype);
    }
    std::string charset;
    for (const auto& param : ct.paramList()) {
      if (iequals(param.name(), "charset")) charset = param.value();
      if (iequals(param.name(), "report-type")) out.report_type = to_lower(param.value());
    }
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
    std::string decoded = transfer_decode(raw_body, trim(encoding));
    if (out.type == "text" || out.type == "message" || out.type == "multipart") {
      out.body = to_utf8(normalize_newlines(decoded), charset);
    } else {
      out.body = std::move(decoded);
    }
  }
};

}  // namespace

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

}  // namespace bounced::parser
