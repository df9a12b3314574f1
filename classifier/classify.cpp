// See classify.hpp. Compilation: every rule's phrases (escaped literals) and regexes join one
// RE2::Set; a rule remembers which set entries are its own. Classification: one RE2 set match
// over the diagnostic gives the entries that hit; the candidate rules are those entries' rules
// plus the rules with no text condition; the first candidate in priority order whose other
// conditions (status, reply code, command, remote host) hold decides. A rule may share another
// rule's words (`like`), be ruled out by the words of other reasons (`unless`), and belong to the
// first or second pass (`tier`, see reasons.toml), which mirror Sisimai's two-stage decision.
#include "classifier/classify.hpp"

#include <re2/re2.h>
#include <re2/set.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "util/text.hpp"

namespace bounced::classifier {

namespace {

// Only this much of a diagnostic is matched: reasons are stated at the start, and the bound
// keeps classification time independent of what a hostile bounce quotes.
constexpr std::size_t max_diagnostic_bytes = 8192;

enum class hardness { always, permanent, never };

struct reason_info {
  std::string category;
  hardness hard = hardness::never;
  std::string code;  // pseudo status detail, "911" -> x.0.911
  bool failure = true;
};

struct rule {
  std::string id;
  std::string reason;
  std::vector<std::string> status;   // prefixes
  std::vector<std::string> reply;    // prefixes
  std::vector<std::string> command;  // exact, upper case
  std::vector<std::string> rhost;    // suffixes, lower case
  std::vector<std::string> hint;     // decoder hints
  std::vector<std::string> action;   // DSN actions
  std::vector<std::string> unless;   // reasons whose words, when present, rule this rule out
  std::vector<std::string> type;     // diagnostic types, upper case ("X-UNIX")
  std::optional<bool> local;         // the failure was decided by the recipient's own system
  std::string like;                  // id of a rule whose words this rule shares
  bool has_text = false;
  std::string category;              // override
  std::optional<bool> hard;          // override
};

using util::to_lower;

// A code pattern is a whole code ("5.1.1", "550") or a prefix ending in '*' ("5.1.*", "4*").
bool code_matches(const std::vector<std::string>& patterns, std::string_view value) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      const std::string_view prefix(p.data(), p.size() - 1);
      if (value.size() >= prefix.size() && value.substr(0, prefix.size()) == prefix && !value.empty()) return true;
    } else if (value == p) {
      return true;
    }
  }
  return false;
}

bool suffix_any(const std::vector<std::string>& suffixes, std::string_view host) {
  if (suffixes.empty()) return true;
  for (const auto& s : suffixes)
    if (host.size() >= s.size() && host.substr(host.size() - s.size()) == s &&
        (host.size() == s.size() || host[host.size() - s.size() - 1] == '.' || s.front() == '.'))
      return true;
  return false;
}

