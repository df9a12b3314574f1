// See correlate.hpp. Matching is a handful of string_view find/rfind calls per template: linear in
// the address times the literal's length, whatever the address holds.
#include "daemon/pipeline/correlate.hpp"
#include "util/text.hpp"


#include <algorithm>
#include <array>

namespace bounced::daemon {

namespace {

// A template longer than this is a mistake, not a template.
constexpr std::size_t max_template_bytes = 512;

struct placeholder_name {
  std::string_view name;
  verp_template::field value;
};

constexpr std::array<placeholder_name, 8> placeholder_names{{
    {"campaign", verp_template::field::campaign},
    {"send", verp_template::field::send},
    {"email_id", verp_template::field::email_id},
    {"list", verp_template::field::list},
    {"message", verp_template::field::message},
    {"source", verp_template::field::source},
    {"transaction", verp_template::field::transaction},
    {"email", verp_template::field::email},
}};

// The id slot of `c` that a placeholder fills ({email} has none).
std::string* slot(correlation& c, verp_template::field f) noexcept {
  switch (f) {
    case verp_template::field::campaign: return &c.campaign_id;
    case verp_template::field::send: return &c.send_id;
    case verp_template::field::email_id: return &c.email_id;
    case verp_template::field::list: return &c.list_id;
    case verp_template::field::message: return &c.send_message_id;
    case verp_template::field::source: return &c.source_system;
    case verp_template::field::transaction: return &c.transaction_id;
    case verp_template::field::email: return nullptr;
  }
  return nullptr;
}

// `user=domain` -> user@domain, or "" when either side is empty.
std::string unverp(std::string_view value) {
  const auto eq = value.rfind('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == value.size()) return {};
  std::string out(value.substr(0, eq));
  out += '@';
  out += value.substr(eq + 1);
  return out;
}

// The first usable value of the named headers in the original, or "".
std::string header_value(const parser::original_message& original, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (util::iequals(name, "Message-ID")) {
      const auto v = util::trim(original.message_id);
      if (!v.empty() && v.size() <= max_id_bytes) return std::string(v);
      continue;
    }
    for (const auto& h : original.x_headers) {
      if (!util::iequals(h.name, name)) continue;
      const auto v = util::trim(h.value);
      if (!v.empty() && v.size() <= max_id_bytes) return std::string(v);
    }
  }
  return {};
}

void fill(std::string& slot_value, std::string value) {
  if (slot_value.empty()) slot_value = std::move(value);
}

}  // namespace

// Splits the template at its one `@`, then the local part into literals and placeholders.
std::variant<verp_template, verp_error> verp_template::compile(std::string_view text) {
  if (text.empty()) return verp_error{0, "empty template"};
  if (text.size() > max_template_bytes) return verp_error{max_template_bytes, "template longer than 512 bytes"};
  const auto at = text.find('@');
  if (at == std::string_view::npos) return verp_error{text.size(), "template has no @domain"};
  if (text.find('@', at + 1) != std::string_view::npos) return verp_error{text.find('@', at + 1), "template has more than one @"};
  const auto domain = text.substr(at + 1);
  if (domain.empty()) return verp_error{at + 1, "template has an empty domain"};
  if (const auto b = domain.find_first_of("{}"); b != std::string_view::npos)
    return verp_error{at + 1 + b, "placeholders go in the local part; the domain is literal"};

  verp_template t;
  t.text_ = std::string(text);
  t.domain_ = util::to_lower(domain);
  bool have_email = false;
  std::string literal;
  for (std::size_t i = 0; i < at;) {
    const char c = text[i];
    if (c == '}') return verp_error{i, "} without {"};
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    const auto close = text.find('}', i);
    if (close == std::string_view::npos || close > at) return verp_error{i, "{ without }"};
    const auto name = text.substr(i + 1, close - i - 1);
    const auto known = std::find_if(placeholder_names.begin(), placeholder_names.end(),
                                    [&](const placeholder_name& p) { return p.name == name; });
    if (known == placeholder_names.end()) return verp_error{i, "unknown placeholder {" + std::string(name) + "}"};
    if (std::find(t.fields_.begin(), t.fields_.end(), known->value) != t.fields_.end())
      return verp_error{i, "placeholder {" + std::string(name) + "} appears twice"};
    if (!t.fields_.empty() && literal.empty())
      return verp_error{i, "placeholders must be separated by a literal"};
    if (known->value == field::email) {
      have_email = true;
      t.email_index_ = t.fields_.size();
    }
    t.literals_.push_back(std::move(literal));
    literal.clear();
    t.fields_.push_back(known->value);
    i = close + 1;
  }
  t.literals_.push_back(std::move(literal));
  if (!have_email) return verp_error{0, "template has no {email}"};
  return t;
}

// Ids before {email} left to right (to the first next literal), ids after it right to left
// (from the last previous literal); {email} is the middle. See the header for why.
std::optional<correlation> verp_template::match(std::string_view address) const {
  if (address.size() > max_address_bytes) return std::nullopt;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || !util::iequals(address.substr(at + 1), domain_)) return std::nullopt;
  const auto local = address.substr(0, at);
  const std::string& head = literals_.front();
  const std::string& tail = literals_.back();
  if (local.size() < head.size() + tail.size() || !local.starts_with(head) || !local.ends_with(tail))
    return std::nullopt;

