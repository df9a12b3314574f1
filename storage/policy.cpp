// See policy.hpp.
#include "storage/policy.hpp"

namespace bounced::storage {

suppression fresh_suppression(const std::string& address) {
  return suppression{address, address_state::active, 0, "", 0, 0, 0, 0, std::nullopt};
}

bool apply_suppression_policy(suppression& s, bool found, const row& r, std::int64_t row_id, std::int64_t at,
                              int soft_bounce_limit) {
  if (r.kind == record_kind::bounce && r.bounce_type == bounce_type::hard) {
    ++s.hard_count;
    if (s.state != address_state::complained) s.state = address_state::hard_bouncing;
  } else if (r.kind == record_kind::bounce && r.bounce_type == bounce_type::soft) {
    if (found && !r.original_message_id.empty() && r.original_message_id == s.last_soft_original) return false;
    ++s.soft_count;
    s.last_soft_original = r.original_message_id;
    if (s.soft_count >= soft_bounce_limit && s.state == address_state::active) s.state = address_state::soft_bouncing;
  } else if (r.kind == record_kind::complaint) {
    ++s.complaint_count;
    s.state = address_state::complained;
  } else if (r.kind == record_kind::delivery) {
    if (!found) return false;
    s.soft_count = 0;
    s.last_soft_original.clear();
    if (s.state == address_state::soft_bouncing) s.state = address_state::active;
  } else {
    return false;
  }
  s.updated_at = at;
  s.last_row_id = row_id;
  return true;
}

}  // namespace bounced::storage
