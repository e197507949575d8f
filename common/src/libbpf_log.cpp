// libbpf's messages, through the project logger.
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string_view>

#include "common/log.h"
#include "common/libbpf_log.h"

namespace common {
namespace {

int print(enum libbpf_print_level level, const char* format, va_list ap) {
  namespace log = common::log;
  // Demoted one level: libbpf warns about feature probes that may fail.
  const bool wanted = level == LIBBPF_WARN ? log::level() >= log::Level::info
                                           : log::debug_enabled("libbpf");
  if (!wanted) return 0;
  char buf[2048];
  int n = vsnprintf(buf, sizeof(buf), format, ap);
  std::string_view msg(buf, n < 0 ? 0 : std::min<size_t>(n, sizeof(buf) - 1));
  while (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
  log::write(level == LIBBPF_WARN ? log::Level::info : log::Level::debug,
             "libbpf", msg);
  return n;
}

}  // namespace

void route_libbpf_logs() { libbpf_set_print(print); }

}  // namespace common
