// read_head: a message's From and Subject from its header block alone, the same as the decoder
// reads them from the whole message.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "parser/decode.hpp"
#include "parser/mail.hpp"

using namespace bounced::parser;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("read_head finds From and Subject as the decoder does, for every sample and corpus message", "[mail]") {
  namespace fs = std::filesystem;
  std::size_t compared = 0, with_subject = 0;
  for (const fs::path& dir : {fs::path(BOUNCED_SOURCE_DIR) / "samples" / "mail", fs::path(BOUNCED_SHARED_DIR) / "corpus" / "sisimai"}) {
    if (!fs::is_directory(dir)) continue;  // the shared corpus may be absent
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".eml") continue;
      const std::string raw = read_file(e.path());
      const report r = decode(raw);
      const head h = read_head(raw);
      INFO(e.path().string());
      CHECK(h.from == r.envelope_from);
      CHECK(h.subject == r.subject);
      ++compared;
      if (!h.subject.empty()) ++with_subject;
    }
  }
  CHECK(compared >= 10);
  CHECK(with_subject >= 10);
}

TEST_CASE("read_head decodes RFC 2047 words and reads the header block only", "[mail]") {
  const head h = read_head(
      "Received: from x\r\nFrom: =?UTF-8?Q?Mail_Delivery_System?= <MAILER-DAEMON@mx.example.net>\r\n"
      "Subject: =?ISO-8859-1?Q?Unzustellbar=3A_Gr=FC=DFe?=\r\n =?UTF-8?B?KGZvbGRlZCk=?=\r\n\r\n"
      "From: someone@else.example\r\nSubject: not this one\r\n");
  CHECK(h.from == "MAILER-DAEMON@mx.example.net");
  CHECK(h.subject == "Unzustellbar: Grüße(folded)");
  // An mbox From line before the header, as load_mail takes it.
  const head mbox = read_head("From MAILER-DAEMON Mon Nov 23 14:00:00 2026\nFrom: postmaster@example.org\nSubject: x\n\nbody");
  CHECK(mbox.from == "postmaster@example.org");
  CHECK(mbox.subject == "x");
  // No header at all: nothing, not the body's words.
  const head none = read_head("just text\nFrom: a@b.example\n");
  CHECK(none.from.empty());
  CHECK(none.subject.empty());
  CHECK(read_head("").subject.empty());
}

TEST_CASE("read_head looks at no more than max_head_bytes", "[mail]") {
  const std::string padding = "X-Padding: " + std::string(max_head_bytes, 'p') + "\n";
  const head late = read_head("Subject: early\n" + padding + "From: late@example.org\n\nbody");
  CHECK(late.subject == "early");
  CHECK(late.from.empty());  // past the bound
  const head early = read_head("From: early@example.org\nSubject: s\n" + padding + "\nbody");
  CHECK(early.from == "early@example.org");
  CHECK(early.subject == "s");
}
