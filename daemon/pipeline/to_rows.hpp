// From decoded records to storage rows: the one place where the decoder's (Sisimai-named) fields
// meet the undelivered_log columns. Also decodes a raw message into what storage keeps for it
// (outcome and rows), for reprocess now and for serve and ingest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "classifier/classify.hpp"
#include "daemon/pipeline/rulebook.hpp"
#include "daemon/pipeline/correlate.hpp"
#include "daemon/pipeline/record.hpp"
#include "parser/acct.hpp"
#include "parser/mail.hpp"
#include "storage/types.hpp"

namespace bounced::daemon {

// One record as a row; the envelope is the one the bounce itself arrived with.
storage::row to_row(const record& r, std::string_view envelope_sender, std::string_view envelope_recipient);
// The correlation ids into a row's columns (all seven, as found: "" where nothing said).
void set_correlation(storage::row& row, const correlation& ids);

// One PowerMTA accounting record (bounce, delay, complaint or delivery) as a row, classified as
// a DSN with the same facts would be, its ids correlated from its envelope sender, its header
// fields, its job and its ENVID.
storage::row acct_to_row(const parser::acct_record& a, const classifier::rule_set& rules, const correlation_settings& correlation);

// The Subject a listing of messages shows (GET /v1/messages) is cut to this many bytes, before a
// character: RFC 5322's line length. It is kept in an index, which a hostile message's 64 KB
// Subject would bloat.
inline constexpr std::size_t max_listed_subject_bytes = 998;

// A message's own From address and Subject into its outcome, as storage keeps them.
void set_head(storage::outcome& result, const parser::head& head);
// The same from the first bytes of a stored message (storage::head_reader, for the messages
// stored before schema 7), and how many bytes it needs.
void set_head_from(std::string_view head, storage::outcome& result);
inline constexpr std::size_t head_bytes = parser::max_head_bytes;

// One message as `bounced parse` prints it: a JSON line per record; with all, a message that is
// no report gets one line that says why.
std::vector<std::string> json_lines(std::string_view raw, const rulebook& rules, std::string_view origin, bool all);

struct decoded_message {
  storage::outcome result;  // decoded, nothing (with why), failed (with the error); From, Subject
  std::vector<storage::row> rows;
};

// Decodes and classifies a raw message. Never throws for what the message holds: a decoder
// failure is the outcome "failed", so the message is still stored.
// Correlation (correlate.hpp) fills the rows' campaign, send, email, list, send message, source
// system and transaction ids from the envelope recipient (VERP), the returned original's headers
// and the ENVID, with the configured templates and header names (the defaults without a config).
decoded_message decode_for_storage(std::string_view raw, const rulebook& rules,
                                   std::string_view envelope_sender, std::string_view envelope_recipient,
                                   std::string_view origin,
                                   const correlation_settings& correlation = correlation_settings{});

}  // namespace bounced::daemon
