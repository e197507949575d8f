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

  std::string message() const {
    std::string m = what;
    if (code != 0 && what.find(std::strerror(code)) == std::string::npos)
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

// For libc calls that report through errno.
inline std::unexpected<Error> fail_errno(std::string what,
                                         std::string hint = {}) {
  return fail(errno, std::move(what), std::move(hint));
}

}  // namespace common
