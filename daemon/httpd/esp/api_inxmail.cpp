// See api_inxmail.hpp.
#include "daemon/httpd/esp/api_inxmail.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "daemon/httpd/http_util.hpp"

namespace bounced::daemon {

namespace {

constexpr std::string_view service_root = "/api-service";
constexpr std::string_view prefix = "/api-service/custom/sap/v1/";
constexpr std::int64_t default_page_size = 100;
constexpr std::int64_t max_page_size = 2000;
constexpr std::int64_t max_page = 1000000000;  // keeps page * pageSize far from overflow

struct civil {
  int year;
  unsigned month, day, hour, minute, second;
};

civil to_civil(std::int64_t epoch) {
  const std::chrono::sys_seconds t{std::chrono::seconds(epoch)};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(hms.hours().count()), static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count())};
}

// yyyyMMddHHmmss, UTC.
std::string compact_time(std::int64_t epoch) {
  const civil c = to_civil(epoch);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

// The document's error timestamps: 2015-10-23T11:22:01.827+0000. Kept in milliseconds: a date
// the client gives may lie past what a nanosecond clock holds (year 2262).
std::string error_time(std::int64_t epoch_ms) {
  const civil c = to_civil(epoch_ms / 1000);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000", c.year, c.month, c.day, c.hour, c.minute, c.second,
                     epoch_ms % 1000);
}

