// See routes.hpp: the records and the messages, paged by id, and one of each by its id.
#include "daemon/httpd/routes.hpp"

#include <fmt/format.h>

#include "daemon/pipeline/to_rows.hpp"
#include "util/time.hpp"

namespace bounced::daemon {

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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
    return records->connection().page_messages(wanted, from, n, set_head_from, head_bytes);
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

}  // namespace bounced::daemon
