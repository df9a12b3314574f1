// See inputs.hpp.
#include "daemon/cli/inputs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

namespace bounced::daemon {

namespace fs = std::filesystem;

void split_mbox(std::string_view text, const std::function<void(std::string_view)>& fn) {
  if (text.substr(0, 5) != "From ") {
    fn(text);
    return;
  }
  // One pass over the lines. Lines end in LF (or CRLF); a file with no LF at all is an old Mac
  // file whose lines end in a lone CR. A "From " line at the start or after an empty line
  // starts a new message, and is itself no part of it.
  const char eol = text.find('\n') != std::string_view::npos ? '\n' : '\r';
  std::size_t message_start = std::string_view::npos;
  bool previous_empty = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const void* found = std::memchr(text.data() + pos, eol, text.size() - pos);
    const std::size_t end = found ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) : text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t next = end < text.size() ? end + 1 : end;
    if (previous_empty && line.substr(0, 5) == "From ") {
      if (message_start != std::string_view::npos && pos > message_start) fn(text.substr(message_start, pos - message_start));
      message_start = next;
      previous_empty = false;
    } else {
      previous_empty = line.empty();
    }
    pos = next;
  }
  if (message_start != std::string_view::npos && message_start < text.size()) fn(text.substr(message_start));
}

namespace {

bool read_file(const fs::path& path, std::string& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > max_input_message_bytes) {
    error = "larger than " + std::to_string(max_input_message_bytes) + " bytes";
    return false;
  }
  // Read in one call where the size is known (istreambuf_iterator goes byte by byte).
  if (!ec) {
    out.resize(static_cast<std::size_t>(size));
    f.read(out.data(), static_cast<std::streamsize>(size));
    out.resize(static_cast<std::size_t>(f.gcount()));
  } else {
    out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (f.bad()) {
    error = "read error";
    return false;
  }
  return true;
}

void read_one(const fs::path& path, const message_fn& on_message, const error_fn& on_error) {
  std::string text, error;
  if (!read_file(path, text, error)) {
    on_error(path.string(), error);
    return;
  }
  const std::string origin = path.string();
  split_mbox(text, [&](std::string_view message) { on_message(origin, message); });
}

std::vector<fs::path> regular_files(const fs::path& dir, const error_fn& on_error) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (it->is_regular_file(sec)) files.push_back(it->path());
  }
  if (ec) on_error(dir.string(), ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

void for_each_message(const std::string& path, const message_fn& on_message, const error_fn& on_error) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (text.size() > max_input_message_bytes) {
      on_error("-", "larger than " + std::to_string(max_input_message_bytes) + " bytes");
      return;
    }
    split_mbox(text, [&](std::string_view message) { on_message("-", message); });
    return;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec) {
    on_error(path, ec.message());
    return;
  }
  if (fs::is_directory(st)) {
    const fs::path dir(path);
    if (fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec)) {
      for (const char* sub : {"cur", "new"})
        for (const auto& file : regular_files(dir / sub, on_error)) read_one(file, on_message, on_error);
      return;
    }
    for (const auto& file : regular_files(dir, on_error)) read_one(file, on_message, on_error);
    return;
  }
  read_one(path, on_message, on_error);
}

}  // namespace bounced::daemon
