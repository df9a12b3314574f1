// See rules.hpp. Lines and literal phrases meet in one canonical form (canonical_text: lower
// case, white space folded, ’ as ', the full-width colon as ':'), so the set's patterns are
// case-sensitive literals, which RE2 compiles and matches far faster than case-folded ones; word
// boundaries at an end of a phrase that is an ASCII letter or digit. Label kinds match at the
// start of a line (after list marks and quoting), the original marker only as a line of its own.
// A user decoder's expression is compiled on its own, its named captures looked up once.
#include "parser/rules.hpp"

#include <re2/re2.h>
#include <re2/set.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "parser/decoder.hpp"
#include "parser/mail.hpp"
#include "parser/charset.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

constexpr std::array<std::string_view, phrase_kinds> kind_names = {
    "failure", "delay", "not_failure", "error", "recipient_label", "to_label", "sender_label", "diagnostic_label", "original"};

// What a user decoder's expression runs over at most: a bounce's text, not a mailbox.
constexpr std::size_t max_user_text_bytes = 1 << 20;
// Recipients one user decoder takes from one message at most.
constexpr std::size_t max_user_recipients = 1000;

bool ascii_alnum(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The lower case of a letter of the scripts the phrases are written in (Latin with its
// supplements, Greek, Cyrillic); other code points stay.
std::uint32_t lower_code_point(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
    return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp == 0x178) return 0xFF;
  // Latin Extended-A pairs: even upper, odd lower, but for the ranges that start on an odd one.
  if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149 && cp != 0x17F) {
    const bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (odd_upper ? (cp % 2 == 1) : (cp % 2 == 0)) return cp + 1;
  }
  return cp;
}

}  // namespace

// The form phrases and lines are compared in: letters in lower case, runs of white space as one
// space (ends trimmed), the typographic apostrophe as ' and the full-width colon as ':' with no
// space before it ("Destinataire :" as "destinataire:"). Malformed UTF-8 is copied as it is.
std::string canonical_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0x80) {
      std::size_t need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
      if (need == 0 || i + need >= text.size() + (need == 0)) need = 0;
      if (need > 0 && i + need < text.size() + 1) {
        cp = c & (0x3F >> need);
        bool ok = true;
        for (std::size_t k = 1; k <= need; ++k) {
          if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
            ok = false;
            break;
          }
          cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        }
        if (ok) len = need + 1;
        else cp = c;
      }
      if (len == 1) {  // not UTF-8: the byte as it is
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
    }
    i += len;
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 || cp == 0x3000) {
      space = true;
      continue;
    }
    if (cp == 0x2019 || cp == 0x2018) cp = '\'';
    if (cp == 0xFF1A) cp = ':';
    if (space && !out.empty() && cp != ':') out.push_back(' ');
    space = false;
    append_utf8(out, lower_code_point(cp));
  }
  return out;
}

namespace {

// The RE2 expression for a literal phrase of a kind (see the file's header): the phrase in
// canonical form, matched case-sensitively against lines in canonical form.
std::string phrase_pattern(std::string_view phrase, phrase_kind kind) {
  const std::string canonical = canonical_text(phrase);
  const std::string body = RE2::QuoteMeta(canonical);
  const bool word_start = !canonical.empty() && ascii_alnum(canonical.front());
  const bool word_end = !canonical.empty() && ascii_alnum(canonical.back());
  switch (kind) {
    case phrase_kind::recipient_label:
    case phrase_kind::to_label:
    case phrase_kind::sender_label:
      return "^[ >*\\-\u2022\u00b7]*" + body + (word_end ? "\\b" : "");
    case phrase_kind::original:
      return "^[ \\-=_*~#>.:()\\[\\]]*" + body + "[ \\-=_*~#>.:()\\[\\]]*$";
    default:
      return (word_start ? "\\b" : "") + body + (word_end ? "\\b" : "");
  }
}

std::vector<std::string> strings_at(const toml::node* node, const std::string& source, std::string_view key,
                                    std::optional<rules_error>& err) {
  std::vector<std::string> out;
  if (node == nullptr) return out;
  if (auto s = node->value<std::string>()) {
    out.push_back(*s);
    return out;
  }
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    err = rules_error{source, node->source().begin.line, std::string(key) + " must be a string or an array of strings"};
    return out;
  }
  for (const auto& el : *arr) {
    if (auto s = el.value<std::string>()) out.push_back(*s);
    else err = rules_error{source, el.source().begin.line, std::string(key) + " must hold strings only"};
  }
  return out;
}

