// The suppression policy: how each new row changes its address's suppression state. Pure code,
// the same for every backend (storage/store.hpp), tested on its own (tests/storage/policy_test).
#pragma once

#include <cstdint>
#include <string>

#include "storage/types.hpp"

namespace bounced::storage {

// An address not seen before: active, nothing counted.
suppression fresh_suppression(const std::string& address);

// Applies one new row to s (found: s was stored before) and says whether s changed. A hard bounce
// makes the address hard-bouncing (FreshMail state 8). A soft bounce counts when it is about
// another original message than the last one counted (one message's several reports count once;
// a report without an original Message-ID always counts); soft_bounce_limit of them in a row make
// it soft-bouncing (FreshMail state 5). A complaint makes it complained. A delivery report ends
// the run of soft bounces. Delays and auto-replies say nothing about the address. complained is
// never left by a bounce, nor hard-bouncing by soft bounces. A block by hand (blocked_at) is no
// part of the policy: it stays whatever the rows say.
bool apply_suppression_policy(suppression& s, bool found, const row& r, std::int64_t row_id, std::int64_t at,
                              int soft_bounce_limit);

}  // namespace bounced::storage
