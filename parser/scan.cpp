// See scan.hpp.
#include "parser/scan.hpp"

#include <algorithm>
#include <array>
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

namespace {

// The lines that introduce a quoted original, as MTAs write them.
constexpr std::array<std::string_view, 24> markers = {
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
    "Message headers follow",  // the DragonFly Mail Agent's (dma)
};

// Every marker holds one of these words. A search for the three words (vectorised ifind) finds
// every place a marker can be; the markers that hold the word found are then compared there.
constexpr std::array<std::string_view, 3> marker_anchors = {"message", "headers", "return-path"};

struct anchored {
  std::string_view marker;
  std::size_t offset;  // where the anchor word starts inside the marker
};

struct anchor_table {
  std::array<std::vector<anchored>, marker_anchors.size()> markers;
  std::array<std::size_t, marker_anchors.size()> max_offset{};
};

const anchor_table& anchors() {
  static const anchor_table table = [] {
    anchor_table t;
    for (std::string_view marker : markers) {
      for (std::size_t a = 0; a < marker_anchors.size(); ++a) {
        const std::size_t at = ifind(marker, marker_anchors[a]);
        if (at == std::string_view::npos) continue;
        t.markers[a].push_back({marker, at});
        t.max_offset[a] = std::max(t.max_offset[a], at);
        break;  // each marker under the first word it holds
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

std::span<const std::string_view> original_markers() { return markers; }

std::size_t original_start(std::string_view text) {
  const anchor_table& table = anchors();
  std::size_t best = std::string_view::npos;
  for (std::size_t a = 0; a < marker_anchors.size(); ++a) {
    for (std::size_t at = ifind(text, marker_anchors[a]); at != std::string_view::npos;
         at = ifind(text, marker_anchors[a], at + 1)) {
      // Past this point a marker holding the word would start after the earliest found.
      if (best != std::string_view::npos && at > best + table.max_offset[a]) break;
      for (const anchored& m : table.markers[a]) {
        if (at < m.offset) continue;
        const std::size_t start = at - m.offset;
        if (best != std::string_view::npos && start >= best) continue;
        if (start + m.marker.size() <= text.size() && iequals(text.substr(start, m.marker.size()), m.marker)) best = start;
      }
    }
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
