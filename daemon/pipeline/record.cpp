// See record.hpp.
#include "daemon/pipeline/record.hpp"

namespace bounced::daemon {

namespace {

storage::record_kind kind_of(const parser::report& report, const record& r) {
  switch (report.kind) {
    case parser::message_kind::feedback: return storage::record_kind::complaint;
    case parser::message_kind::auto_reply: return storage::record_kind::auto_reply;
    default: break;
  }
  if (r.reason == "delivered") return storage::record_kind::delivery;
  if (r.action == "delayed") return storage::record_kind::delay;
  return storage::record_kind::bounce;
}

}  // namespace

std::vector<record> make_records(const parser::report& report, const classifier::rule_set& rules,
                                 std::string_view origin) {
  std::vector<record> out;
  out.reserve(report.recipients.size());
  for (const auto& rr : report.recipients) {
    classifier::input in;
    in.status = rr.status;
    in.reply_code = rr.reply_code;
    in.diagnostic = rr.diagnostic;
    in.rhost = rr.rhost;
    in.action = rr.action;
    in.command = rr.command;
    in.hint = rr.reason_hint;
    in.local = rr.local;
    in.diagnostic_type = rr.diagnostic_type;
    const classifier::verdict v = rules.classify(in);
    record r;
    r.origin = std::string(origin);
    r.recipient = rr.recipient;
    r.deliverystatus = v.status;
    r.replycode = rr.reply_code;
    r.reason = v.reason;
    r.hardbounce = v.hard;
    r.action = rr.action;
    r.rhost = rr.rhost;
    r.lhost = report.lhost;
    r.diagnosticcode = rr.diagnostic;
    r.diagnostictype = rr.diagnostic_type;
    r.command = rr.command;
    r.decodedby = report.decoded_by;
    r.feedbacktype = rr.feedback_type;
    r.messageid = report.original.message_id;
    r.addresser = report.original.from;
    r.subject = report.original.subject;
    r.listid = report.original.list_id;
    r.timestamp = report.timestamp;
    r.timezoneoffset = report.timezone_offset;
    r.bouncetype = bounce_type_of(v);
    r.category = v.category;
    r.rule = v.rule;
    r.kind = kind_of(report, r);
    out.push_back(std::move(r));
  }
  return out;
}

storage::bounce_type bounce_type_of(const classifier::verdict& v) {
  if (!v.failure) return storage::bounce_type::none;
  return v.hard ? storage::bounce_type::hard : storage::bounce_type::soft;
}

boost::json::object to_json(const record& r) {
  boost::json::object o;
  o.reserve(24);  // one allocation, no rehash
  o.emplace("origin", r.origin);
  o.emplace("kind", to_string(r.kind));
  o.emplace("recipient", r.recipient);
  o.emplace("deliverystatus", r.deliverystatus);
  o.emplace("replycode", r.replycode);
  o.emplace("reason", r.reason);
  o.emplace("hardbounce", r.hardbounce);
  o.emplace("action", r.action);
  o.emplace("rhost", r.rhost);
  o.emplace("lhost", r.lhost);
  o.emplace("diagnosticcode", r.diagnosticcode);
  o.emplace("diagnostictype", r.diagnostictype);
  o.emplace("command", r.command);
  o.emplace("decodedby", r.decodedby);
  o.emplace("feedbacktype", r.feedbacktype);
  o.emplace("messageid", r.messageid);
  o.emplace("addresser", r.addresser);
  o.emplace("subject", r.subject);
  o.emplace("listid", r.listid);
  if (r.timestamp) o.emplace("timestamp", *r.timestamp);
  else o.emplace("timestamp", nullptr);
  o.emplace("timezoneoffset", r.timezoneoffset);
  o.emplace("bouncetype", to_string(r.bouncetype));
  o.emplace("category", r.category);
  o.emplace("rule", r.rule);
  return o;
}

}  // namespace bounced::daemon
