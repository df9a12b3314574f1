// See acct.hpp.
#include "parser/acct.hpp"

#include <algorithm>

#include <chrono>
#include <cstring>

#include "parser/text.hpp"

namespace bounced::parser {

namespace {

// Where the line that `from` is in ends (past its '\n'), or npos.
std::size_t line_end(std::string_view text, std::size_t from) {
  const std::size_t nl = text.find('\n', from);
  return nl == std::string_view::npos ? nl : nl + 1;
}

std::size_t count_newlines(std::string_view text) {
  std::size_t n = 0;
  for (const char* p = text.data(); (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(text.data() + text.size() - p)))) != nullptr; ++p)
    ++n;
  return n;
}

// A malformed record: consumed through the line break at or after `from`, or to the end of the
// text at its end; 0 when that line break has not arrived yet.
std::size_t malformed(std::string_view text, std::size_t from, bool at_eof, csv_record& out, std::string why) {
  std::size_t end = line_end(text, from);
  if (end == std::string_view::npos) {
    if (!at_eof) return 0;
    end = text.size();
  }
  out.fields.clear();
  out.unquoted.clear();
  out.error = std::move(why);
  out.lines = count_newlines(text.substr(0, end));
  if (out.lines == 0) out.lines = 1;
  return end;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool two_digits(std::string_view s, std::size_t at, int& v) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
  v = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

// "5.1.1 (bad destination mailbox address)" -> "5.1.1", "bad destination mailbox address".
void split_status(std::string_view text, acct_record& r) {
  text = trim(text);
  const std::size_t space = text.find_first_of(" (");
  const std::string_view code = text.substr(0, space);
  // RFC 3463: class "." subject "." detail, digits only.
  std::size_t dots = 0;
  bool ok = !code.empty();
  for (char c : code) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') ok = false;
  }
  if (!ok || dots != 2) {
    r.status_text = text;
    return;
  }
  r.status = code;
  std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
  if (rest.size() >= 2 && rest.front() == '(' && rest.back() == ')') rest = trim(rest.substr(1, rest.size() - 2));
  r.status_text = rest;
}

// "smtp;550 5.1.1 <a@b>: user unknown" -> "smtp", "550 5.1.1 ...", "550".
void split_diagnostic(std::string_view text, acct_record& r) {
  text = trim(text);
  const std::size_t semi = text.find(';');
  // RFC 3464 2.3.6: diagnostic-type ";" *text; a type is an atom (no spaces).
  if (semi != std::string_view::npos && semi > 0 && text.substr(0, semi).find(' ') == std::string_view::npos) {
    r.diagnostic_type = trim(text.substr(0, semi));
    text = trim(text.substr(semi + 1));
  }
  r.diagnostic = text;
  if (text.size() >= 3 && (text[0] == '4' || text[0] == '5' || text[0] == '2') && text[1] >= '0' && text[1] <= '9' &&
      text[2] >= '0' && text[2] <= '9' && (text.size() == 3 || text[3] == ' ' || text[3] == '-'))
    r.reply_code = text.substr(0, 3);
}

// "mx1.example.com (192.0.2.2)" -> host, address; a bare host or address alone.
void split_mta(std::string_view text, acct_record& r) {
  text = trim(text);
  const std::size_t open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') {
    r.mta_host = text;
    return;
  }
  r.mta_host = trim(text.substr(0, open));
  r.mta_ip = trim(text.substr(open + 1, text.size() - open - 2));
}

acct_kind kind_of(std::string_view type) {
  if (iequals(type, "b") || iequals(type, "rb") || iequals(type, "bounce") || iequals(type, "remote-bounce"))
    return acct_kind::bounce;
  if (iequals(type, "t") || iequals(type, "tq") || iequals(type, "transient") || iequals(type, "transient-queue"))
    return acct_kind::delay;
  if (iequals(type, "f") || iequals(type, "feedback-loop")) return acct_kind::complaint;
  if (iequals(type, "d") || iequals(type, "delivery")) return acct_kind::delivery;
  return acct_kind::other;
}

}  // namespace

