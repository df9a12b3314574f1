// What the HTTP interfaces share (http_api.cpp's native /v1 and the ESP interfaces of
// api_mailkit, api_inxmail and api_oempro): whole numbers from request text, credentials checked
// in constant time, JSON answers. Plain C++: no Beast, no Boost.URL here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/httpd/http_api.hpp"

namespace bounced::daemon {

// A whole number below 10^18 written in decimal digits only (no sign); nullopt otherwise.
std::optional<std::int64_t> to_int(std::string_view s);
// A count of 1 or more in decimal digits, however long, at most cap (a page size or limit past
// the cap is the cap); nullopt for anything else (no digits, a sign, 0).
std::optional<std::int64_t> capped_count(std::string_view s, std::int64_t cap);
// Constant time in the length of the secret given.
bool same_secret(std::string_view given, std::string_view expected);
// Whether id and secret are one of the clients'; every client is compared (no early exit).
bool known_client(const std::vector<api_key>& clients, std::string_view id, std::string_view secret);
// The id and secret of an `Authorization: Basic ...` header; nullopt for anything else.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header);
// Bearer SECRET, or Basic with a key's id and secret.
bool authorised(const std::vector<api_key>& keys, std::string_view header);

http_response json_response(std::string body, unsigned status = 200);
void append_json_int(std::string& out, std::int64_t v);

}  // namespace bounced::daemon
