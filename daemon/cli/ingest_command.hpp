// `bounced ingest [--db PATH] [-f SENDER] [--] [RECIPIENT...]`: one message on stdin, as Postfix's
// pipe(8) and Exim's pipe transport hand it over. Exit 0 once stored (a duplicate too), 75
// (EX_TEMPFAIL) when it could not be stored, so the MTA keeps it and retries. A bounce is never
// refused for what it holds: what does not decode is stored raw with the reason.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace bounced::daemon {

inline constexpr int exit_tempfail = 75;  // sysexits.h EX_TEMPFAIL

int run_ingest(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace bounced::daemon
