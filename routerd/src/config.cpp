// Reading routerd.conf (TOML, through toml++).
#include "routerd/config.h"

#include <fmt/core.h>
#include <fnmatch.h>
#include <net/if.h>

#include <algorithm>
#include <fstream>
#include <tuple>
#include <sstream>
#include <toml++/toml.h>

namespace routerd {
namespace {

class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}

  void add(const toml::source_region& where, const std::string& what) {
    lines_.push_back({where.begin.line, where.begin.column, what});
  }
  bool empty() const { return lines_.empty(); }
  // In file order: toml++ iterates keys sorted, not as written.
  std::string joined() {
    std::sort(lines_.begin(), lines_.end());
    std::string out;
    for (const auto& [line, column, what] : lines_)
      out += fmt::format("{}{}:{}:{}: {}", out.empty() ? "" : "\n", source_, line, column, what);
    return out;
  }

 private:
  std::string_view source_;
  std::vector<std::tuple<uint32_t, uint32_t, std::string>> lines_;
};

std::optional<std::string> string_at(const toml::node& node, std::string_view key,
                                     Problems& problems) {
  if (auto s = node.value<std::string>()) return *s;
  problems.add(node.source(), fmt::format("{} must be a string", key));
  return std::nullopt;
}

bool valid_pattern(const std::string& p) {
  if (p.empty() || p.size() >= IF_NAMESIZE) return false;
  for (char c : p)
    if (c == '/' || c == ' ' || c == ':' || static_cast<unsigned char>(c) < 0x21) return false;
  return true;
}

void parse_interface(const toml::table& t, Config& cfg, Problems& problems) {
  InterfaceRule rule;
  rule.line = static_cast<int>(t.source().begin.line);
  bool have_name = false;
  for (const auto& [key, node] : t) {
    if (key == "name") {
      have_name = true;  // a bad name is reported as such, not as missing
      auto s = string_at(node, "interface.name", problems);
      if (!s) continue;
      if (!valid_pattern(*s)) {
        problems.add(node.source(),
                     fmt::format("interface.name \"{}\" is not an interface name or glob "
                                 "(1-15 characters, no '/', ':' or spaces)", *s));
        continue;
      }
      rule.pattern = *s;
    } else if (key == "mode") {
      auto s = string_at(node, "interface.mode", problems);
      if (!s) continue;
      auto mode = fastpath::parse_mode(*s);
      if (!mode) {
        problems.add(node.source(), fmt::format("interface.mode \"{}\" is not one of "
                                                "native, generic, auto", *s));
        continue;
      }
      rule.mode = *mode;
    } else {
      problems.add(key.source(), fmt::format("unknown key interface.{} (expected "
                                              "name, mode)", key.str()));
    }
  }
  if (!have_name) problems.add(t.source(), "[[interface]] needs name = \"NAME or GLOB\"");
  if (!rule.pattern.empty()) cfg.interfaces.push_back(std::move(rule));
}

constexpr int64_t kMaxFibCacheEntries = 1 << 24;

void parse_top(const toml::table& root, Config& cfg, Problems& problems) {
  for (const auto& [key, node] : root) {
    if (key == "log_level") {
      auto s = string_at(node, "log_level", problems);
      if (s && !common::log::parse_level(*s, cfg.log_level))
        problems.add(node.source(), fmt::format("log_level \"{}\" is not one of error, "
                                                "warn, info, debug", *s));
    } else if (key == "pin_dir" || key == "control_socket") {
      auto s = string_at(node, key.str(), problems);
      if (!s) continue;
      if (s->empty() || (*s)[0] != '/') {
        problems.add(node.source(), fmt::format("{} must be an absolute path", key.str()));
        continue;
      }
      (key == "pin_dir" ? cfg.pin_dir : cfg.control_socket) = *s;
    } else if (key == "fib_cache_entries") {
      const auto n = node.value<int64_t>();
      if (!node.is_integer() || !n || *n < 0 || *n > kMaxFibCacheEntries) {
        problems.add(node.source(), fmt::format("fib_cache_entries must be a whole number "
                                                "from 0 (off) to {}", kMaxFibCacheEntries));
        continue;
      }
      cfg.fib_cache_entries = static_cast<uint32_t>(*n);
    } else if (key == "interface") {
      const toml::array* list = node.as_array();
      if (!list) {
        problems.add(node.source(), "interface must be a list of tables: [[interface]]");
        continue;
      }
      for (const auto& item : *list) {
        if (const toml::table* t = item.as_table()) parse_interface(*t, cfg, problems);
        else problems.add(item.source(), "each interface must be a table");
      }
    } else {
      problems.add(key.source(),
                   fmt::format("unknown key {} (expected log_level, pin_dir, "
                               "control_socket, fib_cache_entries, [[interface]])",
                               key.str()));
    }
  }
}

}  // namespace

const InterfaceRule* Config::match(std::string_view ifname) const {
  const std::string name(ifname);
  for (const auto& rule : interfaces)
    if (fnmatch(rule.pattern.c_str(), name.c_str(), 0) == 0) return &rule;
  return nullptr;
}

common::Result<Config> parse_config(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return common::fail(0, fmt::format("{}:{}:{}: {}", source, b.line, b.column,
                                       e.description()));
  }
  Config cfg;
  Problems problems(source);
  parse_top(root, cfg, problems);
  if (!problems.empty()) return common::fail(0, problems.joined());
  return cfg;
}

common::Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    return common::fail_errno(fmt::format("cannot read {}", path.string()),
                              "give the configuration with -c FILE");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string());
}

}  // namespace routerd
