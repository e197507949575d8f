// Errors as values: what failed, the errno behind it, and how to fix it.
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <utility>

namespace common {

struct Error {
  int code = 0;       // positive errno, 0 when there is none
  std::string what;   // one line naming the thing that failed
  std::string hint;   // what the user can do about it, may be empty
  bool says_all = false;  // `what` needs no strerror(code) after it

  std::string message() const {
    std::string m = what;
    if (code != 0 && !says_all && what.find(std::strerror(code)) == std::string::npos)
      m += std::string(": ") + std::strerror(code);
    return m;
  }
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(int code, std::string what,
                                   std::string hint = {}) {
  return std::unexpected(Error{code < 0 ? -code : code, std::move(what),
                               std::move(hint)});
}

// An error whose text is complete as it stands, as ip(8)'s
// `Cannot find device "eth9"`: the errno is kept for callers, not printed.
inline std::unexpected<Error> fail_plain(int code, std::string what,
                                         std::string hint = {}) {
  return std::unexpected(Error{code, std::move(what), std::move(hint), true});
}

// For libc calls that report through errno.
inline std::unexpected<Error> fail_errno(std::string what,
                                         std::string hint = {}) {
  return fail(errno, std::move(what), std::move(hint));
}

}  // namespace common
