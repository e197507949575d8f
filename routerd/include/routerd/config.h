// routerd's configuration: which interfaces it manages and how.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "fastpath/types.h"

namespace routerd {

inline constexpr std::string_view kDefaultConfigPath = "/etc/routerd/routerd.conf";

struct InterfaceRule {
  std::string pattern;  // an exact name or a shell glob ("eth*", "veth-?")
  fastpath::XdpMode mode = fastpath::XdpMode::automatic;
  int line = 0;         // where it was written, for messages
};

struct Config {
  std::vector<InterfaceRule> interfaces;  // first match wins
  std::filesystem::path pin_dir;          // empty: this namespace's default
  std::filesystem::path control_socket;   // empty: this namespace's default
  common::log::Level log_level = common::log::Level::info;
  // Entries per family of the FIB result cache; 0 turns it off. Its size
  // is set when the fast path loads (a restart changes it).
  uint32_t fib_cache_entries = fastpath::kDefaultFibCacheEntries;

  const InterfaceRule* match(std::string_view ifname) const;
};

// Parses TOML text. On failure, Error::what holds every problem found, one
// per line, each as "SOURCE:LINE:COLUMN: what is wrong (what is expected)".
common::Result<Config> parse_config(std::string_view text, std::string_view source);
common::Result<Config> load_config(const std::filesystem::path& path);

}  // namespace routerd
