// See http_api.hpp.
#include "daemon/httpd/http_api.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string_view>

#include "daemon/httpd/esp/api_inxmail.hpp"
#include "daemon/httpd/esp/api_mailkit.hpp"
#include "daemon/httpd/esp/api_oempro.hpp"
#include "daemon/httpd/http_util.hpp"
#include "daemon/httpd/routes.hpp"
#include "util/utf8.hpp"

namespace bounced::daemon {

namespace {

// FreshMail's campaign report counts hard_bounce and soft_bounce; bounced adds the other kinds
// and the bounces by category and by reason.
http_response stats(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url) {
  std::optional<std::string> campaign, send;
  if (auto e = repeated_parameter(url)) return *e;
  for (const auto& p : url.params()) {
    if (p.key == "campaign") campaign = p.value;
    else if (p.key == "send") send = p.value;
    else return api_error(400, 1010, "unknown parameter " + p.key);
  }
  auto got = records->connection().stats(campaign, send);
  if (auto* e = std::get_if<storage::error>(&got)) return api_error(500, 500, "storage: " + e->message);
  std::map<std::string, std::int64_t> totals = {{"hard_bounce", 0}, {"soft_bounce", 0}, {"bounce_untyped", 0}, {"complaint", 0},
                                                {"delay", 0},       {"auto_reply", 0},  {"delivery", 0}};
  std::map<std::string, std::int64_t> by_category, by_reason;
  for (const auto& g : std::get<std::vector<storage::stat_group>>(got)) {
    if (g.kind == storage::record_kind::bounce) {
      totals[g.bounce_type == storage::bounce_type::hard   ? "hard_bounce"
             : g.bounce_type == storage::bounce_type::soft ? "soft_bounce"
                                                           : "bounce_untyped"] += g.count;
      by_category[g.category] += g.count;
      by_reason[g.reason] += g.count;
    } else {
      // The JSON key: the kind's spelling with "_" for "-" (auto_reply).
      std::string key(to_string(g.kind));
      std::replace(key.begin(), key.end(), '-', '_');
      totals[key] += g.count;
    }
  }
  std::string body = "{\"campaign\":";
  if (campaign) append_json_string(body, *campaign);
  else body += "null";
  body += ",\"send\":";
  if (send) append_json_string(body, *send);
  else body += "null";
  for (const auto& [name, n] : totals) body += fmt::format(",\"{}\":{}", name, n);
  for (const auto& [name, counts] : {std::pair{"bounces_by_category", &by_category}, std::pair{"bounces_by_reason", &by_reason}}) {
    body += fmt::format(",\"{}\":{{", name);
    bool first = true;
    for (const auto& [key, n] : *counts) {
      if (!first) body += ',';
      first = false;
      append_json_string(body, key);
      body += fmt::format(":{}", n);
    }
    body += '}';
  }
  return json_response(body + "}\n");
}

}  // namespace

http_response api_error(unsigned status, int code, const std::string& message) {
  std::string body = "{\"status\":\"ERROR\",\"errors\":[{\"message\":";
  append_json_string(body, message);
  body += ",\"code\":" + std::to_string(code) + "}]}\n";
  return json_response(std::move(body), status);
}

record_source::record_source(std::string location) : stores_(std::move(location)) {}

storage::store& record_source::connection() { return stores_.local(); }

http_api::http_api(std::vector<api_key> keys, std::shared_ptr<record_source> records,
                   std::function<std::string()> metrics_text, esp_settings esp,
                   std::function<std::string()> storage_trouble)
    : keys_(std::move(keys)),
      records_(std::move(records)),
      metrics_text_(std::move(metrics_text)),
      esp_(std::move(esp)),
      storage_trouble_(std::move(storage_trouble)) {}

namespace {

// The route's path as sent, before any decoding: enough to tell whose error shape an answer takes.
std::string_view raw_path(std::string_view target) { return target.substr(0, target.find('?')); }

// A refusal in the shape of the route the target names.
http_response refusal(std::string_view target, unsigned status, int code, const std::string& message) {
  const std::string_view path = raw_path(target);
  if (path == "/api.php") return oempro_refusal(status == 413 ? 1 : 3, message, status);
  if (path == "/json.fcgi" || path == "/rpc.fcgi") return mailkit_refusal(path == "/rpc.fcgi", message, status);
  if (is_inxmail_path(path)) return inxmail_refusal(status, message, target);
  return api_error(status, code, message);
}

}  // namespace

http_response http_api::too_large(std::size_t limit, std::string_view target) {
  return refusal(target, 413, 1014, "the request body is over the limit of " + std::to_string(limit) + " bytes");
}

http_response http_api::header_too_large(std::size_t limit, std::string_view target) {
  return refusal(target, 431, 1015, "the request line and header are over the limit of " + std::to_string(limit) + " bytes");
}

http_response http_api::handle(const http_request& request) const {
  auto parsed = boost::urls::parse_origin_form(request.target);
  // An ESP's route answers a target it cannot read with its own error (Inxmail's 400 body).
  if (!parsed && is_inxmail_path(raw_path(request.target))) return inxmail(request, keys_, records_, 0);
  if (!parsed) return refusal(request.target, 400, 1010, "the request target is not a valid path and query");
  const boost::urls::url_view url = *parsed;
  const std::string path = url.path();
  if (path == "/healthz") {
    http_response r;
    r.content_type = "text/plain";
    r.body = "ok\n";
    if (const std::string why = storage_trouble_ ? storage_trouble_() : std::string(); !why.empty()) {
      // The reason names files and system errors: for loopback clients and /v1's keys only.
      // Anyone else (a load balancer's check) sees the status.
      r.status = 503;
      const bool told = request.loopback || (!keys_.empty() && authorised(keys_, request.authorization));
      r.body = told ? "storage failing: " + why + "\n" : "storage failing\n";
    }
    return r;
  }
  if (path == "/metrics" && metrics_text_) {
    http_response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_text_();
    return r;
  }
  // The ESP interfaces, each with its own credentials and error shapes.
  try {
    if (path == "/json.fcgi") return mailkit_json(request, esp_.mailkit_clients, records_);
    if (path == "/rpc.fcgi") return mailkit_xmlrpc(request, esp_.mailkit_clients, records_);
    if (is_inxmail_path(path)) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      return inxmail(request, keys_, records_, now);
    }
    if (path == "/api.php") return oempro(request, esp_.oempro_networks, esp_.sink, esp_.message_size_bytes);
  } catch (const std::exception& e) {
    return api_error(500, 500, std::string("server error: ") + e.what());
  }
  if (!path.starts_with("/v1/")) return api_error(404, 1001, "no such route: " + path);
  if (keys_.empty()) {
    if (!request.loopback) return api_error(403, 1004, "no API key is configured: only loopback clients are served");
  } else if (!authorised(keys_, request.authorization)) {
    http_response r = api_error(401, 1000, "missing or wrong credentials: use Authorization: Bearer KEY or Basic");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"bounced\", Basic realm=\"bounced\"");
    return r;
  }
  const std::string_view rest = std::string_view(path).substr(4);
  const auto route = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!rest.starts_with(prefix)) return std::nullopt;
    return rest.substr(prefix.size());
  };
  const bool get = request.method == "GET";
  try {
    if (rest == "bounces") {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return export_page(records_, url);
    }
    if (auto id = route("bounces/"); id && id->find('/') == std::string_view::npos) {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return one_record(records_, *id);
    }
    if (rest == "messages") {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return messages_page(records_, url);
    }
    if (auto id = route("messages/"); id && id->find('/') == std::string_view::npos) {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return one_message(records_, *id);
    }
    if (rest == "stats") {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return stats(records_, url);
    }
    if (rest == "suppressions") {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return suppressions_page(records_, url);
    }
    if (rest == "suppressions/block" || rest == "suppressions/unblock") {
      if (request.method != "POST") return api_error(405, 1003, "use POST for " + path);
      return change_blocks(records_, request.body, rest == "suppressions/block");
    }
    if (auto address = route("suppressions/"); address && address->find('/') == std::string_view::npos) {
      if (!get) return api_error(405, 1003, "use GET for " + path);
      return one_suppression(records_, std::string(*address));
    }
    if (auto address = route("addresses/"); address && address->find('/') == std::string_view::npos) {
      if (request.method != "DELETE") return api_error(405, 1003, "use DELETE for " + path);
      return erase_address(records_, std::string(*address));
    }
  } catch (const std::exception& e) {
    return api_error(500, 500, std::string("server error: ") + e.what());
  }
  return api_error(404, 1001, "no such route: " + path);
}

std::string format_rfc3339(std::int64_t epoch_seconds) {
  const std::chrono::sys_seconds t{std::chrono::seconds(epoch_seconds)};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

void append_json_string(std::string& out, std::string_view s) {
  // Almost every value is valid UTF-8: then only ASCII needs escaping. Otherwise each byte that
  // starts no valid sequence (util::is_valid_utf8's rules) becomes U+FFFD.
  const bool valid = util::is_valid_utf8(s);
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    if (valid) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = 2;
    while (n <= 4 && (i + n > s.size() || !util::is_valid_utf8(s.substr(i, n)))) ++n;
    if (n > 4) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out += '"';
}

}  // namespace bounced::daemon