std::string error_time_now() {
  return error_time(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// yyyyMMddHHmmss to epoch seconds: exactly 14 digits naming a real time.
std::optional<std::int64_t> parse_compact_time(std::string_view s) {
  if (s.size() != 14) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const std::chrono::year_month_day ymd{std::chrono::year(num(0, 4)), std::chrono::month(static_cast<unsigned>(num(4, 2))),
                                        std::chrono::day(static_cast<unsigned>(num(6, 2)))};
  const int hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count() * 86400LL + hour * 3600 + minute * 60 + second;
}

http_response inxmail_error(unsigned status, std::string_view error, std::string_view exception, const std::string& message,
                            const std::string& path) {
  std::string body = "{\"error\":";
  append_json_string(body, error);
  body += ",\"exception\":";
  append_json_string(body, exception);
  body += ",\"message\":";
  append_json_string(body, message);
  body += ",\"path\":";
  append_json_string(body, path);
  body += fmt::format(",\"status\":{},\"timestamp\":\"{}\"}}\n", status, error_time_now());
  return json_response(std::move(body), status);
}

http_response bad_request(std::string_view exception, const std::string& message, const std::string& path) {
  return inxmail_error(400, "Bad Request", fmt::format("com.inxmail.xcom.api.rest.{}", exception), message, path);
}

// The page link: the request's own query with page replaced (pageSize and filters kept).
std::string page_link(const boost::urls::url_view& url, std::int64_t page) {
  std::string out = std::string(url.encoded_path()) + "?";
  bool first = true;
  for (const auto& p : url.encoded_params()) {
    if (p.key.decode() == "page") continue;  // as the query was read: decoded
    if (!first) out += '&';
    first = false;
    out += std::string(p.key);
    if (p.has_value) out += "=" + std::string(p.value);
  }
  if (!first) out += '&';
  return out + "page=" + std::to_string(page);
}

// Inxmail's names for a record, in the document's order: each a field of the record (from the one
// table of them, storage::record_fields) or a value the interface computes; some only in one of
// the two listings.
enum class listing { both, bounces, complaints };
struct mapping {
  const char* name;
  const storage::record_field* field;  // nullptr: computed
  std::string (*compute)(const storage::stored_row&);
  listing in;
};

const std::array<mapping, 8>& mappings() {
  using storage::record_field_named;
  static const std::array<mapping, 8> table = {{
      {"sourceSystem", &record_field_named("source_system"), nullptr, listing::both},
      {"campaignId", &record_field_named("campaign_id"), nullptr, listing::both},
      // The sending system's own id where correlation found one, else the original's Message-ID.
      {"messageId", nullptr,
       [](const storage::stored_row& r) { return r.fields.transaction_id.empty() ? r.fields.original_message_id : r.fields.transaction_id; },
       listing::both},
      {"recipient", &record_field_named("recipient"), nullptr, listing::both},
      {"errorCode", &record_field_named("status"), nullptr, listing::bounces},
      {"errorText", &record_field_named("diagnostic_text"), nullptr, listing::bounces},
      {"type", nullptr,
       [](const storage::stored_row& r) -> std::string {
         switch (r.fields.bounce_type) {
           case storage::bounce_type::hard: return "Hard";
           case storage::bounce_type::soft: return "Soft";
           default: return "";
         }
       },
       listing::bounces},
      {"type", &record_field_named("feedback_type"), nullptr, listing::complaints},
  }};
  return table;
}

void append_bounce(std::string& out, const storage::stored_row& r, bool complaint) {
  char separator = '{';
  for (const mapping& m : mappings()) {
    if (m.in == (complaint ? listing::bounces : listing::complaints)) continue;
    out += separator;
    separator = ',';
    out += '"';
    out += m.name;
    out += "\":";
    append_json_string(out, m.field ? std::string(m.field->get(r.fields)) : m.compute(r));
  }
  out += ",\"timestamp\":\"" + compact_time(r.received_at) + "\"}";
}

}  // namespace

http_response inxmail_refusal(unsigned status, const std::string& message, std::string_view target) {
  const std::string_view reason = status == 413 ? "Payload Too Large" : status == 431 ? "Request Header Fields Too Large" : "Bad Request";
  return inxmail_error(status, reason, "", message, std::string(target.starts_with(service_root) ? target.substr(service_root.size()) : target));
}

bool is_inxmail_path(std::string_view path) { return path.starts_with("/api-service/"); }

http_response inxmail(const http_request& request, const std::vector<api_key>& keys,
                      const std::shared_ptr<record_source>& records, std::int64_t now) {
  auto parsed = boost::urls::parse_origin_form(request.target);
  // Errors name the path below the service's root, as the document's examples do
  // ("/custom/sap/v1/complaints?begin=...").
  const std::string target = request.target.substr(std::string_view(request.target).starts_with(service_root) ? service_root.size() : 0);
  if (!parsed) return bad_request("InvalidParameter", "the request target is not a valid path and query", target);
  const boost::urls::url_view url = *parsed;
  const std::string path = url.path();
  const std::string_view route = std::string_view(path).substr(std::min(path.size(), prefix.size()));
  if (!path.starts_with(prefix) || (route != "bounces" && route != "complaints"))
    return inxmail_error(404, "Not Found", "", "no such resource: " + path, target);
  if (keys.empty()) {
    if (!request.loopback)
      return inxmail_error(403, "Forbidden", "", "no API key is configured: only loopback clients are served", target);
  } else {
    const auto basic = basic_credentials(request.authorization);
    if (!basic || !known_client(keys, basic->first, basic->second)) {
      http_response r = inxmail_error(401, "Unauthorized", "", "HTTP Basic authentication with a key id and secret is required", target);
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"bounced\"");
      return r;
    }
  }
  if (request.method != "GET") return inxmail_error(405, "Method Not Allowed", "", "use GET for " + path, target);
  const bool complaints = route == "complaints";

  storage::record_filter filter;
  filter.kind = complaints ? storage::record_kind::complaint : storage::record_kind::bounce;
  std::int64_t page = 0, page_size = default_page_size;
  std::optional<std::int64_t> start, end;
  std::set<std::string, std::less<>> seen;
  for (const auto& p : url.params()) {
    if (!seen.insert(p.key).second) return bad_request("InvalidParameter", "parameter " + p.key + " is given twice", target);
    // A parameter given empty (a client filling a URL template: campaignId=) is not specified:
    // "If not specified, all bounces are returned", not none.
    if (p.value.empty() && (p.key == "sourceSystem" || p.key == "campaignId" || p.key == "startTimeUTC" ||
                            p.key == "endTimeUTC" || p.key == "page" || p.key == "pageSize"))
      continue;
    if (p.key == "sourceSystem") {
      filter.source_system = p.value;
    } else if (p.key == "campaignId") {
      filter.campaign_id = p.value;
    } else if (p.key == "startTimeUTC" || p.key == "endTimeUTC") {
      const auto t = parse_compact_time(p.value);
      const char* which = p.key == "startTimeUTC" ? "Start" : "End";
      if (!t) return bad_request("InvalidDateParameter", fmt::format("{} date {} is not a date of the form yyyyMMddHHmmss", which, p.value), target);
      (p.key == "startTimeUTC" ? start : end) = *t;
    } else if (p.key == "page") {
      const auto v = to_int(p.value);
      if (!v || *v > max_page)
        return bad_request("InvalidParameter", fmt::format("page must be a whole number from 0 to {}", max_page), target);
      page = *v;
    } else if (p.key == "pageSize") {
      // Past the document's maximum of 2000: 2000, as Mailkit's limit is capped (the Link
      // headers page on through the rest).
      const auto v = capped_count(p.value, max_page_size);
      if (!v) return bad_request("InvalidParameter", "pageSize must be a whole number from 1 (at most 2000 are given)", target);
      page_size = *v;
    } else {
      return bad_request("InvalidParameter", "unknown parameter " + p.key, target);
    }
  }
  if (complaints && filter.source_system && filter.campaign_id)
    return bad_request("InvalidParameter", "only one of sourceSystem or campaignId may be used", target);
  const auto as_error_time = [](std::int64_t t) { return error_time(t * 1000); };
  if (start && *start > now) return bad_request("InvalidDateParameter", "Start date " + as_error_time(*start) + " is in future", target);
  if (start && end && *end < *start)
    return bad_request("InvalidDateParameter",
                       "End date " + as_error_time(*end) + " is before start date " + as_error_time(*start), target);
  filter.since = start;
  if (end) filter.until = *end + 1;  // the end second is taken in

  auto got = records->connection().page_rows_at(filter, page * page_size, page_size + 1);
  if (auto* e = std::get_if<storage::error>(&got))
    return inxmail_error(500, "Internal Server Error", "", "storage: " + e->message, target);
  auto& rows = std::get<std::vector<storage::stored_row>>(got);
  const bool last = static_cast<std::int64_t>(rows.size()) <= page_size;
  if (!last) rows.pop_back();
  std::string body = fmt::format("{{\"page\":{},\"lastPage\":{},\"{}\":[", page, last ? "true" : "false",
                                 complaints ? "complaints" : "bounces");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) body += ',';
    append_bounce(body, rows[i], complaints);
  }
  http_response r = json_response(body + "]}\n");
  std::string links;
  if (!last) links = "<" + page_link(url, page + 1) + ">; rel=\"next\"";
  if (page > 0) links += (links.empty() ? "" : ", ") + ("<" + page_link(url, page - 1) + ">; rel=\"prev\"");
  if (!links.empty()) r.headers.emplace_back("Link", links);
  return r;
}

}  // namespace bounced::daemon
