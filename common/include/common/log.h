// The one logger: levels, per-subsystem debug, stderr, fmt formatting.
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace common::log {

enum class Level { error, warn, info, debug };

void set_level(Level level);
Level level();
// "debug" for everything, or a comma list of subsystems ("bpf,netlink").
void set_debug(std::string_view subsystems);
bool debug_enabled(std::string_view subsystem);
// Parses "error", "warn", "info", "debug".
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view subsystem, std::string_view msg);

template <typename... Args>
void error(std::string_view sub, fmt::format_string<Args...> f, Args&&... a) {
  write(Level::error, sub, fmt::format(f, std::forward<Args>(a)...));
}
template <typename... Args>
void warn(std::string_view sub, fmt::format_string<Args...> f, Args&&... a) {
  if (level() >= Level::warn)
    write(Level::warn, sub, fmt::format(f, std::forward<Args>(a)...));
}
template <typename... Args>
void info(std::string_view sub, fmt::format_string<Args...> f, Args&&... a) {
  if (level() >= Level::info)
    write(Level::info, sub, fmt::format(f, std::forward<Args>(a)...));
}
template <typename... Args>
void debug(std::string_view sub, fmt::format_string<Args...> f, Args&&... a) {
  if (debug_enabled(sub))
    write(Level::debug, sub, fmt::format(f, std::forward<Args>(a)...));
}

}  // namespace common::log
