// See api_oempro.hpp.
#include "daemon/httpd/esp/api_oempro.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <map>

#include "daemon/httpd/http_util.hpp"
#include "parser/mime.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace {

constexpr std::string_view command_name = "internal.bounce.register";

http_response answer(bool success, int code, const std::string& text, unsigned status) {
  std::string body = fmt::format("{{\"Success\":{},\"ErrorCode\":{},\"ErrorText\":", success ? "true" : "false", code);
  append_json_string(body, text);
  return json_response(body + "}\n", status);
}

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = util::hex_value(s[i + 1]), lo = util::hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

http_response oempro_refusal(int code, const std::string& text, unsigned status) { return answer(false, code, text, status); }

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_multipart(std::string_view body,
                                                                                std::string_view boundary) {
  if (boundary.empty()) return std::nullopt;
  const std::string delimiter = "--" + std::string(boundary);
  const std::string between = "\r\n" + delimiter;
  std::vector<std::pair<std::string, std::string>> out;
  // The first delimiter opens the body (a preamble before it is ignored).
  std::size_t at = 0;
  if (body.starts_with(delimiter)) {
    at = delimiter.size();
  } else {
    at = body.find(between);
    if (at == std::string_view::npos) return std::nullopt;
    at += between.size();
  }
  for (;;) {
    if (body.substr(at, 2) == "--") return out;  // the close delimiter
    const std::size_t line_end = body.find("\r\n", at);  // after transport padding
    if (line_end == std::string_view::npos) return std::nullopt;
    const std::size_t headers_start = line_end + 2;
    const std::size_t headers_end = body.substr(headers_start, 2) == "\r\n" ? headers_start : body.find("\r\n\r\n", headers_start);
    if (headers_end == std::string_view::npos) return std::nullopt;
    std::string name;
    for (std::string_view headers = body.substr(headers_start, headers_end - headers_start); !headers.empty();) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      if (util::istarts_with(line, "content-disposition:")) name = parser::mime_parameter(line.substr(20), "name").value_or("");
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    }
    const std::size_t value_start = headers_end == headers_start ? headers_start + 2 : headers_end + 4;
    const std::size_t next = body.find(between, value_start);
    if (next == std::string_view::npos || name.empty()) return std::nullopt;
    out.emplace_back(std::move(name), std::string(body.substr(value_start, next - value_start)));
    at = next + between.size();
  }
}

http_response oempro(const http_request& request, const std::vector<ip_network>& networks, const message_sink& sink,
                     std::size_t message_size_bytes) {
  // A UNIX-socket client is local: it may call where a loopback client may.
  const bool local = request.client_address == "unix";
  bool inside = false;
  for (const ip_network& n : networks)
    inside |= local ? network_contains(n, "127.0.0.1") || network_contains(n, "::1") : network_contains(n, request.client_address);
  if (!inside) return answer(false, 4, "this client may not call /api.php (see [api] oempro_networks)", 403);
  if (request.method != "POST") return answer(false, 3, "use POST for /api.php", 405);

  // The parameters, by name, from JSON or a form.
  std::map<std::string, std::string, std::less<>> given;
  const std::string_view type = util::trim(std::string_view(request.content_type).substr(0, request.content_type.find(';')));
  const bool json = util::iequals(type, "application/json") ||
                    (type.empty() && util::trim(request.body).starts_with('{'));
  if (json) {
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(request.body, ec);
    if (ec || !doc.is_object()) return answer(false, 3, "the body is not a JSON object", 400);
    for (const auto& [key, value] : doc.as_object()) {
      if (value.is_null()) continue;
      if (!value.is_string()) return answer(false, 3, std::string(key) + " must be a string", 400);
      given[std::string(key)] = std::string(value.as_string());
    }
  } else if (type.empty() || util::iequals(type, "application/x-www-form-urlencoded")) {
    auto form = parse_form(request.body);
    if (!form) return answer(false, 3, "the body is not a form (application/x-www-form-urlencoded)", 400);
    for (auto& [key, value] : *form) {
      if (given.contains(key)) return answer(false, 3, "parameter " + key + " is given twice", 400);
      given[key] = std::move(value);
    }
  } else if (util::iequals(type, "multipart/form-data")) {
    auto parts = parse_multipart(request.body, parser::mime_parameter(request.content_type, "boundary").value_or(""));
    if (!parts) return answer(false, 3, "the body is not multipart/form-data with the Content-Type's boundary", 400);
    for (auto& [key, value] : *parts) {
      if (given.contains(key)) return answer(false, 3, "parameter " + key + " is given twice", 400);
      given[key] = std::move(value);
    }
  } else {
    return answer(false, 3,
                  "send the parameters as application/json, application/x-www-form-urlencoded or multipart/form-data", 400);
  }
  // The command first: another command's parameters are not unknown, they are its own.
  const auto command = given.find("Command");
  if (command == given.end() || command->second.empty()) return answer(false, 2, "Command parameter is missing", 400);
  if (command->second != command_name)
    return answer(false, 2, "command " + command->second + " is not supported: bounced takes internal.bounce.register", 400);
  for (const auto& [key, value] : given)
    if (key != "Command" && key != "EmailMessage" && key != "MailFrom" && key != "PowerMTABounceCategory" &&
        key != "SessionID" && key != "APIKey" && key != "ResponseFormat")
      return answer(false, 3, "unknown parameter " + key, 400);
  if (const auto format = given.find("ResponseFormat"); format != given.end() && !util::iequals(format->second, "JSON"))
    return answer(false, 3, "ResponseFormat " + format->second + " is not served: bounced answers JSON", 400);
  const auto message = given.find("EmailMessage");
  if (message == given.end() || message->second.empty()) return answer(false, 1, "EmailMessage parameter is missing", 400);
  if (message->second.size() > message_size_bytes)
    return answer(false, 1, fmt::format("EmailMessage is {} bytes, over the message size limit of {}", message->second.size(), message_size_bytes), 413);
  if (!sink) return answer(false, 0, "Bounce processing error: this server stores no messages", 503);

  storage::message_in in;
  in.raw = std::move(message->second);
  in.via = storage::channel::http;
  in.client = request.client_address;
  const auto from = given.find("MailFrom");
  in.envelope_sender = from == given.end() || from->second.empty() ? "localhost" : from->second;
  if (const auto category = given.find("PowerMTABounceCategory"); category != given.end()) in.pmta_category = category->second;
  in.received_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // The answer waits for the commit, as a 250 does: a request answered Success is a message on
  // disk. The HTTP thread serves other requests meanwhile.
  http_response r;
  r.later = std::make_shared<deferred_response>();
  r.later->start = [sink, in = std::move(in)](std::function<void(http_response)> reply) mutable {
    try {
      sink(std::move(in), [reply](stored_answer stored) {
        if (!stored.stored) return reply(answer(false, 0, "Bounce processing error: " + stored.error, 503));
        http_response ok = answer(true, 0, "", 200);
        ok.headers.emplace_back("X-Bounced-Message", stored.queue_id);
        reply(std::move(ok));
      });
    } catch (const std::exception& e) {
      reply(answer(false, 0, std::string("Bounce processing error: ") + e.what(), 503));
    }
  };
  r.later->timed_out = [] {
    return answer(false, 0,
                  "Bounce processing error: the store did not answer in time; the message may still be stored, "
                  "and sending it again stores it once",
                  503);
  };
  return r;
}

}  // namespace bounced::daemon
