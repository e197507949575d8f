// What every xdp-pktgen command gets: global options, and how to report.
#pragma once

#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/output.h"
#include "common/error.h"

namespace pktgen {

struct Context {
  cli::Format format = cli::Format::text;
  bool quiet = false;  // -q: no progress lines
  // Progress lines go to stderr once a second, unless asked for JSON (a
  // harness reading stdout) or quiet.
  bool progress() const { return !quiet && format == cli::Format::text; }
};

using Command = cli::Command<Context>;

// Prints "xdp-pktgen: what" and a hint line; returns the exit code for it.
int report(const common::Error& e, int exit_code = cli::kExitFailure);
int usage_error(const common::Error& e, std::string_view usage);

int cmd_send(Context& ctx, cli::Args& args);
int cmd_sink(Context& ctx, cli::Args& args);

// Blocks SIGINT and SIGTERM in this thread and the threads it starts, so
// the main loop can wait for them (wait_signal) instead of being torn
// down in the middle of a test run.
void block_stop_signals();
// Waits up to timeout_ms for SIGINT/SIGTERM; true if one came.
bool wait_signal(long timeout_ms);

}  // namespace pktgen
