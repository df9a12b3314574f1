// See inputs.hpp.
#include "daemon/inputs.hpp"

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
  // A new message starts at a "From " line at the start of the text or after an empty line.
  std::size_t start = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = std::string_view::npos;
    for (std::size_t p = text.find("\nFrom ", pos); p != std::string_view::npos; p = text.find("\nFrom ", p + 1)) {
      const bool after_blank = p >= 1 && (text[p - 1] == '\n' || (p >= 2 && text[p - 1] == '\r' && text[p - 2] == '\n'));
      if (after_blank) {
        next = p + 1;
        break;
      }
    }
    // Old Mac files end lines with a lone CR: "\r\rFrom " is their separator.
    for (std::size_t p = text.find("\r\rFrom ", pos); p != std::string_view::npos && p + 2 < next;
         p = text.find("\r\rFrom ", p + 1)) {
      next = p + 2;
      break;
    }
    // Drop the "From " separator line itself (ended by LF, CRLF or a lone CR).
    std::string_view message = text.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    std::size_t eol = message.find_first_of("\r\n");
    if (eol != std::string_view::npos && message[eol] == '\r' && eol + 1 < message.size() && message[eol + 1] == '\n')
      ++eol;
    message = eol == std::string_view::npos ? std::string_view() : message.substr(eol + 1);
    if (!message.empty()) fn(message);
    if (next == std::string_view::npos) break;
    start = next;
    pos = next;
  }
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
