// See routes.hpp: the suppressions, the blocks made by hand, and the erasure of an address.
#include "daemon/httpd/routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "parser/text.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace {

// An address a block may name: the parser's plausible address, within RFC 5321's 254 octets.
// An address as the decoder reads one: what may be stored, and so what may be erased.
bool valid_address(std::string_view a) { return a.size() <= 254 && parser::looks_like_address(a); }

// An address to block: a valid one, and besides (RFC 5321 4.1.2, RFC 1035 2.3.1) a dot-atom
// local part without a dot at either end or two together (a quoted one is taken as it is), and a
// domain of labels that are not empty and neither start nor end with a hyphen (an address literal
// in brackets is taken as it is).
bool correct_address(std::string_view a) {
  if (!valid_address(a)) return false;
  const std::size_t at = a.rfind('@');
  const std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
  if (!local.starts_with('"') && (local.starts_with('.') || local.ends_with('.') || local.find("..") != std::string_view::npos))
    return false;
  if (domain.starts_with('[')) return true;
  for (std::size_t from = 0;;) {
    const std::size_t dot = domain.find('.', from);
    const std::string_view label = domain.substr(from, dot == std::string_view::npos ? std::string_view::npos : dot - from);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (dot == std::string_view::npos) return true;
    from = dot + 1;
  }
}

void append_suppression_json(std::string& out, const storage::suppression& s) {
  out += "{\"address\":";
  append_json_string(out, s.address);
  out += ",\"state\":";
  append_json_string(out, s.blocked_at ? "blocked" : to_string(s.state));
  out += ",\"bounce_state\":";
  append_json_string(out, to_string(s.state));
  out += fmt::format(",\"soft_count\":{},\"hard_count\":{},\"complaint_count\":{},\"last_record_id\":{}", s.soft_count,
                     s.hard_count, s.complaint_count, s.last_row_id);
  out += ",\"updated_at\":\"" + format_rfc3339(s.updated_at) + "\",\"blocked_at\":";
  out += s.blocked_at ? "\"" + format_rfc3339(*s.blocked_at) + "\"" : std::string("null");
  out += '}';
}

}  // namespace

http_response suppressions_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url) {
  std::string after;
  std::int64_t limit = http_api::default_limit;
  bool blocked_only = false;
  if (auto e = repeated_parameter(url)) return *e;
  for (const auto& p : url.params()) {
    if (p.key == "after") {
      after = util::to_lower(p.value);
    } else if (p.key == "limit") {
      auto v = read_limit(p.value);
      if (auto* e = std::get_if<http_response>(&v)) return std::move(*e);
      limit = std::get<std::int64_t>(v);
    } else if (p.key == "blocked") {
      if (p.value != "true" && p.value != "false") return api_error(400, 1010, "blocked must be true or false");
      blocked_only = p.value == "true";
    } else {
      return api_error(400, 1010, "unknown parameter " + p.key);
    }
  }
  auto got = records->connection().page_suppressions(after, limit + 1, blocked_only);
  if (auto* e = std::get_if<storage::error>(&got)) return api_error(500, 500, "storage: " + e->message);
  auto& list = std::get<std::vector<storage::suppression>>(got);
  const bool more = static_cast<std::int64_t>(list.size()) > limit;
  if (more) list.pop_back();
  std::string body = "{\"suppressions\":[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) body += ',';
    append_suppression_json(body, list[i]);
  }
  body += "],\"next_after\":";
  if (more) append_json_string(body, list.back().address);
  else body += "null";
  return json_response(body + "}\n");
}

http_response one_suppression(const std::shared_ptr<record_source>& records, const std::string& address) {
  auto got = records->connection().suppression_of(address);
  if (auto* e = std::get_if<storage::error>(&got)) return api_error(500, 500, "storage: " + e->message);
  const auto& s = std::get<std::optional<storage::suppression>>(got);
  if (!s) return api_error(404, 1013, "no suppression entry for " + address);
  std::string body;
  append_suppression_json(body, *s);
  return json_response(body + "\n");
}

// FreshMail's addBlocks and removeBlocks: {"emails": [...]} in, stats out. "emails" may also be
// an object, as the document writes it (and PHP's json_encode makes of an array whose keys are not
// 0, 1, 2...): its values are the addresses.
http_response change_blocks(const std::shared_ptr<record_source>& records, const std::string& body, bool add) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return api_error(400, 1343, "the body must be a JSON object: {\"emails\": [...]}");
  const auto* emails = doc.as_object().if_contains("emails");
  std::vector<const boost::json::value*> given;
  if (emails && emails->is_array())
    for (const auto& e : emails->as_array()) given.push_back(&e);
  else if (emails && emails->is_object())
    for (const auto& [key, e] : emails->as_object()) given.push_back(&e);
  if (given.empty()) return api_error(400, 1336, "no addresses given: {\"emails\": [...]}");
  if (given.size() > 1000) return api_error(400, 1399, "too many addresses in one request: at most 1000");
  std::vector<std::string> good;
  std::string incorrect = "[";
  std::int64_t bad = 0;
  for (const boost::json::value* v : given) {
    const boost::json::value& e = *v;
    const std::string a = e.is_string() ? std::string(util::trim(std::string_view(e.as_string()))) : "";
    // Blocking takes correct addresses; unblocking any that may be stored, so that a block once
    // made on an odd address can always be lifted.
    if (add ? correct_address(a) : valid_address(a)) {
      good.push_back(a);
      continue;
    }
    if (bad++) incorrect += ',';
    if (e.is_string()) append_json_string(incorrect, e.as_string());
    else incorrect += boost::json::serialize(e);
  }
  incorrect += ']';
  // addBlocks has 1301 for this; removeBlocks, in the document, only counts them.
  if (good.empty() && add) return api_error(400, 1301, "none of the addresses is correct");
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto& db = records->connection();
  storage::result<storage::block_result> done = storage::block_result{};
  if (!good.empty()) done = add ? db.block(good, now) : db.unblock(good);
  if (auto* e = std::get_if<storage::error>(&done)) return api_error(500, 500, "storage: " + e->message);
  const auto& r = std::get<storage::block_result>(done);
  const std::string stats = add ? fmt::format("\"added\":{},\"existing\":{},\"incorrect\":{}", r.changed, r.unchanged, bad)
                                : fmt::format("\"removed\":{},\"not_existing\":{},\"incorrect\":{}", r.changed, r.unchanged, bad);
  // Incorrect_mails, capital I, as the document spells it.
  return json_response("{\"status\":\"OK\",\"data\":{\"stats\":{" + stats + "},\"Incorrect_mails\":" + incorrect + "}}\n");
}

http_response erase_address(const std::shared_ptr<record_source>& records, const std::string& address) {
  if (!valid_address(address)) return api_error(400, 1010, "not an email address: " + address);
  auto done = records->connection().forget(address);
  if (auto* e = std::get_if<storage::error>(&done)) return api_error(500, 500, "storage: " + e->message);
  const auto& r = std::get<storage::forget_result>(done);
  return json_response(fmt::format("{{\"status\":\"OK\",\"data\":{{\"messages\":{},\"records\":{},\"suppressions\":{}}}}}\n",
                                   r.messages, r.rows, r.suppressions));
}

}  // namespace bounced::daemon
