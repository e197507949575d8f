// xdp-probe: per device, the XDP features the kernel advertises next to
// what was detected by trying them.
#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/output.h"
#include "common/log.h"
#include "fastpath/fastpath.h"
#include "probe/probe.h"

namespace {

constexpr std::string_view kUsage =
    "Usage: xdp-probe [OPTIONS] [ dev NAME ]\n"
    "OPTIONS := { -j[son] | -p[retty] | --active | -d[ebug] | -h[elp] | -V[ersion] }\n"
    "\n"
    "Virtual devices are tried on a fresh copy in a private network namespace;\n"
    "devices that cannot be copied (NICs, lo) only with --active, on the device\n"
    "itself (attach and detach; one probe frame goes out of it).\n";

const std::array<cli::Option, 6> kOptions{{
    {"json"},
    {"pretty", false, true},
    {"active"},
    {"debug"},
    {"help"},
    {"Version"},
}};

int report(const common::Error& e, int code = cli::kExitFailure) {
  fmt::print(stderr, "xdp-probe: {}\n", e.message());
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
  return code;
}

int usage_error(const std::string& what) {
  fmt::print(stderr, "xdp-probe: {}\n{}", what, kUsage);
  return cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Format format = cli::Format::text;
  probe::Options options;
  auto line = cli::split_command_line(argc, argv, kOptions, true);
  if (!line) return usage_error(line.error().what);
  auto words = std::move(line->words);
  for (const auto& [opt, value] : line->options) {
    const std::string_view name = opt->name;
    if (name == "json") format = cli::Format::json;
    else if (name == "pretty") format = cli::Format::pretty;
    else if (name == "active") options.active = true;
    else if (name == "debug") common::log::set_level(common::log::Level::debug);
    else if (name == "Version") {
      fmt::print("xdp-probe 0.1.0\n");
      return cli::kExitOk;
    } else {
      fmt::print("{}", kUsage);
      return cli::kExitOk;
    }
  }
  cli::Args args(std::move(words));
  cli::Keywords kw({"dev"});
  if (auto r = kw.parse(args, "dev"); !r) return usage_error(r.error().what);
  options.dev = kw.get("dev");

  if (::geteuid() != 0)
    return report({EPERM, "needs root",
                   "run it as root: it loads BPF programs and makes a scratch network namespace"});
  fastpath::route_libbpf_logs();
  auto reports = probe::run(options);
  if (!reports) return report(reports.error());
  cli::Output out(format);
  probe::print(out, *reports);
  return cli::kExitOk;
}
