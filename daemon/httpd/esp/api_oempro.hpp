// Oempro's internal.bounce.register (seeds/000): POST /api.php with a raw RFC 822 bounce
// (EmailMessage), the envelope sender (MailFrom, "localhost" when absent) and PowerMTA's bounce
// category (PowerMTABounceCategory, kept as given in pmta_category), as JSON or as a form
// (application/x-www-form-urlencoded or multipart/form-data). ResponseFormat=JSON, which
// Oempro's API clients send, is taken; bounced answers JSON only. The message goes through the same decoding, store and
// duplicate check as mail over LMTP (via "http"), and the answer comes once it is on disk (a
// deferred_response: the HTTP thread does not wait for the commit).
//
// As the document says, the route takes no credentials (SessionID and APIKey are accepted and
// not used): only clients in [api] oempro_networks may call it (loopback by default; a client of
// a UNIX-socket listener is local, and may call where a loopback address may).
//
// Answers have the document's shape, {"Success", "ErrorCode", "ErrorText"}: Success true and
// ErrorCode 0 once stored (a duplicate included). Failures: ErrorCode 0 with "Bounce processing
// error" when storing failed or did not answer in time (HTTP 503: try again), as the document's
// example; 1 EmailMessage
// missing, or larger than message_size_bytes once decoded (HTTP 413, as SMTP's 552 for the same
// message), 2 Command missing or not internal.bounce.register (HTTP 400: before any check of the
// other parameters, which are another command's); 3 a body that is not JSON or a form, or an
// unknown parameter (HTTP 400); 4 a client outside the networks (HTTP 403).
#pragma once

#include <vector>

#include "daemon/params.hpp"
#include "daemon/httpd/http_api.hpp"
#include "daemon/net/network.hpp"

namespace bounced::daemon {

http_response oempro(const http_request& request, const std::vector<ip_network>& networks, const message_sink& sink,
                     std::size_t message_size_bytes = params::message_size_bytes);

// A request refused before it reached the route (a body or a header over the server's limits),
// in the document's shape; code as above (1 for a message too large).
http_response oempro_refusal(int code, const std::string& text, unsigned status);

// application/x-www-form-urlencoded into (name, value) pairs, '+' and %XX decoded; nullopt for
// a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);

// multipart/form-data (RFC 7578, what PHP's curl sends for an array, and curl -F) into (name,
// value) pairs: each part's name from its Content-Disposition, its body as the value, a part with
// a filename (curl -F EmailMessage=@bounce.eml) as any other. boundary is the Content-Type's
// parameter. nullopt where the body does not hold parts between delimiters, or a part has no name.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_multipart(std::string_view body,
                                                                                std::string_view boundary);

}  // namespace bounced::daemon
