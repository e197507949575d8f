// routerd.conf: what parses, and what every mistake is reported as.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "routerd/config.h"

using fastpath::XdpMode;

TEST_CASE("a full configuration parses") {
  auto cfg = routerd::parse_config(R"(
log_level = "debug"
pin_dir = "/sys/fs/bpf/r1"
control_socket = "/run/r1.sock"
fib_cache_entries = 4096

[[interface]]
name = "eth0"
mode = "native"

[[interface]]
name = "veth-*"
mode = "generic"

[[interface]]
name = "en?[0-9]s*"
)", "test.conf");
  REQUIRE_MESSAGE(cfg.has_value(), (cfg ? "" : cfg.error().what));
  CHECK(cfg->log_level == common::log::Level::debug);
  CHECK(cfg->pin_dir == "/sys/fs/bpf/r1");
  CHECK(cfg->control_socket == "/run/r1.sock");
  CHECK(cfg->fib_cache_entries == 4096);
  REQUIRE(cfg->interfaces.size() == 3);
  CHECK(cfg->interfaces[0].mode == XdpMode::native);
  CHECK(cfg->interfaces[2].mode == XdpMode::automatic);  // the default
  CHECK(cfg->interfaces[1].line == 11);
  CHECK(cfg->match("eth0")->mode == XdpMode::native);
  CHECK(cfg->match("veth-a")->mode == XdpMode::generic);
  REQUIRE(cfg->match("enp3s0") != nullptr);
  CHECK(cfg->match("enp3s0")->pattern == "en?[0-9]s*");
  CHECK(cfg->match("eth1") == nullptr);
}

TEST_CASE("the first matching rule wins") {
  auto cfg = routerd::parse_config(
      "[[interface]]\nname = \"eth0\"\nmode = \"generic\"\n"
      "[[interface]]\nname = \"eth*\"\nmode = \"native\"\n", "t");
  REQUIRE(cfg.has_value());
  CHECK(cfg->match("eth0")->mode == XdpMode::generic);
  CHECK(cfg->match("eth1")->mode == XdpMode::native);
}

TEST_CASE("an empty file is a valid configuration that manages nothing") {
  auto cfg = routerd::parse_config("", "t");
  REQUIRE(cfg.has_value());
  CHECK(cfg->fib_cache_entries == fastpath::kDefaultFibCacheEntries);
  CHECK(cfg->interfaces.empty());
  CHECK(cfg->match("eth0") == nullptr);
}

TEST_CASE("every mistake names its line and what is expected") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"log_level = \"loud\"", "t:1:13: log_level \"loud\" is not one of error, warn, info, debug"},
      {"log_level = 3", "t:1:13: log_level must be a string"},
      {"colour = \"red\"", "t:1:1: unknown key colour (expected log_level, pin_dir, "
                           "control_socket, fib_cache_entries, [[interface]])"},
      {"fib_cache_entries = -1", "t:1:21: fib_cache_entries must be a whole number from 0 (off)"},
      {"fib_cache_entries = \"big\"", "t:1:21: fib_cache_entries must be a whole number"},
      {"pin_dir = \"relative/dir\"", "t:1:11: pin_dir must be an absolute path"},
      {"control_socket = \"\"", "t:1:18: control_socket must be an absolute path"},
      {"[[interface]]\nmode = \"native\"", "t:1:1: [[interface]] needs name = \"NAME or GLOB\""},
      {"[[interface]]\nname = \"eth0\"\nmode = \"turbo\"",
       "t:3:8: interface.mode \"turbo\" is not one of native, generic, auto"},
      {"[[interface]]\nname = \"a/b\"", "t:2:8: interface.name \"a/b\" is not an interface "
                                         "name or glob (1-15 characters, no '/', ':' or spaces)"},
      {"[[interface]]\nname = \"averyveryverylongname\"", "t:2:8: interface.name"},
      {"[[interface]]\nname = \"eth0\"\nspeed = 10",
       "t:3:1: unknown key interface.speed (expected name, mode)"},
      {"interface = \"eth0\"", "t:1:13: interface must be a list of tables: [[interface]]"},
      {"[[interface]\nname = \"x\"", "t:1:13: Error while parsing table header"},
      {"log_level = \"info", "t:1:"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto cfg = routerd::parse_config(c.text, "t");
    REQUIRE_FALSE(cfg.has_value());
    CHECK(cfg.error().message().starts_with(c.message));
  }
}

TEST_CASE("all mistakes are reported, in file order") {
  auto cfg = routerd::parse_config(
      "log_level = \"loud\"\nfoo = 1\n[[interface]]\nname = \"eth0\"\nmode = \"x\"\n", "t");
  REQUIRE_FALSE(cfg.has_value());
  const std::string& m = cfg.error().what;
  CHECK(m.find("t:1:") < m.find("t:2:"));
  CHECK(m.find("t:2:") < m.find("t:5:"));
  CHECK(std::count(m.begin(), m.end(), '\n') == 2);
}

TEST_CASE("a missing file says how to give one") {
  auto cfg = routerd::load_config("/nonexistent/routerd.conf");
  REQUIRE_FALSE(cfg.has_value());
  CHECK(cfg.error().message().starts_with("cannot read /nonexistent/routerd.conf"));
  CHECK_FALSE(cfg.error().hint.empty());
}
