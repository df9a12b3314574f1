// See api_mailkit.hpp.
#include "daemon/httpd/esp/api_mailkit.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "daemon/httpd/http_util.hpp"
#include "daemon/httpd/esp/xmlrpc.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace {

constexpr std::string_view function_name = "mailkit.report.raw.bounces";
constexpr std::int64_t max_records = 25000;  // the document's default and cap
constexpr std::int64_t rows_per_piece = 500;

enum status { unauthorised = 1, bad_call = 2, unknown_function = 3 };

struct raw_bounces_call {
  std::string client_id, client_md5;
  std::optional<std::string> campaign, send;  // ID_message, ID_send
  std::int64_t first_id = 0;                  // ID_undelivered_log
  std::int64_t limit = max_records;
};

struct call_error {
  int status;
  std::string message;
};

// The optional values, as text ("" where the call leaves one out). ID_message and ID_send of
// "" or 0 filter nothing (all messages, all sends): Mailkit's ids start at 1, and a positional
// XML-RPC call has to put something in their places.
std::optional<call_error> read_values(raw_bounces_call& c, const std::string& id_message, const std::string& id_send,
                                      const std::string& first_id, const std::string& limit) {
  if (!id_message.empty() && id_message != "0") c.campaign = id_message;
  if (!id_send.empty() && id_send != "0") c.send = id_send;
  if (!first_id.empty()) {
    const auto v = to_int(first_id);
    if (!v) return call_error{bad_call, "ID_undelivered_log must be a record id (a whole number)"};
    c.first_id = *v;
  }
  if (!limit.empty()) {
    // Past 25,000 (however far: 99999999999999999999 too), 25,000.
    const auto v = capped_count(limit, max_records);
    if (!v) return call_error{bad_call, "limit must be a whole number, 1 or more"};
    c.limit = *v;
  }
  return std::nullopt;
}

// An md5 is hex digits, in either case: 0A1B... and 0a1b... are the same digest.
bool allowed(const raw_bounces_call& c, const std::vector<api_key>& clients) {
  std::vector<api_key> lowered = clients;
  for (api_key& k : lowered) k.secret = util::to_lower(k.secret);
  return known_client(lowered, c.client_id, util::to_lower(c.client_md5));
}

// With no client configured only loopback clients are served; others hear what Mailkit says to
// an address off its list, with 403.
bool disallowed_address(const std::vector<api_key>& clients, const http_request& request) {
  return clients.empty() && !request.loopback;
}

// TEXT_STATUS is the Diagnostic-Code field as the DSN wrote it: "smtp; 552 4.2.2 ...".
std::string text_status(const storage::row& r) {
  if (r.diagnostic_text.empty()) return {};
  if (r.diagnostic_type.empty()) return r.diagnostic_text;
  return r.diagnostic_type + "; " + r.diagnostic_text;
}

using suppression_map = std::map<std::string, std::string>;

std::string recipient_status(const suppression_map& states, const std::string& recipient) {
  const auto it = states.find(util::to_lower(recipient));
  return it == states.end() || it->second == "active" ? "temporary" : "permanent";
}

// Mailkit's names for a record, in the document's order: each a field of the record (from the
// one table of them, storage::record_fields) or a value Mailkit's interface computes; `id` marks
// the ids XML-RPC sends as numbers.
struct mapping {
  const char* name;
  const storage::record_field* field;  // nullptr: computed
  std::string (*compute)(const storage::stored_row&, const suppression_map&);
  bool id;
};

const std::array<mapping, 11>& mappings() {
  using storage::record_field_named;
  static const std::array<mapping, 11> table = {{
      {"ID_MESSAGE", &record_field_named("campaign_id"), nullptr, true},
      {"TEXT_STATUS", nullptr, [](const storage::stored_row& r, const suppression_map&) { return text_status(r.fields); }, false},
      {"STATUS", &record_field_named("status"), nullptr, false},
      {"ID_EMAIL", &record_field_named("email_id"), nullptr, true},
      {"ID_SEND", &record_field_named("send_id"), nullptr, true},
      {"EMAIL", &record_field_named("recipient"), nullptr, false},
      {"ID_SEND_MESSGE", &record_field_named("send_message_id"), nullptr, true},
      {"ID_USER_LIST", &record_field_named("list_id"), nullptr, true},
      {"REMOTE_MTA", &record_field_named("remote_mta"), nullptr, false},
      {"ID_UNDELIVERED_LOG", nullptr, [](const storage::stored_row& r, const suppression_map&) { return std::to_string(r.id); }, true},
      {"RECIPIENT_STATUS", nullptr,
       [](const storage::stored_row& r, const suppression_map& states) { return recipient_status(states, r.fields.recipient); },
       false},
  }};
  return table;
}

// One record's members: (name, value, is an id).
struct member {
  const char* name;
  std::string value;
  bool id;
};

