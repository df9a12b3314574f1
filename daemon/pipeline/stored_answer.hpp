// What became of a message handed to the ingest pipeline (over HTTP, or from a listener): the
// answer its sender gets once the message is on disk, or why it is not.
#pragma once

#include <cstddef>
#include <string>

namespace bounced::daemon {

struct stored_answer {
  bool stored = false;    // on disk (a duplicate too)
  std::string queue_id;   // the stored message's id, "(duplicate)" added for a duplicate
  std::size_t records = 0;
  std::string error;      // why not
};

}  // namespace bounced::daemon
