// See scan.hpp.
#include "parser/scan.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <vector>

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
  // One lower-cased copy, then a Boyer-Moore-Horspool pass per marker, each only as far as the
  // earliest marker found so far: the passes skip most of the text, so the whole search costs
  // about one read of it.
  using searcher = std::boyer_moore_horspool_searcher<std::string::const_iterator>;
  static const std::vector<std::pair<std::string, searcher>> searchers = [] {
    std::vector<std::pair<std::string, searcher>> out;
    out.reserve(markers.size());
    for (std::string_view marker : markers) out.emplace_back(to_lower(marker), searcher(std::string::const_iterator(), std::string::const_iterator()));
    for (auto& [lowered, search] : out) search = searcher(lowered.cbegin(), lowered.cend());
    return out;
  }();
  const std::string lowered = to_lower(text);
  std::size_t best = std::string_view::npos;
  for (const auto& [marker, search] : searchers) {
    const std::size_t limit = best == std::string_view::npos ? lowered.size() : std::min(lowered.size(), best + marker.size());
    const auto end = lowered.cbegin() + static_cast<std::ptrdiff_t>(limit);
    const auto found = std::search(lowered.cbegin(), end, search);
    if (found != end) best = static_cast<std::size_t>(found - lowered.cbegin());
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