struct compiled_decoder {
  user_decoder spec;
  std::unique_ptr<RE2> re;
  int recipient = -1, status = -1, reply_code = -1, diagnostic = -1, action = -1, remote_mta = -1, command = -1;
};

bool any_in(const std::vector<std::string>& needles, std::string_view hay) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) { return icontains(hay, n); });
}

}  // namespace

const char* to_string(phrase_kind kind) noexcept { return kind_names[static_cast<std::size_t>(kind)].data(); }

bool phrase_kind_of(std::string_view name, phrase_kind& kind) noexcept {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == name) {
      kind = static_cast<phrase_kind>(i);
      return true;
    }
  }
  return false;
}

std::string rules_error::to_string() const { return util::located(source, line, message); }

struct decoding_rules::impl {
  std::unique_ptr<RE2::Set> set;
  std::vector<phrase_kind> entry_kind;  // set entry -> its kind
  std::vector<compiled_decoder> decoders;

  std::optional<rules_error> add_source(const rules_source& src, bool user);
  std::optional<rules_error> add_phrase(const std::string& label, std::size_t line, const std::string& pattern, phrase_kind kind);
};

std::optional<rules_error> decoding_rules::impl::add_phrase(const std::string& label, std::size_t line, const std::string& pattern,
                                                            phrase_kind kind) {
  std::string error;
  if (set->Add(pattern, &error) < 0) return rules_error{label, line, "bad phrase \"" + pattern + "\": " + error};
  entry_kind.push_back(kind);
  return std::nullopt;
}

