// See http_util.hpp.
#include "daemon/httpd/http_util.hpp"
#include "util/text.hpp"
#include "util/base64.hpp"

#include <fmt/format.h>

#include <charconv>
#include <iterator>


namespace bounced::daemon {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty() || s.size() > 18 || s[0] < '0' || s[0] > '9') return std::nullopt;  // "-0", "+1": no sign
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::optional<std::int64_t> capped_count(std::string_view s, std::int64_t cap) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos || s.find_first_not_of('0') == std::string_view::npos)
    return std::nullopt;
  const auto v = to_int(s);
  return v && *v < cap ? *v : cap;
}

bool same_secret(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ (i < expected.size() ? expected[i] : 0));
  return diff == 0;
}

bool known_client(const std::vector<api_key>& clients, std::string_view id, std::string_view secret) {
  unsigned ok = 0;  // no short circuit: every secret is compared
  for (const api_key& k : clients) ok |= static_cast<unsigned>(id == k.id) & static_cast<unsigned>(same_secret(secret, k.secret));
  return ok != 0;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !util::iequals(header.substr(0, space), "basic")) return std::nullopt;
  const std::string decoded = util::decode_base64(util::trim(header.substr(space + 1)));
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

bool authorised(const std::vector<api_key>& keys, std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos) return false;
  if (util::iequals(header.substr(0, space), "bearer")) {
    const std::string_view secret = util::trim(header.substr(space + 1));
    bool ok = false;
    for (const api_key& k : keys) ok |= same_secret(secret, k.secret);
    return ok;
  }
  const auto basic = basic_credentials(header);
  return basic && known_client(keys, basic->first, basic->second);
}

http_response json_response(std::string body, unsigned status) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

void append_json_int(std::string& out, std::int64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }

}  // namespace bounced::daemon