std::size_t parse_csv_record(std::string_view text, bool at_eof, csv_record& out) {
  out.fields.clear();
  out.unquoted.clear();
  out.error.clear();
  out.lines = 0;
  // Fields with doubled quotes are unescaped into `unquoted`; their views are set at the end,
  // once `unquoted` no longer grows.
  struct pending {
    std::size_t field, at, size;
  };
  std::vector<pending> unescaped;
  std::size_t i = 0, inner_newlines = 0;
  const std::size_t n = text.size();
  for (;;) {
    if (i > max_record_bytes)
      return malformed(text, 0, at_eof, out, "a record longer than " + std::to_string(max_record_bytes) + " bytes");
    std::size_t end = 0;  // set when the record ends after this field: the bytes it takes
    if (i < n && text[i] == '"') {
      std::size_t j = i + 1, q = 0;
      bool doubled = false;
      for (;;) {
        q = text.find('"', j);
        if (q == std::string_view::npos || q > max_record_bytes) {
          if (!at_eof && n <= max_record_bytes) return 0;
          return malformed(text, 0, at_eof, out, "a quoted field is not closed");
        }
        if (q + 1 < n && text[q + 1] == '"') {
          doubled = true;
          j = q + 2;
          continue;
        }
        if (q + 1 == n && !at_eof) return 0;  // a doubled quote may be on its way
        break;
      }
      const std::string_view content = text.substr(i + 1, q - i - 1);
      inner_newlines += count_newlines(content);
      if (doubled) {
        const std::size_t at = out.unquoted.size();
        for (std::size_t k = 0; k < content.size(); ++k) {
          out.unquoted += content[k];
          if (content[k] == '"') ++k;  // the second of a pair
        }
        unescaped.push_back({out.fields.size(), at, out.unquoted.size() - at});
      }
      out.fields.push_back(content);
      i = q + 1;
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i == n) {
        if (!at_eof) return 0;
        end = n;
      } else if (text[i] == '\n') {
        end = i + 1;
      } else if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') {
        end = i + 2;
      } else if (text[i] == '\r' && i + 1 == n && !at_eof) {
        return 0;
      } else {
        // Only the record's first line: a quote opened by mistake (a line cut off inside a quoted
        // field) must not take the lines it ran over with it.
        return malformed(text, 0, at_eof, out, "text after a closing quote");
      }
    } else {
      std::size_t k = i;
      while (k < n && text[k] != ',' && text[k] != '\n') ++k;
      if (k == n && !at_eof) return n > max_record_bytes ? malformed(text, 0, at_eof, out, "a record longer than " + std::to_string(max_record_bytes) + " bytes") : 0;
      if (k > max_record_bytes)
        return malformed(text, 0, at_eof, out, "a record longer than " + std::to_string(max_record_bytes) + " bytes");
      std::string_view field = text.substr(i, k - i);
      if (k < n && text[k] == ',') {
        out.fields.push_back(field);
        i = k + 1;
        continue;
      }
      if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
      out.fields.push_back(field);
      end = k < n ? k + 1 : n;
    }
    out.lines = inner_newlines + (end > 0 && text[end - 1] == '\n' ? 1 : 0);
    if (out.lines == 0) out.lines = 1;  // the last line of a file, with no line break
    for (const pending& p : unescaped) out.fields[p.field] = std::string_view(out.unquoted).substr(p.at, p.size);
    return end;
  }
}

namespace {

// A header row's first name without a UTF-8 byte order mark before it (a file saved by an
// editor or a spreadsheet, or files joined with cat).
std::string_view without_bom(std::string_view name) {
  return name.starts_with("\xEF\xBB\xBF") ? name.substr(3) : name;
}

// Edits (insert, delete, replace, swap two neighbours) between two short names, in any case;
// stops counting past limit.
std::size_t name_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (a.size() > b.size() + limit || b.size() > a.size() + limit) return limit + 1;
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::variant<acct_layout, std::string> make_acct_layout(const std::vector<std::string_view>& names) {
  acct_layout l;
  l.count = names.size();
  struct known {
    std::string_view name;
    int acct_layout::*slot;
  };
  static constexpr known fields[] = {
      {"type", &acct_layout::type},           {"timeLogged", &acct_layout::time_logged},
      {"orig", &acct_layout::orig},           {"rcpt", &acct_layout::rcpt},
      {"orcpt", &acct_layout::orcpt},         {"dsnAction", &acct_layout::dsn_action},
      {"dsnStatus", &acct_layout::dsn_status}, {"dsnDiag", &acct_layout::dsn_diag},
      {"dsnMta", &acct_layout::dsn_mta},       {"dsnReportingMta", &acct_layout::dsn_reporting_mta},
      {"bounceCat", &acct_layout::bounce_cat}, {"jobId", &acct_layout::job_id},
      {"envId", &acct_layout::env_id},         {"feedbackType", &acct_layout::feedback_type},
  };
  const auto name_of = [&](std::size_t i) { return trim(i == 0 ? without_bom(names[i]) : names[i]); };
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = name_of(i);
    if (name.empty()) return "field " + std::to_string(i + 1) + " has no name";
    for (std::size_t j = 0; j < i; ++j)
      if (iequals(name_of(j), name)) return "field " + std::string(name) + " is named twice";
    if (!l.names.empty()) l.names += ',';
    l.names += name;
    bool matched = false;
    for (const known& k : fields) {
      if (iequals(name, k.name)) {
        l.*k.slot = static_cast<int>(i);
        matched = true;
      }
    }
    if (!matched && istarts_with(name, "header_") && name.size() > 7)
      l.headers.emplace_back(std::string(name.substr(7)), static_cast<int>(i));
  }
  // Typos: a name matched nothing, is not a header_ field, and is one edit (names of up to five
  // letters) or two from a name bounced reads that the layout lacks.
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = name_of(i);
    if (istarts_with(name, "header_")) continue;
    if (std::any_of(std::begin(fields), std::end(fields), [&](const known& k) { return iequals(name, k.name); })) continue;
    for (const known& k : fields) {
      if (l.*k.slot >= 0) continue;
      const std::size_t limit = k.name.size() <= 5 ? 1 : 2;
      if (name_distance(name, k.name, limit) <= limit) {
        l.near_misses.emplace_back(std::string(name), std::string(k.name));
        break;
      }
    }
  }
  if (l.type != 0) return "the first field must be type, as PowerMTA writes it";
  if (l.rcpt < 0) return "no rcpt field";
  return l;
}

