// Where `bounced parse` (and later the pipe input) finds messages: files, folders (every
// regular file directly in them, sorted), maildirs (cur/ and new/), mbox files (split on
// "From " lines) and standard input ("-").
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "daemon/params.hpp"

namespace bounced::daemon {

// Largest message read from a file or stdin; larger ones are reported as errors.
inline constexpr std::size_t max_input_message_bytes = params::input_message_bytes;

using message_fn = std::function<void(std::string_view origin, std::string_view message)>;
using error_fn = std::function<void(std::string_view origin, std::string_view what)>;

// Calls on_message for every message under path, and on_error for what cannot be read.
void for_each_message(const std::string& path, const message_fn& on_message, const error_fn& on_error);

// Calls fn for each message in text: one, or several when text is an mbox ("From " lines).
void split_mbox(std::string_view text, const std::function<void(std::string_view)>& fn);

}  // namespace bounced::daemon
