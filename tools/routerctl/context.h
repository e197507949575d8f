// What every routerctl command gets: global options and the output.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/output.h"
#include "common/error.h"

namespace routerctl {

struct Context {
  cli::Format format = cli::Format::text;
  bool statistics = false;            // -s
  std::filesystem::path pin_dir;      // empty: routerd's, or this namespace's default
  std::filesystem::path socket;       // empty: this namespace's default
};

using Command = cli::Command<Context>;

// Prints "routerctl: what" and a hint line; returns the exit code for it.
int report(const common::Error& e, int exit_code = cli::kExitFailure);
int usage_error(const std::string& what, std::string_view usage);

common::Result<std::filesystem::path> pin_dir(const Context& ctx);

// One request to routerd. Fails with ENOENT or ECONNREFUSED when it does not
// run (see daemon_absent).
common::Result<nlohmann::json> daemon_request(const Context& ctx, const nlohmann::json& req);
bool daemon_absent(const common::Error& e);

int cmd_link(Context& ctx, cli::Args& args);
int cmd_stats(Context& ctx, cli::Args& args);
int cmd_fastpath(Context& ctx, cli::Args& args);
int cmd_daemon(Context& ctx, cli::Args& args);
int cmd_route(Context& ctx, cli::Args& args);
int cmd_monitor(Context& ctx, cli::Args& args);

}  // namespace routerctl
