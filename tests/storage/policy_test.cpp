// The suppression policy alone (storage/policy): what each row does to an address's state, the
// same for every backend.
#include <catch2/catch.hpp>

#include "storage/policy.hpp"

using namespace bounced::storage;

namespace {

row of(std::string kind, std::string type = "", std::string original = "") {
  row r;
  r.recipient = "a@example.com";
  r.kind = parse_record_kind(kind).value();
  r.bounce_type = parse_bounce_type(type).value();
  r.original_message_id = std::move(original);
  return r;
}

}  // namespace

TEST_CASE("a hard bounce makes the address hard-bouncing at once", "[policy]") {
  suppression s = fresh_suppression("a@example.com");
  CHECK(s.state == address_state::active);
  CHECK(apply_suppression_policy(s, false, of("bounce", "hard"), 7, 100, 3));
  CHECK(s.state == address_state::hard_bouncing);
  CHECK(s.hard_count == 1);
  CHECK(s.last_row_id == 7);
  CHECK(s.updated_at == 100);
}

TEST_CASE("soft bounces of different messages in a row make it soft-bouncing, a delivery resets them", "[policy]") {
  suppression s = fresh_suppression("a@example.com");
  CHECK(apply_suppression_policy(s, false, of("bounce", "soft", "m1"), 1, 1, 3));
  // The same original again counts once.
  CHECK_FALSE(apply_suppression_policy(s, true, of("bounce", "soft", "m1"), 2, 2, 3));
  CHECK(apply_suppression_policy(s, true, of("bounce", "soft", "m2"), 3, 3, 3));
  CHECK(s.state == address_state::active);
  CHECK(apply_suppression_policy(s, true, of("bounce", "soft", "m3"), 4, 4, 3));
  CHECK(s.state == address_state::soft_bouncing);
  CHECK(s.soft_count == 3);
  CHECK(apply_suppression_policy(s, true, of("delivery"), 5, 5, 3));
  CHECK(s.state == address_state::active);
  CHECK(s.soft_count == 0);
  // A report without an original Message-ID always counts.
  CHECK(apply_suppression_policy(s, true, of("bounce", "soft"), 6, 6, 3));
  CHECK(apply_suppression_policy(s, true, of("bounce", "soft"), 7, 7, 3));
  CHECK(s.soft_count == 2);
}

TEST_CASE("a complaint is final, delays and auto-replies say nothing", "[policy]") {
  suppression s = fresh_suppression("a@example.com");
  CHECK(apply_suppression_policy(s, false, of("complaint"), 1, 1, 3));
  CHECK(s.state == address_state::complained);
  CHECK(apply_suppression_policy(s, true, of("bounce", "hard"), 2, 2, 3));
  CHECK(s.state == address_state::complained);
  CHECK_FALSE(apply_suppression_policy(s, true, of("delay"), 3, 3, 3));
  CHECK_FALSE(apply_suppression_policy(s, true, of("auto-reply"), 4, 4, 3));
  // A delivery report for an address never seen stores nothing.
  suppression fresh = fresh_suppression("b@example.com");
  CHECK_FALSE(apply_suppression_policy(fresh, false, of("delivery"), 5, 5, 3));
  // Soft bounces never undo a hard state.
  suppression hard = fresh_suppression("c@example.com");
  apply_suppression_policy(hard, false, of("bounce", "hard"), 6, 6, 1);
  apply_suppression_policy(hard, true, of("bounce", "soft", "m"), 7, 7, 1);
  CHECK(hard.state == address_state::hard_bouncing);
}
