// The XML-RPC reader and writer of daemon/xmlrpc.hpp: the calls Mailkit's clients send, the
// scalars and entities they may hold, and bodies that are not XML-RPC (each an error, never a
// crash or a deep recursion).
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "daemon/httpd/esp/xmlrpc.hpp"

using namespace bounced::daemon;

namespace {

xmlrpc::call parsed(const std::string& body) {
  auto r = xmlrpc::parse_call(body);
  if (auto* e = std::get_if<xmlrpc::error>(&r)) FAIL(e->message << " in " << body);
  return std::get<xmlrpc::call>(std::move(r));
}

std::string failure(const std::string& body) {
  auto r = xmlrpc::parse_call(body);
  if (std::holds_alternative<xmlrpc::call>(r)) FAIL("accepted: " << body);
  return std::get<xmlrpc::error>(r).message;
}

}  // namespace

TEST_CASE("xmlrpc: Mailkit's call as the document writes it", "[xmlrpc]") {
  const auto c = parsed(R"(<?xml version="1.0"?>
<methodCall>
 <methodName>mailkit.report.raw.bounces</methodName>
 <params>
  <param>
   <value>
    <int>12345</int>
   </value>
  </param>
  <param><value><string>abc&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</string></value></param>
  <param><value>bare text</value></param>
  <param><value><i8>9000000000</i8></value></param>
  <param><value><nil/></value></param>
  <!-- a comment -->
  <param><value><string/></value></param>
 </params>
</methodCall>
)");
  CHECK(c.method == "mailkit.report.raw.bounces");
  REQUIRE(c.params.size() == 6);
  CHECK(c.params[0].type == "int");
  CHECK(c.params[0].text == "12345");
  CHECK(c.params[1].text == "abc&<>\"'AB");
  CHECK(c.params[2].type == "string");
  CHECK(c.params[2].text == "bare text");
  CHECK(c.params[3].type == "i8");
  CHECK(c.params[4].type == "nil");
  CHECK(c.params[5].text.empty());
  CHECK(parsed("<methodCall><methodName>m</methodName></methodCall>").params.empty());
  CHECK(parsed("<methodCall><methodName>m</methodName><params/></methodCall>").params.empty());
  CHECK(parsed("<methodCall><methodName>m</methodName><params><param><value><string>&#x1F600;</string></value></param></params></methodCall>")
            .params[0]
            .text == "\xF0\x9F\x98\x80");
}

TEST_CASE("xmlrpc: a value without a type is a string, white space and all", "[xmlrpc]") {
  // XML-RPC: "If no type is indicated, the type is string"; the spaces are part of it. Around a
  // typed value they are layout.
  const auto c = parsed(
      "<methodCall><methodName>m</methodName><params>"
      "<param><value>  two spaces before and after  </value></param>"
      "<param><value>\n  <string> kept </string>\n</value></param>"
      "<param><value> <!-- a note --> x</value></param>"
      "<param><value>   </value></param>"
      "</params></methodCall>");
  REQUIRE(c.params.size() == 4);
  CHECK(c.params[0].type == "string");
  CHECK(c.params[0].text == "  two spaces before and after  ");
  CHECK(c.params[1].text == " kept ");
  CHECK(c.params[2].text == "  x");
  CHECK(c.params[3].text == "   ");
}

TEST_CASE("xmlrpc: what is not a scalar call is an error", "[xmlrpc]") {
  CHECK_FALSE(failure("").empty());
  CHECK_FALSE(failure("<methodCall>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>m</methodName>").empty());
  CHECK(failure("<methodCall><methodName>m</methodName><params><param><value><array><data/></array></value></param></params></methodCall>")
            .find("array") != std::string::npos);
  CHECK(failure("<methodCall><methodName>m</methodName><params><param><value><struct/></value></param></params></methodCall>")
            .find("struct") != std::string::npos);
  CHECK(failure("<methodCall><methodName>&xxe;</methodName></methodCall>").find("unknown entity") != std::string::npos);
  CHECK_FALSE(failure("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&e;</methodName></methodCall>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>m</methodName></methodCall><more/>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>m</methodName><params><param><value><int>1</i4></value></param></params></methodCall>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>&#0;</methodName></methodCall>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>&#xD800;</methodName></methodCall>").empty());
  // XML 1.0 [66]: a hexadecimal reference is "&#x", lower case only.
  CHECK_FALSE(failure("<methodCall><methodName>&#X41;</methodName></methodCall>").empty());
  CHECK_FALSE(failure("<methodCall><methodName>m</methodName><params><param><value><foo>1</foo></value></param></params></methodCall>").empty());
  // A million nested elements: the reader does not recurse, so this is a plain error.
  std::string deep = "<methodCall><methodName>m</methodName><params><param>";
  for (int i = 0; i < 1000000; ++i) deep += "<value>";
  CHECK_FALSE(failure(deep).empty());
}

TEST_CASE("xmlrpc: answers are escaped, valid UTF-8 and valid XML characters", "[xmlrpc]") {
  std::string out;
  xmlrpc::append_escaped(out, std::string("a<b>&c\x01\xff\tok\xEF\xBF\xBE", 14));
  CHECK(out == "a&lt;b&gt;&amp;c\xEF\xBF\xBD\xEF\xBF\xBD\tok\xEF\xBF\xBD");
  CHECK(xmlrpc::string_response("Unauthorized") ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<methodResponse><params><param><value><string>Unauthorized</string>"
        "</value></param></params></methodResponse>\n");
  const std::string f = xmlrpc::fault(3, "Unknown function <x>");
  CHECK(f.find("<fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member>") != std::string::npos);
  CHECK(f.find("<string>Unknown function &lt;x&gt;</string>") != std::string::npos);
}