std::optional<rules_error> decoding_rules::impl::add_source(const rules_source& src, bool user) {
  const std::string label = user ? src.name : "shipped:" + src.name;
  toml::table t;
  try {
    t = toml::parse(src.text, src.name);
  } catch (const toml::parse_error& e) {
    return rules_error{label, e.source().begin.line, std::string(e.description())};
  }
  for (const auto& [key, value] : t) {
    const std::string_view k = key.str();
    // [[rule]] and reason are the classifier's (classifier/classify.hpp); lang names a file.
    if (k == "rule" || k == "reason" || k == "lang" || k == "phrases" || k == "phrase_regex" || k == "decoder") continue;
    return rules_error{label, value.source().begin.line,
                       "unknown table or key \"" + std::string(k) + "\" (a rules file holds [[rule]], [phrases], [phrase_regex] and [[decoder]])"};
  }
  for (const bool regex : {false, true}) {
    const char* table_name = regex ? "phrase_regex" : "phrases";
    const toml::node* node = t.get(table_name);
    if (node == nullptr) continue;
    const toml::table* phrases = node->as_table();
    if (phrases == nullptr) return rules_error{label, node->source().begin.line, std::string(table_name) + " must be a table ([" + table_name + "])"};
    for (const auto& [key, value] : *phrases) {
      phrase_kind kind{};
      if (!phrase_kind_of(key.str(), kind))
        return rules_error{label, value.source().begin.line,
                           "unknown phrase kind \"" + std::string(key.str()) +
                               "\" (failure, delay, not_failure, error, recipient_label, to_label, sender_label, diagnostic_label, original)"};
      std::optional<rules_error> err;
      const auto list = strings_at(&value, label, key.str(), err);
      if (err) return err;
      for (const auto& p : list) {
        if (p.empty()) return rules_error{label, value.source().begin.line, "an empty phrase matches everything"};
        if (auto e = add_phrase(label, value.source().begin.line, regex ? p : phrase_pattern(p, kind), kind)) return e;
      }
    }
  }
  const toml::node* decoder_node = t.get("decoder");
  if (decoder_node == nullptr) return std::nullopt;
  const toml::array* arr = decoder_node->as_array();
  if (arr == nullptr) return rules_error{label, decoder_node->source().begin.line, "decoder must be an array of tables ([[decoder]])"};
  for (const auto& el : *arr) {
    const toml::table* dt = el.as_table();
    const std::size_t line = el.source().begin.line;
    if (dt == nullptr) return rules_error{label, line, "each [[decoder]] must be a table"};
    for (const auto& [key, value] : *dt) {
      static constexpr std::array<std::string_view, 7> known = {"name", "from", "subject", "body", "regex", "scope", "action"};
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        return rules_error{label, value.source().begin.line,
                           "decoder: unknown key \"" + std::string(key.str()) + "\" (name, from, subject, body, regex, scope, action)"};
    }
    compiled_decoder d;
    d.spec.name = (*dt)["name"].value_or(std::string());
    if (d.spec.name.empty()) return rules_error{label, line, "decoder needs a name (it becomes decodedby)"};
    const std::string id = "decoder \"" + d.spec.name + "\"";
    std::optional<rules_error> err;
    d.spec.from = strings_at(dt->get("from"), label, "from", err);
    d.spec.subject = strings_at(dt->get("subject"), label, "subject", err);
    d.spec.body = strings_at(dt->get("body"), label, "body", err);
    if (err) return err;
    if (d.spec.from.empty() && d.spec.subject.empty() && d.spec.body.empty())
      return rules_error{label, line, id + ": give at least one of from, subject and body, so it does not claim every message"};
    const std::string scope = (*dt)["scope"].value_or(std::string("notice"));
    if (scope != "notice" && scope != "message") return rules_error{label, line, id + ": scope is \"notice\" or \"message\""};
    d.spec.whole_message = scope == "message";
    d.spec.action = (*dt)["action"].value_or(std::string("failed"));
    if (d.spec.action != "failed" && d.spec.action != "delayed" && d.spec.action != "delivered" && d.spec.action != "relayed" &&
        d.spec.action != "expanded")
      return rules_error{label, line, id + ": action is one of failed, delayed, delivered, relayed, expanded"};
    const std::string regex = (*dt)["regex"].value_or(std::string());
    if (regex.empty()) return rules_error{label, line, id + ": regex is missing (an RE2 expression with (?P<recipient>...))"};
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(16 << 20);
    d.re = std::make_unique<RE2>(regex, options);
    if (!d.re->ok()) return rules_error{label, line, id + ": bad regex: " + d.re->error()};
    for (const auto& [name, index] : d.re->NamedCapturingGroups()) {
      if (name == "recipient") d.recipient = index;
      else if (name == "status") d.status = index;
      else if (name == "reply_code") d.reply_code = index;
      else if (name == "diagnostic") d.diagnostic = index;
      else if (name == "action") d.action = index;
      else if (name == "remote_mta") d.remote_mta = index;
      else if (name == "command") d.command = index;
      else
        return rules_error{label, line,
                           id + ": unknown capture \"" + name + "\" (recipient, status, reply_code, diagnostic, action, remote_mta, command)"};
    }
    if (d.recipient < 0) return rules_error{label, line, id + ": regex needs a named capture (?P<recipient>...)"};
    decoders.push_back(std::move(d));
  }
  return std::nullopt;
}

std::variant<decoding_rules, rules_error> decoding_rules::compile(const std::vector<rules_source>& user_sources) {
  auto p = std::make_unique<impl>();
  RE2::Options options;
  // Case-sensitive: lines are matched in canonical form (lower case), as the phrases are written.
  options.set_case_sensitive(true);
  options.set_log_errors(false);
  options.set_max_mem(256 << 20);
  p->set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const auto& src : user_sources)
    if (auto e = p->add_source(src, true)) return *e;
  for (const auto& src : shipped_phrase_files())
    if (auto e = p->add_source(src, false)) return *e;
  if (p->entry_kind.empty()) {
    // RE2::Set refuses to match with no patterns; one that never matches keeps the code simple.
    std::string error;
    p->set->Add("\\A\\z\\A[^\\x00-\\x{10FFFF}]", &error);
    p->entry_kind.push_back(phrase_kind::original);
  }
  if (!p->set->Compile()) return rules_error{"rules", 0, "the phrases do not compile into one set (too large)"};
  return decoding_rules(std::move(p));
}

