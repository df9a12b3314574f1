// See scan.hpp.
#include "parser/scan.hpp"

#include <array>

#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

bool looks_like_bounce(const mail& m) {
  const std::string from = to_lower(m.header("From"));
  static constexpr std::array<std::string_view, 5> senders = {"mailer-daemon", "postmaster", "mail delivery", "mailer_daemon", "mail-daemon"};
  for (std::string_view s : senders)
    if (from.find(s) != std::string::npos) return true;
  const std::string subject = to_lower(m.subject());
  static constexpr std::array<std::string_view, 16> subjects = {
      "undeliver", "delivery status", "failure notice", "returned mail", "delivery fail", "not delivered",
      "mail delivery", "returning message", "delivery problem", "nondeliverable", "non-deliverable", "could not be delivered",
      "error", "failed", "rejected", "bounce"};
  for (std::string_view s : subjects)
    if (subject.find(s) != std::string::npos) return true;
  const std::string return_path = trim(m.header("Return-Path")).size() <= 2 ? std::string(trim(m.header("Return-Path"))) : "x";
  return return_path == "<>";
}

std::size_t original_start(std::string_view text) {
  static constexpr std::array<std::string_view, 23> markers = {
      "--- Below this line is a copy of the message",
      "------ This is a copy of the message",
      "----- Original message -----",
      "-----Original Message-----",
      "--- Original message follows",
      "----- The following is a copy of the original message",
      "------ Original message ------",
      "----- Unsent message follows -----",
      "----- Unsent message below -----",
      "--- The header of the original message is following",
      "----- Original message header follows",
      "Original message headers:",
      "The original message was:",
      "--- Original Message ---",
      "------- Returned Message --------",
      "----- Message header follows -----",
      "Below is a copy of the original message",
      "Content-Type: message/rfc822",
      "----- Transcript of session follows -----\n\n\nReturn-Path",
      "------ This is a copy of the headers",
      "Original-Headers:",
      "\nReturn-Path: <",
      "Included is a copy of the message header",
  };
  std::size_t best = std::string_view::npos;
  for (std::string_view marker : markers) {
    const std::size_t at = ifind(text, marker);
    if (at < best) best = at;
  }
  return best;
}

std::string_view cut_original(std::string_view text) {
  const std::size_t at = original_start(text);
  return at == std::string_view::npos ? text : text.substr(0, at);
}

bool has_error_phrase(std::string_view text) {
  static constexpr std::array<std::string_view, 25> phrases = {
      "unknown",     "no such",        "does not exist", "doesn't exist", "not found",    "invalid",
      "rejected",    "refused",        "denied",         "full",          "quota",        "disabled",
      "unavailable", "failed",         "failure",        "error",         "not allowed",  "blocked",
      "timed out",   "timeout",        "expired",        "unable",        "could not",    "too large",
      "did not reach"};
  for (std::string_view p : phrases)
    if (icontains(text, p)) return true;
  return false;
}

std::string header_or_empty_original(const mail& m, std::string_view name) {
  return header_or_empty(m.original_headers, name);
}

std::string_view section_after(std::string_view text, std::string_view begin) {
  const std::size_t at = ifind(text, begin);
  if (at == std::string_view::npos) return {};
  std::size_t eol = text.find('\n', at);
  if (eol == std::string_view::npos) return {};
  std::string_view rest = text.substr(eol + 1);
  return cut_original(rest);
}

}  // namespace bounced::parser
