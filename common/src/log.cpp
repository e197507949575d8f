// The logger behind common/log.h.
#include "common/log.h"

#include <mutex>
#include <set>
#include <string>

namespace common::log {
namespace {

Level g_level = Level::warn;
bool g_debug_all = false;
std::set<std::string, std::less<>> g_debug_subsystems;
std::mutex g_write_mutex;

const char* level_name(Level l) {
  switch (l) {
    case Level::error: return "error";
    case Level::warn: return "warning";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "?";
}

}  // namespace

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

void set_debug(std::string_view subsystems) {
  size_t start = 0;
  while (start <= subsystems.size()) {
    size_t end = subsystems.find(',', start);
    if (end == std::string_view::npos) end = subsystems.size();
    auto name = subsystems.substr(start, end - start);
    if (name == "all" || name == "debug") g_debug_all = true;
    else if (!name.empty()) g_debug_subsystems.emplace(name);
    start = end + 1;
  }
}

bool debug_enabled(std::string_view sub) {
  return g_level >= Level::debug || g_debug_all ||
         g_debug_subsystems.find(sub) != g_debug_subsystems.end();
}

bool parse_level(std::string_view t, Level& out) {
  if (t == "error") out = Level::error;
  else if (t == "warn" || t == "warning") out = Level::warn;
  else if (t == "info") out = Level::info;
  else if (t == "debug") out = Level::debug;
  else return false;
  return true;
}

void write(Level l, std::string_view sub, std::string_view msg) {
  std::lock_guard lock(g_write_mutex);
  fmt::print(stderr, "{}: {}: {}\n", level_name(l), sub, msg);
}

}  // namespace common::log