std::array<member, 11> members(const storage::stored_row& r, const suppression_map& states) {
  std::array<member, 11> out;
  const auto& table = mappings();
  for (std::size_t i = 0; i < table.size(); ++i)
    out[i] = {table[i].name, table[i].field ? std::string(table[i].field->get(r.fields)) : table[i].compute(r, states), table[i].id};
  return out;
}

void append_json_record(std::string& out, const storage::stored_row& r, const std::map<std::string, std::string>& states) {
  out += '{';
  bool first = true;
  for (const member& m : members(r, states)) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += m.name;
    out += "\":";
    append_json_string(out, m.value);  // every value a string, as the document's JSON shows
  }
  out += '}';
}

// XML-RPC: ids as <i4> or <i8> (Mailkit: "depending on the value"), where they are whole numbers;
// an id from a VERP template may be any text (or a number with leading zeros), and then it is a
// <string>.
void append_xml_value(std::string& out, const member& m) {
  out += "<value>";
  // Only a number written as a number: "007" stays text, or the client could not give it back
  // as a filter.
  if (m.id && !m.value.empty() && m.value.size() <= 18 && (m.value.size() == 1 || m.value[0] != '0') &&
      std::all_of(m.value.begin(), m.value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const std::int64_t v = std::stoll(m.value);
    const char* type = v <= 2147483647 ? "i4" : "i8";
    out += fmt::format("<{0}>{1}</{0}>", type, v);
  } else {
    out += "<string>";
    xmlrpc::append_escaped(out, m.value);
    out += "</string>";
  }
  out += "</value>";
}

void append_xml_record(std::string& out, const storage::stored_row& r, const std::map<std::string, std::string>& states) {
  out += "<value><struct>";
  for (const member& m : members(r, states)) {
    out += "<member><name>";
    out += m.name;
    out += "</name>";
    append_xml_value(out, m);
    out += "</member>";
  }
  out += "</struct></value>";
}

// Reads the page piece by piece, as /v1/bounces does: memory does not grow with limit.
struct record_reader {
  std::shared_ptr<record_source> records;
  storage::record_filter filter;
  std::int64_t after = 0;
  std::int64_t limit = 0;
  bool xml = false;
  std::int64_t sent = 0;
  bool finished = false;

  std::optional<std::string> operator()() {
    if (finished) return std::nullopt;
    const std::int64_t want = std::min(rows_per_piece, limit - sent);
    std::vector<storage::stored_row> rows;
    if (want > 0) {
      auto got = records->connection().page_rows(filter, after, want);
      if (auto* e = std::get_if<storage::error>(&got)) {
        finished = true;
        throw std::runtime_error("mailkit export stopped: " + e->message);
      }
      rows = std::move(std::get<std::vector<storage::stored_row>>(got));
    }
    std::vector<std::string> addresses;
    addresses.reserve(rows.size());
    for (const auto& r : rows) addresses.push_back(r.fields.recipient);
    auto states = records->connection().suppression_states(addresses);
    if (auto* e = std::get_if<storage::error>(&states)) {
      finished = true;
      throw std::runtime_error("mailkit export stopped: " + e->message);
    }
    const auto& by_address = std::get<std::map<std::string, std::string>>(states);
    std::string out;
    out.reserve(rows.size() * (xml ? 1400 : 400));
    for (const auto& r : rows) {
      if (!xml && sent > 0) out += ',';
      if (xml) append_xml_record(out, r, by_address);
      else append_json_record(out, r, by_address);
      after = r.id;
      ++sent;
    }
    if (static_cast<std::int64_t>(rows.size()) < want || sent >= limit) {
      finished = true;
      out += xml ? "</data></array>" + xmlrpc::response_tail() : "]\n";
    }
    return out;
  }
};


http_response json_error(int status, const std::string& message, unsigned http_status = 200) {
  std::string body = fmt::format("{{\"error_status\":{},\"error\":", status);
  append_json_string(body, message);
  return json_response(body + "}\n", http_status);
}

http_response xml_answer(std::string body, unsigned http_status = 200) {
  http_response r;
  r.status = http_status;
  r.content_type = "text/xml; charset=utf-8";
  r.body = std::move(body);
  return r;
}

http_response export_records(const raw_bounces_call& c, const std::shared_ptr<record_source>& records, bool xml) {
  storage::record_filter filter;
  filter.kind = storage::record_kind::bounce;
  filter.campaign_id = c.campaign;
  filter.send_id = c.send;
  http_response r;
  r.content_type = xml ? "text/xml; charset=utf-8" : "application/json";
  r.body = xml ? xmlrpc::response_head() + "<array><data>" : "[";
  record_reader reader{records, std::move(filter), std::max<std::int64_t>(c.first_id, 1) - 1, c.limit, xml};
  // The first piece before the status line: storage that fails at once is an error answer, not
  // a 200 whose body breaks off.
  try {
    if (auto first = reader()) r.body += *first;
  } catch (const std::exception& e) {
    const std::string why = std::string("storage: ") + e.what();
    return xml ? xml_answer(xmlrpc::fault(500, why), 500) : json_error(500, why, 500);
  }
  if (!reader.finished) r.next = std::move(reader);
  return r;
}

// A JSON value as text: strings as they are, whole numbers in decimal, null as "".
std::optional<std::string> json_text(const boost::json::value* v) {
  if (!v || v->is_null()) return std::string();
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return v->as_int64() < 0 ? std::nullopt : std::optional<std::string>(std::to_string(v->as_int64()));
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return std::nullopt;
}

// A param as text: the scalar types Mailkit's calls use (int, i4, i8, string; nil as "").
std::optional<std::string> xml_text(const std::vector<xmlrpc::value>& params, std::size_t i) {
  if (i >= params.size()) return std::string();
  const xmlrpc::value& v = params[i];
  if (v.type == "nil") return std::string();
  if (v.type == "string") return v.text;
  if (v.type == "int" || v.type == "i4" || v.type == "i8") {
    std::string t = v.text;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
    if (t.starts_with('+')) t.erase(0, 1);
    return t;
  }
  return std::nullopt;
}

}  // namespace