bool trim_empty(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool equal_any(const std::vector<std::string>& values, std::string_view value) {
  if (values.empty()) return true;
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::string rule_error::to_string() const { return util::located(source, line, message); }

struct rule_set::impl {
  std::map<std::string, reason_info> reasons;
  std::vector<rule> rules;                  // in priority order
  std::vector<std::size_t> entry_rule;      // RE2 set entry -> rule index
  std::vector<std::size_t> textless_rules;  // rules with no phrase or regex, in order
  std::vector<std::vector<std::size_t>> followers;  // rule -> the rules that share its words
  std::size_t user_rules = 0;               // rules [0, user_rules) came from the user
  std::vector<std::string> temporary_words;  // lower case; see reasons.toml
  std::vector<std::string> retry_reasons;    // reasons of the second pass (retry_order)
  std::unique_ptr<RE2::Set> set;

  verdict make(const rule& r, const input& in) const;
  bool says_temporary(std::string_view text) const;
};

namespace {

std::vector<std::string> strings_of(const toml::node_view<const toml::node>& node, const std::string& source,
                                    std::string_view key, std::optional<rule_error>& err) {
  std::vector<std::string> out;
  if (!node) return out;
  if (auto s = node.value<std::string>()) {
    out.push_back(*s);
    return out;
  }
  const toml::array* arr = node.as_array();
  if (!arr) {
    err = rule_error{source, node.node()->source().begin.line, std::string(key) + " must be a string or an array of strings"};
    return out;
  }
  for (const auto& el : *arr) {
    if (auto s = el.value<std::string>()) out.push_back(*s);
    else err = rule_error{source, el.source().begin.line, std::string(key) + " must hold strings only"};
  }
  return out;
}

}  // namespace

std::variant<rule_set, rule_error> rule_set::compile(const std::vector<rule_source>& user_sources) {
  auto p = std::make_unique<impl>();
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  options.set_max_mem(256 << 20);
  p->set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);

  // Sources in priority order: the user's first, then the shipped ones.
  std::vector<const rule_source*> sources;  // the user's
  for (const auto& s : user_sources) sources.push_back(&s);
  std::vector<const rule_source*> shipped;
  for (const auto& s : shipped_rules()) shipped.push_back(&s);

  // The reason table comes from the shipped reasons.toml (a user file may add reasons).
  std::vector<std::string> order, retry_order;
  for (const rule_source* src : shipped) {
    if (src->name != "reasons.toml") continue;
    toml::table t;
    try {
      t = toml::parse(src->text, src->name);
    } catch (const toml::parse_error& e) {
      return rule_error{"shipped:" + src->name, e.source().begin.line, std::string(e.description())};
    }
    if (const toml::table* reasons = t["reason"].as_table()) {
      for (const auto& [key, value] : *reasons) {
        const toml::table* info = value.as_table();
        if (!info) continue;
        reason_info ri;
        ri.category = (*info)["category"].value_or(std::string());
        const std::string hard = (*info)["hard"].value_or(std::string("never"));
        ri.hard = hard == "always" ? hardness::always : hard == "permanent" ? hardness::permanent : hardness::never;
        ri.code = (*info)["code"].value_or(std::string());
        ri.failure = (*info)["failure"].value_or(true);
        p->reasons[std::string(key.str())] = ri;
      }
    }
    if (const toml::array* o = t["order"].as_array())
      for (const auto& el : *o)
        if (auto s = el.value<std::string>()) order.push_back(*s);
    if (const toml::array* o = t["retry_order"].as_array())
      for (const auto& el : *o)
        if (auto s = el.value<std::string>()) retry_order.push_back(*s);
    if (const toml::array* o = t["temporary_words"].as_array())
      for (const auto& el : *o)
        if (auto s = el.value<std::string>()) p->temporary_words.push_back(to_lower(*s));
  }
  // Shipped rule files come in tiers, as Sisimai decides in stages: tier 1 follows `order`
  // (a reason's words or its own status code), tier 2 follows `retry_order` (what is left when
  // the first pass found nothing), and status.toml's fallbacks close the list. A rule names its
  // tier (default 1); within a tier, files follow the tier's order, unlisted files after.
  std::vector<const rule_source*> files;
  p->retry_reasons = retry_order;
  for (const rule_source* src : shipped)
    if (src->name != "reasons.toml" && src->name != "status.toml") files.push_back(src);
  auto in_order = [&](const std::vector<std::string>& names) {
    std::vector<const rule_source*> out;
    for (const auto& reason : names)
      for (const rule_source* src : files)
        if (src->name == reason + ".toml" && std::find(out.begin(), out.end(), src) == out.end()) out.push_back(src);
    for (const rule_source* src : files)
      if (std::find(out.begin(), out.end(), src) == out.end()) out.push_back(src);
    return out;
  };
  struct pass {
    const rule_source* src;
    std::int64_t tier;  // 0: every rule of the file
  };
  std::vector<pass> passes;
  for (const rule_source* src : sources) passes.push_back({src, 0});
  const std::size_t user_count = passes.size();
  for (const rule_source* src : in_order(order)) passes.push_back({src, 1});
  for (const rule_source* src : in_order(retry_order)) passes.push_back({src, 2});
  for (const rule_source* src : shipped)
    if (src->name == "status.toml") passes.push_back({src, 0});

  for (std::size_t si = 0; si < passes.size(); ++si) {
    const rule_source& src = *passes[si].src;
    if (si == user_count) p->user_rules = p->rules.size();
    const std::string label = si < user_count ? src.name : "shipped:" + src.name;
    toml::table t;
    try {
      t = toml::parse(src.text, src.name);
    } catch (const toml::parse_error& e) {
      return rule_error{label, e.source().begin.line, std::string(e.description())};
    }
    const std::string file_reason = t["reason"].value_or(std::string());
    const toml::array* rules = t["rule"].as_array();
    if (!rules) {
      if (t.contains("rule")) return rule_error{label, t["rule"].node()->source().begin.line, "rule must be an array of tables ([[rule]])"};
      continue;
    }
    for (const auto& el : *rules) {
      const toml::table* rt = el.as_table();
      const std::size_t line = el.source().begin.line;
      if (!rt) return rule_error{label, line, "each [[rule]] must be a table"};
      const std::int64_t tier = (*rt)["tier"].value_or(std::int64_t{1});
      if (tier < 1 || tier > 2) return rule_error{label, line, "tier must be 1 or 2"};
      if (passes[si].tier != 0 && tier != passes[si].tier) continue;
      rule r;
      r.reason = (*rt)["reason"].value_or(file_reason);
      r.id = (*rt)["id"].value_or(std::string());
      if (r.id.empty()) r.id = src.name + ":" + std::to_string(line);
      if (r.reason.empty()) return rule_error{label, line, "rule " + r.id + " names no reason"};
      if (!p->reasons.count(r.reason)) return rule_error{label, line, "rule " + r.id + ": unknown reason \"" + r.reason + "\""};
      std::optional<rule_error> err;
      auto view = toml::node_view<const toml::node>(rt);
      const auto phrases = strings_of(view["phrases"], label, "phrases", err);
      const auto regexes = strings_of(view["regex"], label, "regex", err);
      r.status = strings_of(view["status"], label, "status", err);
      r.reply = strings_of(view["reply"], label, "reply", err);
      r.command = strings_of(view["command"], label, "command", err);
      r.rhost = strings_of(view["rhost"], label, "rhost", err);
      r.hint = strings_of(view["hint"], label, "hint", err);
      r.action = strings_of(view["action"], label, "action", err);
      r.unless = strings_of(view["unless"], label, "unless", err);
      r.type = strings_of(view["type"], label, "type", err);
      r.like = (*rt)["like"].value_or(std::string());
      if (err) return *err;
      for (const auto& u : r.unless)
        if (!p->reasons.count(u)) return rule_error{label, line, "rule " + r.id + ": unknown reason \"" + u + "\" in unless"};
      for (auto& h : r.rhost) h = to_lower(h);
      for (auto& c : r.command)
        for (char& ch : c) ch = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch;
      for (auto& c : r.type)
        for (char& ch : c) ch = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch;
      if (auto c = (*rt)["category"].value<std::string>()) r.category = *c;
      if (auto h = (*rt)["hard"].value<bool>()) r.hard = *h;
      if (auto l = (*rt)["local"].value<bool>()) r.local = *l;
      const std::size_t index = p->rules.size();
      auto add_pattern = [&](const std::string& pattern, bool literal) -> std::optional<rule_error> {
        std::string error;
        const int entry = p->set->Add(literal ? RE2::QuoteMeta(pattern) : pattern, &error);
        if (entry < 0) return rule_error{label, line, "rule " + r.id + ": bad regex \"" + pattern + "\": " + error};
        p->entry_rule.push_back(index);
        return std::nullopt;
      };
      for (const auto& ph : phrases)
        if (auto e = add_pattern(ph, true)) return *e;
      for (const auto& rx : regexes)
        if (auto e = add_pattern(rx, false)) return *e;
      r.has_text = !phrases.empty() || !regexes.empty() || !r.like.empty();
      if (!r.has_text) p->textless_rules.push_back(index);
      p->rules.push_back(std::move(r));
    }
  }
  // A rule that shares another rule's words becomes a candidate whenever that rule's words hit.
  p->followers.resize(p->rules.size());
  for (std::size_t i = 0; i < p->rules.size(); ++i) {
    if (p->rules[i].like.empty()) continue;
    bool found = false;
    for (std::size_t j = 0; j < p->rules.size(); ++j)
      if (j != i && p->rules[j].id == p->rules[i].like && p->rules[j].like.empty()) {
        p->followers[j].push_back(i);
        found = true;
      }
    if (!found) return rule_error{"rules", 0, "rule " + p->rules[i].id + ": like names no rule with words: " + p->rules[i].like};
  }
  if (user_count == passes.size()) p->user_rules = p->rules.size();
  if (!p->set->Compile()) return rule_error{"rules", 0, "the rule patterns do not compile into one set (too large)"};
  return rule_set(std::move(p));
}

std::variant<rule_set, rule_error> rule_set::load(const std::vector<std::string>& user_files) {
  std::vector<rule_source> sources;
  for (const auto& path : user_files) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return rule_error{path, 0, "cannot read the rule file"};
    std::stringstream ss;
    ss << f.rdbuf();
    sources.push_back({path, ss.str()});
  }
  return compile(sources);
}

