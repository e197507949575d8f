// What every routerctl command gets: global options and the output.
#pragma once

#include <filesystem>
#include <string>

#include "cli/command.h"
#include "cli/output.h"
#include "common/error.h"

namespace routerctl {

struct Context {
  cli::Format format = cli::Format::text;
  bool statistics = false;            // -s
  std::filesystem::path pin_dir;      // empty: this namespace's default
};

using Command = cli::Command<Context>;

// Prints "routerctl: what" and a hint line; returns the exit code for it.
int report(const common::Error& e, int exit_code = cli::kExitFailure);
int usage_error(const std::string& what, std::string_view usage);

common::Result<std::filesystem::path> pin_dir(const Context& ctx);

int cmd_link(Context& ctx, cli::Args& args);
int cmd_stats(Context& ctx, cli::Args& args);
int cmd_fastpath(Context& ctx, cli::Args& args);

}  // namespace routerctl
