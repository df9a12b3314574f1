// The commands over the stored log: `bounced reprocess` (decode stored messages again with the
// current rules), `bounced purge --before DATE` and `bounced forget ADDRESS` (retention and
// data-protection requests). Each returns the exit status: 0 done, 1 a storage error, 2 usage.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bounced::daemon {

int run_reprocess(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_purge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_forget(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);


}  // namespace bounced::daemon
