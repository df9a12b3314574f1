// XML-RPC (xmlrpc.com's specification) as Mailkit's /rpc.fcgi speaks it: a methodCall whose
// params are scalars is read; a methodResponse or a fault is written.
//
// The reader is a small strict parser of its own, not a general XML parser: it takes the prolog,
// comments and white space between elements, the five predefined entities and character
// references, and nothing else (no DTD, so no external entities; no CDATA). It never recurses,
// so a hostile body cannot exhaust the stack; its work is linear in the body's size. A param
// that is an array or a struct is an error: Mailkit's calls pass scalars only.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bounced::daemon::xmlrpc {

struct value {
  std::string type;  // string, int, i4, i8, boolean, double, dateTime.iso8601, base64, nil
  std::string text;  // as written, entities decoded; "" for nil
};

struct call {
  std::string method;
  std::vector<value> params;
};

struct error {
  std::string message;
};

std::variant<call, error> parse_call(std::string_view body);

// Text escaped for an XML element: &, < and > as entities; bytes that are not valid UTF-8 and
// characters XML 1.0 does not allow (controls other than tab, LF, CR) become U+FFFD.
void append_escaped(std::string& out, std::string_view text);

// <?xml ...?><methodResponse><params><param><value> + inner + </value></param></params></methodResponse>
std::string response_head();
std::string response_tail();
// A whole methodResponse whose one param is a string (Mailkit answers "Unauthorized" so).
std::string string_response(std::string_view text);
// A whole methodResponse with a fault (faultCode, faultString).
std::string fault(int code, std::string_view message);

}  // namespace bounced::daemon::xmlrpc