  correlation out;
  std::size_t pos = head.size();
  std::size_t end = local.size() - tail.size();
  for (std::size_t i = 0; i < email_index_; ++i) {
    const std::string& next = literals_[i + 1];
    const auto found = local.substr(0, end).find(next, pos);
    if (found == std::string_view::npos || found == pos) return std::nullopt;
    const auto value = local.substr(pos, found - pos);
    if (value.size() <= max_id_bytes) *slot(out, fields_[i]) = std::string(value);
    pos = found + next.size();
  }
  for (std::size_t j = fields_.size() - 1; j > email_index_; --j) {
    const std::string& before = literals_[j];
    if (end < pos + before.size()) return std::nullopt;
    const auto found = local.substr(0, end).rfind(before, end - before.size());
    if (found == std::string_view::npos || found < pos || found + before.size() == end) return std::nullopt;
    const auto value = local.substr(found + before.size(), end - found - before.size());
    if (value.size() <= max_id_bytes) *slot(out, fields_[j]) = std::string(value);
    end = found;
  }
  if (end <= pos) return std::nullopt;
  out.recipient_from_verp = unverp(local.substr(pos, end - pos));
  if (out.recipient_from_verp.empty()) return std::nullopt;
  return out;
}

// prefix+user=domain@bouncedomain: the first `+` ends the prefix, the last `=` ends the user.
std::string recipient_from_plain_verp(std::string_view address) {
  if (address.size() > max_address_bytes) return {};
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at + 1 == address.size()) return {};
  const auto local = address.substr(0, at);
  const auto plus = local.find('+');
  if (plus == std::string_view::npos || plus == 0) return {};
  const auto rest = local.substr(plus + 1);
  const auto eq = rest.rfind('=');
  if (eq == std::string_view::npos) return {};
  const auto domain = rest.substr(eq + 1);
  // A domain name (or nothing we would recognise as one): letters, digits, `-` and `.`.
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      !std::all_of(domain.begin(), domain.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
      }))
    return {};
  return unverp(rest);
}

namespace {

// The ids the first matching VERP template holds, else only the recipient of Postfix's plain form.
correlation from_verp(std::string_view address, std::span<const verp_template> templates) {
  for (const auto& t : templates)
    if (auto m = t.match(address)) return std::move(*m);
  correlation out;
  out.recipient_from_verp = recipient_from_plain_verp(address);
  return out;
}

}  // namespace

// VERP first, then headers, then ENVID, field by field.
correlation correlate(std::string_view envelope_recipient, const parser::report& report,
                      std::span<const verp_template> templates, const correlation_headers& headers) {
  correlation out = from_verp(envelope_recipient, templates);

  const auto& original = report.original;
  fill(out.campaign_id, header_value(original, headers.campaign_id));
  fill(out.send_id, header_value(original, headers.send_id));
  fill(out.email_id, header_value(original, headers.email_id));
  fill(out.list_id, header_value(original, headers.list_id));
  fill(out.send_message_id, header_value(original, headers.send_message_id));
  fill(out.source_system, header_value(original, headers.source_system));
  fill(out.transaction_id, header_value(original, headers.transaction_id));

  // RFC 3461 4.4 / RFC 3464 2.2.1: the ENVID the sender gave comes back as Original-Envelope-Id.
  const auto envid = util::trim(report.original_envelope_id);
  if (!envid.empty() && envid.size() <= max_id_bytes) fill(out.transaction_id, std::string(envid));
  return out;
}

correlation correlate_acct(std::string_view orig, std::span<const std::pair<std::string_view, std::string_view>> header_fields,
                           std::string_view job_id, std::string_view env_id, std::span<const verp_template> templates,
                           const correlation_headers& headers) {
  correlation out = from_verp(orig, templates);
  // The first configured name that the record carries, as header_value does for a message.
  const auto from_fields = [&header_fields](const std::vector<std::string>& names) -> std::string {
    for (const std::string& name : names)
      for (const auto& [field, value] : header_fields)
        if (util::iequals(field, name) && !value.empty() && value.size() <= max_id_bytes) return std::string(value);
    return {};
  };
  fill(out.campaign_id, from_fields(headers.campaign_id));
  fill(out.send_id, from_fields(headers.send_id));
  fill(out.email_id, from_fields(headers.email_id));
  fill(out.list_id, from_fields(headers.list_id));
  fill(out.send_message_id, from_fields(headers.send_message_id));
  fill(out.source_system, from_fields(headers.source_system));
  fill(out.transaction_id, from_fields(headers.transaction_id));
  if (!job_id.empty() && job_id.size() <= max_id_bytes) fill(out.campaign_id, std::string(job_id));
  if (!env_id.empty() && env_id.size() <= max_id_bytes) fill(out.transaction_id, std::string(env_id));
  return out;
}

}  // namespace bounced::daemon