http_response mailkit_refusal(bool xml, const std::string& message, unsigned http_status) {
  return xml ? xml_answer(xmlrpc::fault(bad_call, message), http_status) : json_error(bad_call, message, http_status);
}

http_response mailkit_json(const http_request& request, const std::vector<api_key>& clients,
                           const std::shared_ptr<record_source>& records) {
  if (disallowed_address(clients, request)) return json_error(unauthorised, "Disallowed IP " + request.client_address, 403);
  if (request.method != "POST") return json_error(bad_call, "use POST for /json.fcgi", 405);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(request.body, ec);
  if (ec || !doc.is_object()) return json_error(bad_call, "the body must be a JSON object");
  const boost::json::object& o = doc.as_object();
  raw_bounces_call c;
  const auto id = json_text(o.if_contains("id"));
  const auto md5 = json_text(o.if_contains("md5"));
  if (!id || !md5) return json_error(bad_call, "id and md5 must be strings or whole numbers");
  c.client_id = *id;
  c.client_md5 = *md5;
  if (!clients.empty() && !allowed(c, clients)) return json_error(unauthorised, "Unauthorized");
  const auto function = json_text(o.if_contains("function"));
  if (!function || function->empty()) return json_error(bad_call, "function is missing");
  if (*function != function_name) return json_error(unknown_function, "Unknown function " + *function);
  const boost::json::value* parameters = o.if_contains("parameters");
  std::string values[4];
  if (parameters && !parameters->is_null()) {
    if (!parameters->is_object()) return json_error(bad_call, "parameters must be an object");
    const char* names[4] = {"ID_message", "ID_send", "ID_undelivered_log", "limit"};
    for (const auto& entry : parameters->as_object()) {
      const std::string key(entry.key());
      const auto at = std::find_if(std::begin(names), std::end(names), [&key](const char* n) { return key == n; });
      if (at == std::end(names)) return json_error(bad_call, "unknown parameter " + key);
      const auto text = json_text(&entry.value());
      if (!text) return json_error(bad_call, key + " must be a string or a whole number");
      values[at - std::begin(names)] = *text;
    }
  }
  if (auto e = read_values(c, values[0], values[1], values[2], values[3])) return json_error(e->status, e->message);
  return export_records(c, records, false);
}

http_response mailkit_xmlrpc(const http_request& request, const std::vector<api_key>& clients,
                             const std::shared_ptr<record_source>& records) {
  if (disallowed_address(clients, request))
    return xml_answer(xmlrpc::string_response("Disallowed IP " + request.client_address), 403);
  if (request.method != "POST") return xml_answer(xmlrpc::fault(bad_call, "use POST for /rpc.fcgi"), 405);
  auto parsed = xmlrpc::parse_call(request.body);
  if (auto* e = std::get_if<xmlrpc::error>(&parsed)) return xml_answer(xmlrpc::fault(bad_call, "not an XML-RPC call: " + e->message));
  const xmlrpc::call& call = std::get<xmlrpc::call>(parsed);
  // Positional: client_id, client_md5, ID_message, ID_send, ID_undelivered_log, limit.
  if (call.params.size() > 6) return xml_answer(xmlrpc::fault(bad_call, "at most six params"));
  std::string values[6];
  for (std::size_t i = 0; i < 6; ++i) {
    const auto text = xml_text(call.params, i);
    if (!text) return xml_answer(xmlrpc::fault(bad_call, fmt::format("param {} must be an int or a string", i + 1)));
    values[i] = *text;
  }
  raw_bounces_call c;
  c.client_id = values[0];
  c.client_md5 = values[1];
  if (!clients.empty() && !allowed(c, clients)) return xml_answer(xmlrpc::string_response("Unauthorized"));
  if (call.method != function_name) return xml_answer(xmlrpc::fault(unknown_function, "Unknown function " + call.method));
  if (auto e = read_values(c, values[2], values[3], values[4], values[5])) return xml_answer(xmlrpc::fault(e->status, e->message));
  return export_records(c, records, true);
}

}  // namespace bounced::daemon
