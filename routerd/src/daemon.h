// routerd's event loop: netlink changes, signals, the control socket and a
// periodic resync, each ending in a reconcile of the fast path.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "control_server.h"
#include "fastpath/fastpath.h"
#include "netlink/device_conf.h"
#include "netlink/link.h"
#include "netlink/monitor.h"
#include "netlink/netdev.h"
#include "netlink/qdisc.h"
#include "netlink/netfilter.h"
#include "netlink/xfrm.h"
#include "routerd/config.h"
#include "routerd/core.h"
#include "routerd/plane.h"

namespace routerd {

// A control reply for an error: {"ok": false, "error", "hint"}.
nlohmann::json error_reply(const common::Error& e);

struct Options {
  std::filesystem::path config_path{kDefaultConfigPath};
  bool keep_fastpath = false;  // leave the fast path attached on exit
  int netlink_rcvbuf = 4 << 20;
  std::chrono::seconds resync_interval{30};
  // How often STALE neighbours on egress devices are nudged (NTF_USE).
  std::chrono::seconds neighbour_interval{5};
  // How often managed interfaces' kernel checks are read again: some of
  // them (accept_local, disable_ipv6) change without a notification.
  std::chrono::milliseconds checks_interval{1000};
};

class Daemon {
 public:
  static common::Result<std::unique_ptr<Daemon>> start(const Options& opts, Config config);
  // Runs until SIGINT or SIGTERM; returns the exit code.
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  Daemon(const Options& opts, Config config, fastpath::Fastpath fp, netlink::Monitor monitor);
  common::Result<void> setup_loop();
  bool resync();  // false when the dump failed
  void recheck_peers();
  bool refresh_checks(uint32_t ifindex);
  bool poll_checks();
  void mirror_addresses();
  void mirror_source_check();
  void mirror_traffic_control();
  void mirror_policy();
  void mirror_rules();
  void mirror_ceilings(bool dump);
  void nudge_neighbours();
  void apply(const netlink::Changes& changes);
  void reconcile(std::string_view why);
  void reload();
  void handle_signals();
  void shutdown();
  std::filesystem::path overrides_path() const;
  void load_overrides();
  void save_overrides() const;

  nlohmann::json handle(const nlohmann::json& req);
  nlohmann::json status_json() const;
  nlohmann::json interfaces_json() const;
  nlohmann::json counters_json() const;
  nlohmann::json set_override(const nlohmann::json& req, bool attach);

  Options opts_;
  Config config_;
  Overrides overrides_;
  fastpath::Fastpath fp_;
  netlink::Monitor monitor_;
  // Links, features, kernel checks, addresses and qdiscs, kept current by
  // netlink events.
  KernelView view_;
  netlink::MtuCeilings ceilings_;
  Memory memory_;
  Plan last_plan_;
  common::UniqueFd epoll_, signals_;
  std::optional<ControlServer> control_;
  std::filesystem::path control_path_;
  bool stop_ = false;

  Clock::time_point started_ = Clock::now();
  Clock::time_point next_resync_;
  Clock::time_point next_neighbour_check_;
  Clock::time_point next_checks_;
  Clock::time_point next_lease_{};
  std::vector<int> multipath_hash_;  // netlink::multipath_hash_settings, as last read  // the IPv6 cache's (fastpath::kFibCacheLease)
  // Leftovers of namespaces gone: tries left, and when the next is due.
  bool full_source_check_ = false;  // seen once, for good
  netlink::XfrmPolicies xfrm_;
  netlink::ForwardFirewall firewall_;
  netlink::PerFamily legacy_firewall_;  // iptables-legacy, read at each checks poll
  // conntrack's sysctls, read at each checks poll (no notification)
  std::optional<netlink::ConntrackSettings> conntrack_;
  size_t fwmark_rules_ = 0;
  int collect_attempts_ = 0;
  Clock::time_point next_collect_{};
  uint64_t resyncs_ = 0, overruns_ = 0, overrun_resyncs_ = 0, reconciles_ = 0, actions_ = 0, nudged_ = 0;
  double last_reconcile_ms_ = 0;
};

}  // namespace routerd
