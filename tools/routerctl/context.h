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

// The commands (grammar.cpp names them and their arguments).
int link_show(Context& ctx, cli::Args& args);
int link_set(Context& ctx, cli::Args& args);
int route_get(Context& ctx, cli::Args& args);
int stats(Context& ctx, cli::Args& args);
int monitor(Context& ctx, cli::Args& args);
int fastpath_show(Context& ctx, cli::Args& args);
int fastpath_unload(Context& ctx, cli::Args& args);
int daemon_status(Context& ctx, cli::Args& args);

}  // namespace routerctl
