// See routes.hpp: the checks every paged route shares.
#include "daemon/httpd/routes.hpp"

#include <fmt/format.h>

#include <set>

namespace bounced::daemon {

// A parameter given twice is an error on every route: no silent choice between them.
std::optional<http_response> repeated_parameter(const boost::urls::url_view& url) {
  std::set<std::string, std::less<>> seen;
  for (const auto& p : url.params())
    if (!seen.insert(p.key).second) return api_error(400, 1010, "parameter " + p.key + " is given twice");
  return std::nullopt;
}

// `after` on every route paged by id: an id, 0 or more.
std::variant<std::int64_t, http_response> read_after(std::string_view value, std::string_view what) {
  const auto v = to_int(value);
  if (!v) return api_error(400, 1012, fmt::format("after must be a {} id (a whole number, 0 or more)", what));
  return *v;
}

// `limit` on every paged route: 1 to max_limit.
std::variant<std::int64_t, http_response> read_limit(std::string_view value) {
  const auto v = to_int(value);
  if (!v || *v == 0) return api_error(400, 1010, fmt::format("limit must be a whole number from 1 to {}", http_api::max_limit));
  if (*v > http_api::max_limit) return api_error(400, 1011, fmt::format("limit is over the cap of {}", http_api::max_limit));
  return *v;
}

}  // namespace bounced::daemon
