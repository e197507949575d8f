// xdp-pktgen: a packet generator that needs no NIC and no kernel module.
// Frames are built by an XDP program and sent with BPF_PROG_TEST_RUN in
// live-frames mode; a counting XDP sink receives them.
#include <fmt/core.h>
#include <signal.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <optional>

#include "common/log.h"
#include "context.h"
#include "common/libbpf_log.h"
#include "pktgen/options.h"

namespace pktgen {
namespace {

constexpr std::string_view kUsage =
    "Usage: xdp-pktgen [OPTIONS] { send | sink | help } [ARGS] [OPTIONS]\n"
    "OPTIONS := { -j[son] | -p[retty] | -q[uiet] | -d[ebug] | -h[elp] | -V[ersion] }\n"
    "\n";

int cmd_help(Context&, cli::Args&) {
  fmt::print("{}  {}\n  {}\n", kUsage, kSendUsage, kSinkUsage);
  return cli::kExitOk;
}

const std::array<Command, 3> kCommands{{
    {"send", "", cmd_send},
    {"sink", "", cmd_sink},
    {"help", "", cmd_help},
}};

const std::array<cli::Option, 6> kOptions{{
    {"json"},
    {"pretty"},
    {"quiet"},
    {"debug"},
    {"help"},
    {"Version"},
}};

}  // namespace

int report(const common::Error& e, int exit_code) {
  fmt::print(stderr, "xdp-pktgen: {}\n", e.message());
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
  return exit_code;
}

int usage_error(const common::Error& e, std::string_view usage) {
  fmt::print(stderr, "xdp-pktgen: {}\n", e.what);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
  fmt::print(stderr, "Usage: {}\n", usage);
  return cli::kExitUsage;
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool wait_signal(long timeout_ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace pktgen

int main(int argc, char** argv) {
  using namespace pktgen;
  Context ctx;
  // Options may come anywhere ("sink dev X duration 5 -j").
  auto line = cli::split_command_line(argc, argv, kOptions, true);
  if (!line) return usage_error({EINVAL, line.error().what}, "xdp-pktgen help");
  const auto& words = line->words;
  for (const auto& [opt, value] : line->options) {
    const std::string_view name = opt->name;
    if (name == "json") ctx.format = cli::Format::json;
    else if (name == "pretty") ctx.format = cli::Format::pretty;
    else if (name == "quiet") ctx.quiet = true;
    else if (name == "debug") common::log::set_level(common::log::Level::debug);
    else if (name == "Version") {
      fmt::print("xdp-pktgen 0.1.0\n");
      return cli::kExitOk;
    } else {
      cli::Args none({});
      return cmd_help(ctx, none);
    }
  }
  common::route_libbpf_logs();
  if (words.empty()) {
    fmt::print(stderr, "{}  {}\n  {}\n", kUsage, kSendUsage, kSinkUsage);
    return cli::kExitUsage;
  }
  auto command = cli::match<Command>(kCommands, words.front());
  if (!command) return usage_error(command.error(), "xdp-pktgen help");
  cli::Args args(std::vector<std::string>(words.begin() + 1, words.end()));
  return (*command)->run(ctx, args);
}
