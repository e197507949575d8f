// routerd's control API: each command of the control socket, once, with
// what it does. Requests are {"command": NAME, ...}; replies {"ok": true,
// ...} or {"ok": false, "error": ..., "hint": ...} (routerd/control.h).
#include <fmt/core.h>

#include <array>
#include <string>

#include "daemon.h"

namespace routerd {
namespace {

struct Command {
  std::string_view name;
  nlohmann::json (*run)(Daemon& d, const nlohmann::json& req);
};

}  // namespace

nlohmann::json Daemon::handle(const nlohmann::json& req) {
  static constexpr std::array<Command, 5> kCommands{{
      // Daemon-wide state: policy, counts, the last reconcile.
      {"status", [](Daemon& d, const nlohmann::json&) { return d.status_json(); }},
      // Every interface's plan: managed, mode, egress and why.
      {"interfaces", [](Daemon& d, const nlohmann::json&) { return d.interfaces_json(); }},
      // The fast path's counters, as routerctl stats prints them.
      {"counters", [](Daemon& d, const nlohmann::json&) { return d.counters_json(); }},
      // {"dev": NAME, "mode": MODE}: an override until detach or restart.
      {"attach", [](Daemon& d, const nlohmann::json& r) { return d.set_override(r, true); }},
      {"detach", [](Daemon& d, const nlohmann::json& r) { return d.set_override(r, false); }},
  }};
  const auto name = req.value("command", std::string{});
  for (const Command& c : kCommands)
    if (c.name == name) return c.run(*this, req);
  std::string names;
  for (const Command& c : kCommands) names += fmt::format("{}{}", names.empty() ? "" : ", ", c.name);
  return error_reply({EINVAL, fmt::format("unknown command \"{}\"", name), "commands: " + names});
}

}  // namespace routerd
