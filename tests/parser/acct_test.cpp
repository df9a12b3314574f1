// PowerMTA accounting records: the CSV reader (quotes, doubled quotes, line breaks inside quotes,
// CRLF, records cut at any byte of a stream, malformed records consumed to their line end), the
// layout from a header row, and the split fields of a record.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "parser/acct.hpp"

using namespace bounced::parser;

namespace {

// A record copied out of the csv_record (whose views do not survive it).
struct copied {
  std::vector<std::string> fields;
  std::size_t lines = 0;
  std::string error;
};

// Every record of the whole text.
std::vector<copied> all_records(std::string_view text) {
  std::vector<copied> out;
  std::size_t at = 0;
  csv_record r;
  while (at < text.size()) {
    const std::size_t n = parse_csv_record(text.substr(at), true, r);
    REQUIRE(n > 0);
    at += n;
    out.push_back({{r.fields.begin(), r.fields.end()}, r.lines, r.error});
  }
  return out;
}

std::vector<std::string> strings(const copied& r) { return r.fields; }
std::vector<std::string> strings(const csv_record& r) { return {r.fields.begin(), r.fields.end()}; }

const std::string header =
    "type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,"
    "dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool,header_X-Campaign-ID";

acct_layout layout_of(const std::string& text) {
  csv_record r;
  REQUIRE(parse_csv_record(text, true, r) == text.size());
  auto l = make_acct_layout(r.fields);
  REQUIRE(std::holds_alternative<acct_layout>(l));
  return std::get<acct_layout>(l);
}

}  // namespace

TEST_CASE("acct csv: fields, quotes, doubled quotes, line breaks inside quotes, CRLF", "[acct]") {
  const std::string text = "a,\"b,c\",\"say \"\"hi\"\"\",,\"two\nlines\"\r\nx,y\n\"\",last";
  const auto rs = all_records(text);
  REQUIRE(rs.size() == 3);
  CHECK(strings(rs[0]) == std::vector<std::string>{"a", "b,c", "say \"hi\"", "", "two\nlines"});
  CHECK(rs[0].lines == 2);
  CHECK(strings(rs[1]) == std::vector<std::string>{"x", "y"});
  CHECK(rs[1].lines == 1);
  CHECK(strings(rs[2]) == std::vector<std::string>{"", "last"});
  for (const auto& r : rs) CHECK(r.error.empty());
}

TEST_CASE("acct csv: a record cut anywhere waits for the rest", "[acct]") {
  const std::string text = "a,\"b,\"\"c\"\"\",\"d\r\ne\"\r\n";
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    csv_record r;
    INFO("cut at " << cut);
    CHECK(parse_csv_record(std::string_view(text).substr(0, cut), false, r) == 0);
  }
  csv_record r;
  REQUIRE(parse_csv_record(text, false, r) == text.size());
  CHECK(strings(r) == std::vector<std::string>{"a", "b,\"c\"", "d\r\ne"});
}

TEST_CASE("acct csv: malformed records are consumed to their line end and named", "[acct]") {
  const auto rs = all_records("a,\"b\"x,c\nok,1\n\"never closed,2\nnext,3\n");
  REQUIRE(rs.size() >= 3);
  CHECK(rs[0].error == "text after a closing quote");
  CHECK(strings(rs[1]) == std::vector<std::string>{"ok", "1"});
  // An unclosed quote at the end of the input: the rest is one malformed record.
  CHECK(rs[2].error == "a quoted field is not closed");
  // A stray quote cannot swallow more than max_record_bytes.
  std::string big = "\"" + std::string(max_record_bytes + 10, 'x') + "\nafter,1\n";
  csv_record r;
  const std::size_t n = parse_csv_record(big, false, r);
  CHECK(r.error == "a quoted field is not closed");
  CHECK(big.substr(n) == "after,1\n");
}

TEST_CASE("acct layout: from the header row, with header_ fields", "[acct]") {
  const acct_layout l = layout_of(header);
  CHECK(l.count == 24);
  CHECK(l.type == 0);
  CHECK(l.rcpt == 4);
  CHECK(l.bounce_cat == 10);
  CHECK(l.job_id == 19);
  REQUIRE(l.headers.size() == 1);
  CHECK(l.headers[0] == std::pair<std::string, int>{"X-Campaign-ID", 23});
  csv_record r;
  parse_csv_record("rcpt,type", true, r);
  CHECK(std::get<std::string>(make_acct_layout(r.fields)) == "the first field must be type, as PowerMTA writes it");
  parse_csv_record("type,rcpt,rcpt", true, r);
  CHECK(std::holds_alternative<std::string>(make_acct_layout(r.fields)));
  parse_csv_record("type,orig", true, r);
  CHECK(std::get<std::string>(make_acct_layout(r.fields)) == "no rcpt field");
}

