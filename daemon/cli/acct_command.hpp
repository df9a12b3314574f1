// `bounced acct [--config FILE] [--db PATH] [--fields LIST] [FILE...|-]`: PowerMTA's accounting
// records (parser/acct.hpp) into the undelivered log. From files (rotated acct-*.csv; a progress
// line on a terminal for large ones) and from stdin, as the program PowerMTA pipes its accounting
// to (`<acct-file |/usr/bin/bounced acct>`): read until end of input, committing as it goes (every
// chunk_records records, and within commit_wait of the first record not yet committed, so a quiet
// feed is on disk a second after it was written).
//
// The header row gives the field order (a header row later in the input starts a new order);
// --fields gives it where the input has none. Record types b and rb are bounces, t and tq delays,
// f complaints, d deliveries (they reset the soft count of their address); others (r, rs) are
// counted and left. Each record is classified by bounced's rules from dsnStatus and dsnDiag;
// PowerMTA's own bounceCat is kept beside it, as given, in pmta_category. jobId, envId and
// header_X-... fields named in [correlation] fill the correlation ids, as do VERP templates on
// orig. Importing the same records again adds nothing (storage::store_acct). A malformed record is
// reported with its file and line, and skipped; the rest goes in.
//
// Exit: 0 once every input is read and stored (malformed records reported), 1 when an input could
// not be read, 2 for bad arguments, 65 (EX_DATAERR) when every record of an input was malformed
// (no header row, wrong --fields), 75 (EX_TEMPFAIL) when storing failed (after waiting up to two
// minutes for another process's write lock): a pipe from PowerMTA then ends, and what was
// committed before stays committed; 75 too after SIGTERM, SIGINT or SIGHUP, once every record
// read whole is committed (importing a file again adds only what is missing).
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "daemon/params.hpp"

namespace bounced::daemon {

inline constexpr std::size_t chunk_records = params::acct_chunk_records;
inline constexpr std::chrono::milliseconds commit_wait = params::acct_commit_wait;

int run_acct(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bounced::daemon
