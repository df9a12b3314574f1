// Local delivery agents' own messages, as an MTA quotes them in its diagnostic when the agent
// refused the message: "mail.local: unknown user: bob", "maildrop: maildir over quota.",
// "vdelivermail: Sorry, no mailbox here by that name.", ... Each agent writes a few fixed
// sentences that name their cause; the sentences and their causes are taken from Sisimai's notes
// on these agents (its LDA module), the wording is the agents' own.
// Trusts: a diagnostic that starts with the agent's name (the agent wrote the line); the same words
// quoted inside a remote's reply are not the agent's. Limits: the agents listed; an unknown
// sentence gives no reason.
#include <utility>

#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

struct agent_words {
  std::string_view agent;   // how the agent's line starts
  std::string_view words;   // a sentence it writes
  std::string_view reason;  // the cause that sentence names
};

constexpr agent_words known_words[] = {
    {"mail.local: ", "unknown user", "userunknown"},
    {"mail.local: ", "user unknown", "userunknown"},
    {"mail.local: ", "invalid mailbox path", "userunknown"},
    {"mail.local: ", "user missing home directory", "userunknown"},
    {"mail.local: ", "disc quota exceeded", "mailboxfull"},
    {"mail.local: ", "mailbox full or quota exceeded", "mailboxfull"},
    {"mail.local: ", "temporary file write error", "systemerror"},
    {"procmail: ", "quota exceeded while writing", "mailboxfull"},
    {"procmail: ", "user over quota", "mailboxfull"},
    {"procmail: ", "no space left to finish writing", "systemfull"},
    {"maildrop: ", "maildir over quota", "mailboxfull"},
    {"maildrop: ", "invalid user specified", "userunknown"},
    {"maildrop: ", "cannot find system user", "userunknown"},
    {"vdelivermail: ", "no mailbox here by that name", "userunknown"},
    {"vdelivermail: ", "user is over quota", "mailboxfull"},
    {"vdelivermail: ", "domain is over quota", "mailboxfull"},
    {"vdelivermail: ", "account is locked email bounced", "suspend"},
    {"vdeliver: ", "system quota violation", "mailboxfull"},
    {"vdeliver: ", "invalid or unknown base user or domain", "userunknown"},
    {"vdeliver: ", "invalid or unknown virtual user", "userunknown"},
    {"vdeliver: ", "user name does not refer to a virtual user", "userunknown"},
    // Shorter forms of the same sentences, as other versions of the agents word them.
    {"mail.local: ", "unknown user", "userunknown"},
    {"mail.local: ", "missing home directory", "userunknown"},
    {"mail.local: ", "quota exceeded", "mailboxfull"},
    {"mail.local: ", "mailbox full", "mailboxfull"},
    {"mail.local: ", "file write error", "systemerror"},
    {"procmail: ", "quota exceeded", "mailboxfull"},
    {"procmail: ", "no space left", "systemfull"},
    {"maildrop: ", "invalid user", "userunknown"},
    {"maildrop: ", "over quota", "mailboxfull"},
    {"vdelivermail: ", "no mailbox here", "userunknown"},
    {"vdelivermail: ", "over quota", "mailboxfull"},
    {"vdeliver: ", "unknown virtual user", "userunknown"},
    {"vdeliver: ", "does not refer to a virtual user", "userunknown"},
    {"vdeliver: ", "quota violation", "mailboxfull"},
};

}  // namespace

std::string_view local_agent_name(std::string_view line) {
  for (const auto& w : known_words)
    if (istarts_with(line, w.agent)) return w.agent;
  return {};
}

std::string_view local_agent_reason(std::string_view text, std::string_view agent) {
  text = trim(text);
  if (agent.empty()) agent = local_agent_name(text);
  if (agent.empty()) return {};
  for (const auto& w : known_words)
    if (w.agent == agent && icontains(text, w.words)) return w.reason;
  return {};
}

}  // namespace bounced::parser::mta
