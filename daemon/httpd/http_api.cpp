// See http_api.hpp.
#include "daemon/httpd/http_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <string_view>

#include "daemon/httpd/esp/api_inxmail.hpp"
#include "daemon/httpd/esp/api_mailkit.hpp"
#include "daemon/httpd/esp/api_oempro.hpp"
#include "daemon/httpd/http_util.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "parser/mail.hpp"
#include "parser/text.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"
#include "util/time.hpp"

namespace bounced::daemon {

namespace {

// Rows read from SQLite per generator call: small enough that 200 concurrent exports stay in a
// few tens of megabytes, large enough that the statement's setup is noise.
constexpr std::int64_t rows_per_piece = 500;

void append_record_json(std::string& out, const storage::stored_row& r) {
  out += "{\"id\":";
  append_json_int(out, r.id);
  out += ",\"message_id\":";
  append_json_int(out, r.message_id);
  out += ",\"received_at\":\"";
  out += format_rfc3339(r.received_at);
  out += "\",\"replaced_by\":";
  if (r.replaced_by) append_json_int(out, *r.replaced_by);
  else out += "null";
  for (const storage::record_field& f : storage::record_fields) {
    out += ",\"";
    out += f.name;
    out += "\":";
    append_json_string(out, f.get(r.fields));
  }
  out += '}';
}

// RFC 4180: quoted where needed, quotes doubled, CRLF line ends.
void append_csv_value(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string csv_header() {
  std::string out = "id,message_id,received_at,replaced_by";
  for (const storage::record_field& f : storage::record_fields) {
    out += ',';
    out += f.name;
  }
  return out + "\r\n";
}

void append_record_csv(std::string& out, const storage::stored_row& r) {
  append_json_int(out, r.id);
  out += ',';
  append_json_int(out, r.message_id);
  out += ',';
  out += format_rfc3339(r.received_at);
  out += ',';
  if (r.replaced_by) append_json_int(out, *r.replaced_by);
  for (const storage::record_field& f : storage::record_fields) {
    out += ',';
    append_csv_value(out, f.get(r.fields));
  }
  out += "\r\n";
}

enum class export_format { json, jsonl, csv };

// Reads a page piece by piece, for every route paged by id: fetch(after, n) gives up to n items
// with ids above `after`, in id order; append writes one (first: the page's first). One item past
// the page tells whether there is a next page. With a JSON envelope the last piece closes the
// array and gives next_after: the last id sent when there is more, null when the listing is done
// (also when the page ended exactly at its last item).
template <class Item>
struct page_reader {
  std::function<storage::result<std::vector<Item>>(std::int64_t after, std::int64_t n)> fetch;
  std::function<void(std::string& out, const Item& item, bool first)> append;
  std::int64_t after = 0;
  std::int64_t limit = 0;
  bool envelope = true;
  std::int64_t sent = 0;
  bool finished = false;

  std::optional<std::string> operator()() {
    if (finished) return std::nullopt;
    const std::int64_t want = std::min(rows_per_piece, limit - sent + 1);
    auto got = fetch(after, want);
    if (auto* e = std::get_if<storage::error>(&got)) {
      // The status line is gone already: end the body so that it does not parse (the client
      // sees a broken page, never a short one that looks whole), and say why in the log.
      finished = true;
      throw std::runtime_error("export stopped: " + e->message);
    }
    const auto& items = std::get<std::vector<Item>>(got);
    std::string out;
    out.reserve(items.size() * 600);
    bool more = false;
    for (const auto& item : items) {
      if (sent == limit) {
        more = true;
        break;
      }
      append(out, item, sent == 0);
      after = item.id;
      ++sent;
    }
    if (more || static_cast<std::int64_t>(items.size()) < want) {
      finished = true;
      if (envelope) {
        out += "],\"next_after\":";
        if (more) append_json_int(out, after);
        else out += "null";
        out += "}\n";
      }
    }
    return out;
  }
};

// A page's response: `head`, then the pieces. The first piece is read before the status line:
// storage that fails at once gets 500 like every other route, not a 200 whose body breaks off.
template <class Item>
http_response stream_page(page_reader<Item> reader, std::string content_type, std::string head) {
  http_response r;
  r.content_type = std::move(content_type);
  r.body = std::move(head);
  try {
    if (auto first = reader()) r.body += *first;
  } catch (const std::exception& e) {
    return api_error(500, 500, std::string("storage: ") + e.what());
  }
  if (!reader.finished) r.next = std::move(reader);
  return r;
}

// A parameter given twice is an error on every route: no silent choice between them.
std::optional<http_response> repeated_parameter(const boost::urls::url_view& url) {
  std::set<std::string, std::less<>> seen;
  for (const auto& p : url.params())
    if (!seen.insert(p.key).second) return api_error(400, 1010, "parameter " + p.key + " is given twice");
  return std::nullopt;
}

// `after` on every route paged by id: an id, 0 or more.
std::variant<std::int64_t, http_response> read_after(std::string_view value, std::string_view what) {
  const auto v = to_int(value);
  if (!v) return api_error(400, 1012, fmt::format("after must be a {} id (a whole number, 0 or more)", what));
  return *v;
}

// `limit` on every paged route: 1 to max_limit.
std::variant<std::int64_t, http_response> read_limit(std::string_view value) {
  const auto v = to_int(value);
  if (!v || *v == 0) return api_error(400, 1010, fmt::format("limit must be a whole number from 1 to {}", http_api::max_limit));
  if (*v > http_api::max_limit) return api_error(400, 1011, fmt::format("limit is over the cap of {}", http_api::max_limit));
  return *v;
}

http_response export_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url) {
  storage::record_filter filter;
  std::int64_t after = 0, limit = http_api::default_limit;
  export_format format = export_format::json;
  if (auto e = repeated_parameter(url)) return *e;
  for (const auto& p : url.params()) {
    const std::string& key = p.key;
    const std::string& value = p.value;
    std::optional<std::string>* text = key == "campaign" ? &filter.campaign_id
                                     : key == "send" ? &filter.send_id
                                     : key == "list" ? &filter.list_id
                                     : key == "source_system" ? &filter.source_system
                                     : key == "recipient" ? &filter.recipient
                                     : key == "category" ? &filter.category
                                     : key == "reason" ? &filter.reason
                                                        : nullptr;
    if (text) {
      *text = value;
    } else if (key == "after") {
      auto v = read_after(value, "record");
      if (auto* e = std::get_if<http_response>(&v)) return std::move(*e);
      after = std::get<std::int64_t>(v);
    } else if (key == "limit") {
      auto v = read_limit(value);
      if (auto* e = std::get_if<http_response>(&v)) return std::move(*e);
      limit = std::get<std::int64_t>(v);
    } else if (key == "kind") {
      filter.kind = storage::parse_record_kind(value);
      if (!filter.kind) return api_error(400, 1010, "kind must be one of bounce, delay, complaint, auto-reply, delivery");
    } else if (key == "type") {
      filter.bounce_type = storage::parse_bounce_type(value);
      if (!filter.bounce_type || *filter.bounce_type == storage::bounce_type::none)
        return api_error(400, 1010, "type must be hard or soft");
    } else if (key == "since" || key == "until") {
      const auto t = util::parse_day_or_time(value);
      if (!t) return api_error(400, 1010, key + " must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T14:00:00Z)");
      (key == "since" ? filter.since : filter.until) = *t;
    } else if (key == "include_replaced") {
      if (value != "true" && value != "false") return api_error(400, 1010, "include_replaced must be true or false");
      filter.include_replaced = value == "true";
    } else if (key == "format") {
      if (value == "json") format = export_format::json;
      else if (value == "jsonl") format = export_format::jsonl;
      else if (value == "csv") format = export_format::csv;
      else return api_error(400, 1010, "format must be json, jsonl or csv");
    } else {
      return api_error(400, 1010, "unknown parameter " + key);
    }
  }
  const auto append = [format](std::string& out, const storage::stored_row& r, bool first) {
    if (format == export_format::json) {
      if (!first) out += ',';
      append_record_json(out, r);
    } else if (format == export_format::jsonl) {
      append_record_json(out, r);
      out += '\n';
    } else {
      append_record_csv(out, r);
    }
  };
  const auto fetch = [records, filter = std::move(filter)](std::int64_t from, std::int64_t n) {
    return records->connection().page_rows(filter, from, n);
  };
  page_reader<storage::stored_row> reader{fetch, append, after, limit, format == export_format::json};
  if (format == export_format::json) return stream_page(std::move(reader), "application/json", "{\"records\":[");
  if (format == export_format::jsonl) return stream_page(std::move(reader), "application/x-ndjson", "");
  return stream_page(std::move(reader), "text/csv; charset=utf-8", csv_header());
}

void append_message_json(std::string& out, const storage::message_summary& m) {
  out += "{\"id\":";
  append_json_int(out, m.id);
  out += ",\"received_at\":\"";
  out += format_rfc3339(m.received_at);
  out += "\",\"via\":";
  append_json_string(out, to_string(m.via));
  out += ",\"outcome\":";
  append_json_string(out, to_string(m.result.status));
  out += ",\"why\":";
  append_json_string(out, m.result.detail);
  out += ",\"from\":";
  append_json_string(out, m.result.from);
  out += ",\"subject\":";
  append_json_string(out, m.result.subject);
  out += '}';
}

// GET /v1/messages: the stored messages in id order, of the outcomes asked for (a comma-separated
// list; all three when absent), so that an operator finds what bounced could not decode.
http_response messages_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url) {
  std::vector<storage::decode_status> wanted;
  std::int64_t after = 0, limit = http_api::default_limit;
  if (auto e = repeated_parameter(url)) return *e;
  for (const auto& p : url.params()) {
    if (p.key == "outcome") {
      const std::string_view list = p.value;
      for (std::size_t from = 0;;) {
        const std::size_t comma = list.find(',', from);
        const std::string_view one = list.substr(from, comma == std::string_view::npos ? comma : comma - from);
        const auto outcome = storage::parse_decode_status(one);
        if (!outcome)
          return api_error(400, 1010, fmt::format("outcome must be a comma-separated list of decoded, nothing and failed; "
                                                  "\"{}\" is none of them", one));
        wanted.push_back(*outcome);
        if (comma == std::string_view::npos) break;
        from = comma + 1;
      }
    } else if (p.key == "after") {
      auto v = read_after(p.value, "message");
      if (auto* e = std::get_if<http_response>(&v)) return std::move(*e);
      after = std::get<std::int64_t>(v);
    } else if (p.key == "limit") {
      auto v = read_limit(p.value);
      if (auto* e = std::get_if<http_response>(&v)) return std::move(*e);
      limit = std::get<std::int64_t>(v);
    } else {
      return api_error(400, 1010, "unknown parameter " + p.key);
    }
  }
  const auto fetch = [records, wanted = std::move(wanted)](std::int64_t from, std::int64_t n) {
    // Messages stored before schema 7 have no From and Subject stored: read from their header.
    const auto read_head = [](std::string_view head, storage::outcome& result) { set_head(result, parser::read_head(head)); };
    return records->connection().page_messages(wanted, from, n, read_head, parser::max_head_bytes);
  };
  const auto append = [](std::string& out, const storage::message_summary& m, bool first) {
    if (!first) out += ',';
    append_message_json(out, m);
  };
  return stream_page(page_reader<storage::message_summary>{fetch, append, after, limit, true}, "application/json",
                     "{\"messages\":[");
}

http_response one_record(const std::shared_ptr<record_source>& records, std::string_view id_text) {
  const auto id = to_int(id_text);
  if (!id) return api_error(400, 1010, "a record id is a whole number");
  auto got = records->connection().row_by_id(*id);
  if (auto* e = std::get_if<storage::error>(&got)) return api_error(500, 500, "storage: " + e->message);
  const auto& row = std::get<std::optional<storage::stored_row>>(got);
  if (!row) return api_error(404, 1013, "no record " + std::string(id_text));
  std::string body;
  append_record_json(body, *row);
  return json_response(body + "\n");
}

http_response one_message(const std::shared_ptr<record_source>& records, std::string_view id_text) {
  const auto id = to_int(id_text);
  if (!id) return api_error(400, 1010, "a message id is a whole number");
  auto got = records->connection().message(*id);
  if (auto* e = std::get_if<storage::error>(&got)) return api_error(500, 500, "storage: " + e->message);
  auto& m = std::get<std::optional<storage::stored_message>>(got);
  if (!m) return api_error(404, 1013, "no message " + std::string(id_text));
  http_response r;
  r.content_type = "message/rfc822";
  r.body = std::move(m->raw);
  r.headers.emplace_back("X-Bounced-Received-At", format_rfc3339(m->received_at));
  r.headers.emplace_back("X-Bounced-Outcome", to_string(m->result.status));
  r.headers.emplace_back("X-Bounced-Records", std::to_string(m->records));
  return r;
}

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

http_response erase_address(const std::shared_ptr<record_source>& records, const std::string& address) {
  if (!valid_address(address)) return api_error(400, 1010, "not an email address: " + address);
  auto done = records->connection().forget(address);
  if (auto* e = std::get_if<storage::error>(&done)) return api_error(500, 500, "storage: " + e->message);
  const auto& r = std::get<storage::forget_result>(done);
  return json_response(fmt::format("{{\"status\":\"OK\",\"data\":{{\"messages\":{},\"records\":{},\"suppressions\":{}}}}}\n",
                                   r.messages, r.rows, r.suppressions));
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