const decoding_rules& decoding_rules::shipped() {
  static const decoding_rules rules = [] {
    auto compiled = compile({});
    // The shipped files are tested (tests/parser/rules_test.cpp): a failure here is a build's bug.
    if (std::holds_alternative<rules_error>(compiled)) std::abort();
    return std::move(std::get<decoding_rules>(compiled));
  }();
  return rules;
}

phrase_hits decoding_rules::match(std::string_view line) const {
  phrase_hits hits;
  if (line.empty()) return hits;
  std::vector<int> entries;
  const std::string canonical = canonical_text(line);
  impl_->set->Match(canonical, &entries);
  for (int e : entries) hits.add(impl_->entry_kind[static_cast<std::size_t>(e)]);
  return hits;
}

std::size_t decoding_rules::phrases() const noexcept { return impl_->entry_kind.size(); }
std::size_t decoding_rules::decoders() const noexcept { return impl_->decoders.size(); }

bool decoding_rules::decode_user(const mail& m, report& out) const {
  for (const compiled_decoder& d : impl_->decoders) {
    if (!d.spec.from.empty() && !any_in(d.spec.from, m.header("From"))) continue;
    if (!d.spec.subject.empty() && !any_in(d.spec.subject, m.subject())) continue;
    if (!d.spec.body.empty() && !any_in(d.spec.body, m.body_text)) continue;
    std::string_view text = d.spec.whole_message ? std::string_view(m.text) : m.notice();
    text = text.substr(0, std::min(text.size(), max_user_text_bytes));
    const int groups = d.re->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> captures(static_cast<std::size_t>(groups) + 1);
    std::size_t at = 0;
    std::size_t found = 0;
    while (at <= text.size() && found < max_user_recipients &&
           d.re->Match(text, at, text.size(), RE2::UNANCHORED, captures.data(), groups + 1)) {
      const std::string_view whole(captures[0].data(), captures[0].size());
      const std::size_t end = static_cast<std::size_t>(whole.data() - text.data()) + whole.size();
      at = whole.empty() ? end + 1 : end;  // an empty match moves on a byte
      auto group = [&](int index) {
        if (index < 0) return std::string_view();
        const re2::StringPiece& c = captures[static_cast<std::size_t>(index)];
        return trim(std::string_view(c.data(), c.size()));
      };
      const std::string address = normalize_address(group(d.recipient));
      if (address.empty()) continue;
      recipient_report& r = add_recipient(out, address);
      ++found;
      if (const std::string_view s = group(d.status); !s.empty()) r.status = find_status_code(s);
      if (const std::string_view c = group(d.reply_code); !c.empty()) r.reply_code = find_reply_code(c);
      if (const std::string_view t = group(d.diagnostic); !t.empty()) r.diagnostic = fold_space(t.substr(0, 4096));
      if (const std::string_view c = group(d.command); !c.empty()) r.command = std::string(c.substr(0, std::min(c.find(' '), c.size())));
      if (const std::string_view h = group(d.remote_mta); !h.empty()) r.remote_mta = std::string(h.substr(0, 255));
      const std::string action = to_lower(group(d.action));
      r.action = action == "failed" || action == "delayed" || action == "delivered" || action == "relayed" || action == "expanded"
                     ? action
                     : d.spec.action;
      r.command = to_upper(r.command);
    }
    if (!out.recipients.empty()) {
      out.decoded_by = d.spec.name;
      return true;
    }
  }
  return false;
}

decoding_rules::decoding_rules(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
decoding_rules::decoding_rules(decoding_rules&&) noexcept = default;
decoding_rules& decoding_rules::operator=(decoding_rules&&) noexcept = default;
decoding_rules::~decoding_rules() = default;

}  // namespace bounced::parser