bool is_acct_header(const csv_record& record) {
  return record.error.empty() && !record.fields.empty() && iequals(trim(without_bom(record.fields[0])), "type");
}

std::variant<acct_record, std::string> read_acct_record(const acct_layout& layout, const csv_record& record) {
  if (!record.error.empty()) return record.error;
  if (record.fields.size() != layout.count)
    return "expected " + std::to_string(layout.count) + " fields, found " + std::to_string(record.fields.size());
  acct_record r;
  const auto field = [&record](int at) { return at < 0 ? std::string_view() : trim(record.fields[static_cast<std::size_t>(at)]); };
  r.type = field(layout.type);
  r.kind = kind_of(r.type);
  if (r.kind == acct_kind::other) return r;  // received, remote status, ...: nothing to store
  r.rcpt = field(layout.rcpt);
  if (r.rcpt.empty()) return "no recipient (rcpt)";
  {
    // As a DSN's address is read (clean_address: <>, rfc822;), then one '@' with something on
    // each side and nothing that cannot be in an address.
    const std::string address = clean_address(r.rcpt);
    const std::size_t at = address.rfind('@');
    const bool bad_byte = std::any_of(address.begin(), address.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u <= 0x20 || u == 0x7F;
    });
    if (at == std::string::npos || at == 0 || at + 1 == address.size() || bad_byte)
      return "rcpt is not an address: " + std::string(r.rcpt.substr(0, 64));
  }
  if (const std::string_view t = field(layout.time_logged); !t.empty()) {
    r.time_logged = parse_acct_time(t);
    if (!r.time_logged) return "timeLogged is not a time: " + std::string(t.substr(0, 64));
  }
  r.orig = field(layout.orig);
  r.orcpt = field(layout.orcpt);
  r.action = field(layout.dsn_action);
  split_status(field(layout.dsn_status), r);
  split_diagnostic(field(layout.dsn_diag), r);
  split_mta(field(layout.dsn_mta), r);
  r.reporting_mta = field(layout.dsn_reporting_mta);
  r.bounce_cat = field(layout.bounce_cat);
  r.job_id = field(layout.job_id);
  r.env_id = field(layout.env_id);
  r.feedback_type = field(layout.feedback_type);
  for (const auto& [name, at] : layout.headers)
    if (const std::string_view v = field(at); !v.empty()) r.headers.emplace_back(name, v);
  return r;
}

std::optional<std::int64_t> parse_acct_time(std::string_view s) {
  using namespace std::chrono;
  s = trim(s);
  if (all_digits(s)) {
    if (s.size() > 12) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
  }
  int y1 = 0, y2 = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || !two_digits(s, 0, y1) || !two_digits(s, 2, y2) || s[4] != '-' || !two_digits(s, 5, mo) ||
      s[7] != '-' || !two_digits(s, 8, d) || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || !two_digits(s, 11, h) ||
      s[13] != ':' || !two_digits(s, 14, mi) || s[16] != ':' || !two_digits(s, 17, sec))
    return std::nullopt;
  const year_month_day ymd{year{y1 * 100 + y2}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
  }
  while (at < s.size() && s[at] == ' ') ++at;
  int offset = 0;
  if (at < s.size()) {
    if (s[at] == 'Z' || s[at] == 'z') {
      ++at;
    } else if (s[at] == '+' || s[at] == '-') {
      int oh = 0, om = 0;
      if (!two_digits(s, at + 1, oh)) return std::nullopt;
      std::size_t m = at + 3;
      if (m < s.size() && s[m] == ':') ++m;
      if (!two_digits(s, m, om) || oh > 23 || om > 59) return std::nullopt;
      offset = (s[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      at = m + 2;
    }
    if (at != s.size()) return std::nullopt;
  }
  return sys_days(ymd).time_since_epoch().count() * std::int64_t{86400} + h * 3600 + mi * 60 + sec - offset;
}

}  // namespace bounced::parser