rule_set::rule_set(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
rule_set::rule_set(rule_set&&) noexcept = default;
rule_set& rule_set::operator=(rule_set&&) noexcept = default;
rule_set::~rule_set() = default;
std::size_t rule_set::size() const noexcept { return impl_->rules.size(); }

// Whether a diagnostic with no code at all still says the failure was temporary (reasons.toml's
// temporary_words): a bounce that states no status gets a 4.0.9xx pseudo status then.
bool rule_set::impl::says_temporary(std::string_view text) const {
  const std::string lowered = to_lower(text.substr(0, std::min(text.size(), max_diagnostic_bytes)));
  return std::any_of(temporary_words.begin(), temporary_words.end(),
                     [&](const std::string& w) { return lowered.find(w) != std::string::npos; });
}

verdict rule_set::impl::make(const rule& r, const input& in) const {
  verdict v;
  v.reason = r.reason;
  v.rule = r.id;
  v.status = std::string(in.status);
  const auto it = reasons.find(r.reason);
  const reason_info info = it == reasons.end() ? reason_info{} : it->second;
  // Permanence: the status class, else the reply code's; a 4xx is never a hard bounce.
  char cls = !in.status.empty() ? in.status[0] : (!in.reply_code.empty() ? in.reply_code[0] : '5');
  if (in.action == "delayed" && in.status.empty()) cls = '4';
  if (in.status.empty() && in.reply_code.empty() && says_temporary(in.diagnostic)) cls = '4';
  if (v.status.empty() && !info.code.empty()) v.status = std::string(1, cls == '4' ? '4' : '5') + ".0." + info.code;
  bool hard = info.hard == hardness::always || (info.hard == hardness::permanent && cls == '5');
  if (r.hard) hard = *r.hard;
  v.hard = info.failure && hard;
  v.category = r.category.empty() ? info.category : r.category;
  v.failure = info.failure;
  return v;
}

verdict rule_set::classify(const input& in) const {
  const std::string_view text = in.diagnostic.substr(0, std::min(in.diagnostic.size(), max_diagnostic_bytes));
  std::vector<int> hits;
  if (!text.empty()) impl_->set->Match(text, &hits);
  std::vector<std::size_t> candidates;
  candidates.reserve(hits.size() + impl_->textless_rules.size());
  const std::string host = to_lower(in.rhost);
  std::vector<std::string_view> said;  // reasons whose words the text holds
  for (int h : hits) {
    const std::size_t index = impl_->entry_rule[static_cast<std::size_t>(h)];
    candidates.push_back(index);
    // Only the shipped words count as evidence for `unless`: a user's rule that did not decide
    // says nothing about what the text means, nor do a provider's words (rules bound to remote
    // hosts) from any other host.
    const rule& hit = impl_->rules[index];
    if (index >= impl_->user_rules && (hit.rhost.empty() || suffix_any(hit.rhost, host))) said.push_back(hit.reason);
    for (std::size_t f : impl_->followers[index]) candidates.push_back(f);
  }
  candidates.insert(candidates.end(), impl_->textless_rules.begin(), impl_->textless_rules.end());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::string command(in.command);
  for (char& c : command) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  const bool hint_known = !in.hint.empty() && impl_->reasons.count(std::string(in.hint)) > 0;
  std::string type(in.diagnostic_type);
  for (char& c : type) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  // A diagnostic of type X-UNIX is a local program's exit, not a remote's SMTP reply: as in
  // Sisimai, neither the first pass's reasons nor a status code decide it; only the words of the
  // second pass's reasons do (whichever pass their rule sits in), then the rules that name the
  // type (a mailer error).
  const bool local_program = type.rfind("X-UNIX", 0) == 0;
  for (std::size_t index : candidates) {
    // A reason the format itself states wins over every shipped rule; the user's rules still
    // come first, so a user can overrule a decoder too.
    if (hint_known && index >= impl_->user_rules) break;
    const rule& r = impl_->rules[index];
    if (!r.hint.empty() && !equal_any(r.hint, in.hint)) continue;
    if (!r.action.empty() && !equal_any(r.action, in.action)) continue;
    if (r.local && *r.local != in.local) continue;
    if (!r.type.empty() && !equal_any(r.type, type)) continue;
    if (local_program && index >= impl_->user_rules && r.type.empty() &&
        (!r.has_text || std::find(impl_->retry_reasons.begin(), impl_->retry_reasons.end(), r.reason) ==
                            impl_->retry_reasons.end()))
      continue;
    if (std::any_of(r.unless.begin(), r.unless.end(),
                    [&](const std::string& u) { return std::find(said.begin(), said.end(), u) != said.end(); }))
      continue;
    if (!code_matches(r.status, in.status)) continue;
    if (!code_matches(r.reply, in.reply_code)) continue;
    if (!r.command.empty() && !equal_any(r.command, command)) continue;
    if (!suffix_any(r.rhost, host)) continue;
    return impl_->make(r, in);
  }
  if (hint_known) {
    rule stated;
    stated.id = "format." + std::string(in.hint);
    stated.reason = std::string(in.hint);
    return impl_->make(stated, in);
  }
  rule fallback;
  fallback.id = "fallback";
  // As Sisimai: a diagnostic that no rule understood is "onhold"; with no words at all the
  // record is "undefined".
  fallback.reason = trim_empty(in.diagnostic) ? "undefined" : "onhold";
  return impl_->make(fallback, in);
}

}  // namespace bounced::classifier
