// See types.hpp: the vocabulary's spellings and the table of a record's fields.
#include "storage/types.hpp"

#include <stdexcept>
#include <utility>

namespace bounced::storage {

namespace {

// Each vocabulary's spellings, in the enum's order.
constexpr std::array<std::string_view, 5> kind_names = {"bounce", "delay", "complaint", "auto-reply", "delivery"};
constexpr std::array<std::string_view, 3> bounce_type_names = {"", "hard", "soft"};
constexpr std::array<std::string_view, 3> status_names = {"decoded", "nothing", "failed"};
constexpr std::array<std::string_view, 4> state_names = {"active", "soft-bouncing", "hard-bouncing", "complained"};
constexpr std::array<std::string_view, 5> channel_names = {"lmtp", "smtp", "pipe", "http", "acct"};

template <class Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<Enum>(i);
  return std::nullopt;
}

template <std::size_t N, class Enum>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum v) noexcept {
  const auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : std::string_view();
}

// A text field: the row's own string.
template <std::string row::*member>
constexpr record_field text(std::string_view name) {
  return {name, name, [](const row& r) -> std::string_view { return r.*member; },
          [](row& r, std::string&& t) {
            r.*member = std::move(t);
            return true;
          }};
}

}  // namespace

std::string_view to_string(record_kind v) noexcept { return name_of(kind_names, v); }
std::string_view to_string(bounce_type v) noexcept { return name_of(bounce_type_names, v); }
std::string_view to_string(decode_status v) noexcept { return name_of(status_names, v); }
std::string_view to_string(address_state v) noexcept { return name_of(state_names, v); }
std::string_view to_string(channel v) noexcept { return name_of(channel_names, v); }

std::optional<record_kind> parse_record_kind(std::string_view t) noexcept { return parse<record_kind>(kind_names, t); }
std::optional<bounce_type> parse_bounce_type(std::string_view t) noexcept { return parse<bounce_type>(bounce_type_names, t); }
std::optional<decode_status> parse_decode_status(std::string_view t) noexcept { return parse<decode_status>(status_names, t); }
std::optional<address_state> parse_address_state(std::string_view t) noexcept { return parse<address_state>(state_names, t); }
std::optional<channel> parse_channel(std::string_view t) noexcept { return parse<channel>(channel_names, t); }

const std::array<record_field, 25> record_fields = {{
    text<&row::recipient>("recipient"),
    {"kind", "kind", [](const row& r) { return to_string(r.kind); },
     [](row& r, std::string&& t) {
       const auto v = parse_record_kind(t);
       if (v) r.kind = *v;
       return v.has_value();
     }},
    text<&row::status>("status"),
    text<&row::reply_code>("reply_code"),
    text<&row::diagnostic_type>("diagnostic_type"),
    text<&row::diagnostic_text>("diagnostic_text"),
    text<&row::remote_mta>("remote_mta"),
    text<&row::reporting_mta>("reporting_mta"),
    text<&row::action>("action"),
    text<&row::reason>("reason"),
    {"bounce_type", "bounce_type", [](const row& r) { return to_string(r.bounce_type); },
     [](row& r, std::string&& t) {
       const auto v = parse_bounce_type(t);
       if (v) r.bounce_type = *v;
       return v.has_value();
     }},
    text<&row::category>("category"),
    text<&row::pmta_category>("pmta_category"),
    text<&row::feedback_type>("feedback_type"),
    text<&row::rule_id>("rule_id"),
    text<&row::envelope_sender>("envelope_sender"),
    text<&row::envelope_recipient>("envelope_recipient"),
    text<&row::original_message_id>("original_message_id"),
    text<&row::campaign_id>("campaign_id"),
    text<&row::send_id>("send_id"),
    text<&row::email_id>("email_id"),
    text<&row::list_id>("list_id"),
    text<&row::send_message_id>("send_message_id"),
    text<&row::source_system>("source_system"),
    text<&row::transaction_id>("transaction_id"),
}};

const record_field& record_field_named(std::string_view name) {
  for (const record_field& f : record_fields)
    if (f.name == name) return f;
  throw std::out_of_range("no record field " + std::string(name));
}

}  // namespace bounced::storage
