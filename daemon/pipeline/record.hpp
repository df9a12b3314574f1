// The wiring of the decoding path: a parsed report and the classifier's verdict make one record
// per recipient, with Sisimai's field names (so Sisimai users switch without rewriting code)
// plus bounced's own bouncetype, category and rule.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classifier/classify.hpp"
#include "parser/report.hpp"
#include "storage/types.hpp"

namespace bounced::daemon {

struct record {
  std::string origin;
  storage::record_kind kind = storage::record_kind::bounce;
  std::string recipient;
  std::string deliverystatus;
  std::string replycode;
  std::string reason;
  bool hardbounce = false;
  std::string action;
  std::string rhost;
  std::string lhost;
  std::string diagnosticcode;
  std::string diagnostictype;
  std::string command;
  std::string decodedby;
  std::string feedbacktype;
  std::string messageid;
  std::string addresser;
  std::string subject;
  std::string listid;
  std::optional<std::int64_t> timestamp;
  std::string timezoneoffset;
  storage::bounce_type bouncetype = storage::bounce_type::none;
  std::string category;
  std::string rule;
};

// One record per recipient of the report (none for a report of kind none).
std::vector<record> make_records(const parser::report& report, const classifier::rule_set& rules,
                                 std::string_view origin);

boost::json::object to_json(const record& r);

// The bounce type of a verdict: hard or soft for a failure, none for the rest.
storage::bounce_type bounce_type_of(const classifier::verdict& v);

}  // namespace bounced::daemon