TEST_CASE("acct layout: a name a letter or two from one bounced reads is named, with that name", "[acct]") {
  // A typo in a header row or --fields (timeLoged) would leave the field unread without a word:
  // every record would get the time of the import.
  const acct_layout typos = layout_of("type,timeLoged,rcpt,dsnStaus,DsnDaig,header_X-Campaign-ID,rpct\n");
  CHECK(typos.near_misses == std::vector<std::pair<std::string, std::string>>{
                                 {"timeLoged", "timeLogged"}, {"dsnStaus", "dsnStatus"}, {"DsnDaig", "dsnDiag"}});
  CHECK(typos.time_logged == -1);
  // PowerMTA's own fields that bounced does not read, far from the ones it does, are not.
  CHECK(layout_of(header).near_misses.empty());
  CHECK(layout_of("type,rcpt,timeQueued,srcMta,srcType,dlvType,dlvSize,vmta,vmtaPool,queue,orcpt,jobId,envId\n")
            .near_misses.empty());
}

TEST_CASE("acct record: status, diagnostic and MTA split, and kinds by type", "[acct]") {
  const acct_layout l = layout_of(header);
  csv_record r;
  const std::string line =
      "b,2016-05-29 01:10:23+0200,2016-05-29 01:10:20+0200,bounces@sender.example,Someone@Example.COM,,failed,"
      "5.1.1 (bad destination mailbox address),\"smtp;550 5.1.1 <someone@example.com>: Recipient address rejected, "
      "unknown\",mx1.example.com (192.0.2.2),bad-mailbox,smtp,app.example (10.0.0.1),smtp,10.1.1.1,192.0.2.2,yes,"
      "5120,vmta1,job-7,env-9,example.com/vmta1,pool,c-42";
  REQUIRE(parse_csv_record(line, true, r) == line.size());
  const auto got = read_acct_record(l, r);
  REQUIRE(std::holds_alternative<acct_record>(got));
  const acct_record& a = std::get<acct_record>(got);
  CHECK(a.kind == acct_kind::bounce);
  CHECK(a.time_logged == 1464477023);  // 2016-05-28T23:10:23Z
  CHECK(a.rcpt == "Someone@Example.COM");
  CHECK(a.orig == "bounces@sender.example");
  CHECK(a.status == "5.1.1");
  CHECK(a.status_text == "bad destination mailbox address");
  CHECK(a.diagnostic_type == "smtp");
  CHECK(a.diagnostic == "550 5.1.1 <someone@example.com>: Recipient address rejected, unknown");
  CHECK(a.reply_code == "550");
  CHECK(a.mta_host == "mx1.example.com");
  CHECK(a.mta_ip == "192.0.2.2");
  CHECK(a.bounce_cat == "bad-mailbox");
  CHECK(a.job_id == "job-7");
  CHECK(a.env_id == "env-9");
  REQUIRE(a.headers.size() == 1);
  CHECK(a.headers[0].first == "X-Campaign-ID");
  CHECK(a.headers[0].second == "c-42");

  for (const auto& [type, kind] : std::vector<std::pair<std::string, acct_kind>>{
           {"b", acct_kind::bounce}, {"rb", acct_kind::bounce}, {"t", acct_kind::delay}, {"tq", acct_kind::delay},
           {"f", acct_kind::complaint}, {"d", acct_kind::delivery}, {"r", acct_kind::other}, {"rs", acct_kind::other}}) {
    const std::string other = type + line.substr(1);
    parse_csv_record(other, true, r);
    const auto o = read_acct_record(l, r);
    REQUIRE(std::holds_alternative<acct_record>(o));
    CHECK(std::get<acct_record>(o).kind == kind);
  }
}

TEST_CASE("acct record: what does not fit its layout is an error with the reason", "[acct]") {
  const acct_layout l = layout_of("type,timeLogged,rcpt,dsnStatus");
  csv_record r;
  parse_csv_record("b,1178807903,a@b.example", true, r);
  CHECK(std::get<std::string>(read_acct_record(l, r)) == "expected 4 fields, found 3");
  parse_csv_record("b,yesterday,a@b.example,5.0.0", true, r);
  CHECK(std::get<std::string>(read_acct_record(l, r)) == "timeLogged is not a time: yesterday");
  parse_csv_record("b,1178807903,,5.0.0", true, r);
  CHECK(std::get<std::string>(read_acct_record(l, r)) == "no recipient (rcpt)");
  parse_csv_record("b,1178807903,a@b.example,mailbox full", true, r);
  const auto a = std::get<acct_record>(read_acct_record(l, r));
  CHECK(a.status.empty());
  CHECK(a.status_text == "mailbox full");
  CHECK(a.time_logged == 1178807903);
}

TEST_CASE("acct time: time_t, PowerMTA's local form and ISO 8601", "[acct]") {
  CHECK(parse_acct_time("1178807903") == 1178807903);
  CHECK(parse_acct_time("2016-05-29 01:10:23+0200") == 1464477023);
  CHECK(parse_acct_time("2016-05-29T01:10:23+02:00") == 1464477023);
  CHECK(parse_acct_time("2016-05-28T23:10:23Z") == 1464477023);
  CHECK(parse_acct_time("2016-05-28 23:10:23") == 1464477023);
  CHECK(parse_acct_time("2016-05-28 23:10:23.250-0100") == 1464480623);
  for (const char* bad : {"", "2016-02-30 00:00:00", "2016-05-28 24:00:00", "2016-05-28 23:10:23+2", "tomorrow",
                          "2016-05-28 23:10:23 junk", "99999999999999"})
    CHECK_FALSE(parse_acct_time(bad));
}
