// routerd: keeps the XDP fast path true to the machine, beside FRR.
#include <fmt/core.h>
#include <getopt.h>
#include <unistd.h>

#include <cstdlib>

#include "common/log.h"
#include "daemon.h"
#include "fastpath/fastpath.h"
#include "routerd/config.h"

namespace {

constexpr const char* kUsage =
    "Usage: routerd [-c FILE] [--check] [--keep-fastpath] [-d SUBSYSTEMS] [-h]\n"
    "  -c, --config FILE    configuration (default /etc/routerd/routerd.conf)\n"
    "      --check          validate the configuration and exit\n"
    "      --keep-fastpath  leave the fast path attached on exit (for upgrades)\n"
    "  -d, --debug LIST     debug logs for subsystems: all, routerd, fastpath,\n"
    "                       netlink, control, libbpf (comma-separated)\n"
    "      --netlink-rcvbuf BYTES  netlink receive buffer (testing overruns)\n"
    "      --checks-interval MS    how often settings that change without a\n"
    "                       notification are read again (default 1000)\n"
    "      --resync-interval S     how often everything is read again and veth\n"
    "                       peers are checked (default 30)\n"
    "  -h, --help           this text\n"
    "Signals: SIGHUP re-reads the configuration (an invalid one is ignored);\n"
    "SIGINT/SIGTERM stop, detaching the fast path unless --keep-fastpath.\n";

int check(const std::filesystem::path& path) {
  auto cfg = routerd::load_config(path);
  if (!cfg) {
    fmt::print(stderr, "{}\n", cfg.error().message());
    if (!cfg.error().hint.empty()) fmt::print(stderr, "hint: {}\n", cfg.error().hint);
    return 1;
  }
  fmt::print("{}: OK, {} interface rule(s)\n", path.string(), cfg->interfaces.size());
  for (const auto& r : cfg->interfaces)
    fmt::print("  {} -> {}\n", r.pattern, fastpath::to_string(r.mode));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  routerd::Options opts;
  bool check_only = false;
  std::string debug;
  enum { kCheck = 256, kKeep, kRcvbuf, kChecksInterval, kResyncInterval };
  const option longopts[] = {{"config", required_argument, nullptr, 'c'},
                             {"check", no_argument, nullptr, kCheck},
                             {"keep-fastpath", no_argument, nullptr, kKeep},
                             {"debug", required_argument, nullptr, 'd'},
                             {"netlink-rcvbuf", required_argument, nullptr, kRcvbuf},
                             {"checks-interval", required_argument, nullptr, kChecksInterval},
                             {"resync-interval", required_argument, nullptr, kResyncInterval},
                             {"help", no_argument, nullptr, 'h'},
                             {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:d:h", longopts, nullptr)) != -1;) {
    switch (c) {
      case 'c': opts.config_path = optarg; break;
      case kCheck: check_only = true; break;
      case kKeep: opts.keep_fastpath = true; break;
      case 'd': debug = optarg; break;
      case kRcvbuf: opts.netlink_rcvbuf = std::atoi(optarg); break;
      case kChecksInterval:
      case kResyncInterval: {
        const int n = std::atoi(optarg);
        const bool checks = c == kChecksInterval;
        if (n <= 0) {
          fmt::print(stderr, "routerd: --{}-interval wants {} > 0, not \"{}\"\n",
                     checks ? "checks" : "resync", checks ? "milliseconds" : "seconds", optarg);
          return 1;
        }
        if (checks) opts.checks_interval = std::chrono::milliseconds(n);
        else opts.resync_interval = std::chrono::seconds(n);
        break;
      }
      case 'h': fmt::print("{}", kUsage); return 0;
      default: fmt::print(stderr, "{}", kUsage); return 1;
    }
  }
  if (optind != argc) {
    fmt::print(stderr, "routerd: unexpected argument \"{}\"\n{}", argv[optind], kUsage);
    return 1;
  }
  if (check_only) return check(opts.config_path);

  auto cfg = routerd::load_config(opts.config_path);
  if (!cfg) {
    fmt::print(stderr, "routerd: {}\n", cfg.error().message());
    if (!cfg.error().hint.empty()) fmt::print(stderr, "hint: {}\n", cfg.error().hint);
    return 1;
  }
  common::log::set_level(cfg->log_level);
  if (!debug.empty()) common::log::set_debug(debug);
  fastpath::route_libbpf_logs();
  if (::geteuid() != 0) {
    fmt::print(stderr, "routerd: needs root (CAP_NET_ADMIN, CAP_BPF)\n");
    return 1;
  }
  auto daemon = routerd::Daemon::start(opts, std::move(*cfg));
  if (!daemon) {
    fmt::print(stderr, "routerd: {}\n", daemon.error().message());
    if (!daemon.error().hint.empty()) fmt::print(stderr, "hint: {}\n", daemon.error().hint);
    return 1;
  }
  return (*daemon)->run();
}
