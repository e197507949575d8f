// The daemon: observe, decide (core.cpp), act (executor.cpp), serve.
#include "daemon.h"

#include <fmt/core.h>
#include <net/if.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "cli/counters.h"
#include "common/log.h"
#include "netlink/neighbour.h"
#include "netlink/qdisc.h"
#include "netlink/route.h"
#include "netlink/netfilter.h"
#include "netlink/xfrm.h"
#include "netlink/veth.h"
#include "packet/frame.h"
#include "routerd/control.h"

namespace routerd {
namespace {

constexpr std::string_view kLog = "routerd";
// After a namespace went away, how long until its leftovers are looked for.
constexpr auto kCollectDelay = std::chrono::seconds(1);

}  // namespace

nlohmann::json error_reply(const common::Error& e) {
  nlohmann::json j{{"ok", false}, {"error", e.message()}};
  if (!e.hint.empty()) j["hint"] = e.hint;
  return j;
}

Daemon::Daemon(const Options& opts, Config config, fastpath::Fastpath fp,
               netlink::Monitor monitor)
    : opts_(opts), config_(std::move(config)), fp_(std::move(fp)), monitor_(std::move(monitor)) {}

common::Result<std::unique_ptr<Daemon>> Daemon::start(const Options& opts, Config config) {
  // Subscribe before the first dump, so no change falls between the two.
  auto monitor = netlink::Monitor::open(opts.netlink_rcvbuf);
  if (!monitor) return std::unexpected(monitor.error());
  std::filesystem::path pin_dir = config.pin_dir;
  if (pin_dir.empty()) {
    auto dir = fastpath::default_pin_dir();
    if (!dir) return std::unexpected(dir.error());
    pin_dir = *dir;
  }
  // A control socket it cannot serve stops it before it touches the fast path.
  std::filesystem::path control_path = config.control_socket;
  if (control_path.empty()) {
    auto p = control::default_socket_path();
    if (!p) return std::unexpected(p.error());
    control_path = *p;
  }
  if (auto r = ControlServer::check_path(control_path); !r) return std::unexpected(r.error());
  // Adopts what a previous instance pinned: forwarding never stops.
  auto fp = fastpath::Fastpath::load(
      pin_dir, {.fib_cache_entries = std::max<uint32_t>(config.fib_cache_entries, 1)});
  if (!fp) return std::unexpected(fp.error());
  // Off when asked, or when the kernel cannot keep it valid (load() said why).
  const bool cache = config.fib_cache_entries && !fp->fib_cache_unavailable();
  if (auto r = fp->set_fib_cache(cache, cache); !r) return std::unexpected(r.error());
  if (cache)
    common::log::info(kLog, "FIB result cache on: {} entries per family",
                      config.fib_cache_entries);
  std::unique_ptr<Daemon> d(new Daemon(opts, std::move(config), std::move(*fp),
                                       std::move(*monitor)));
  d->control_path_ = std::move(control_path);
  if (auto r = d->setup_loop(); !r) return std::unexpected(r.error());
  // What routerds in namespaces that are gone left behind (kill -9, then
  // the namespace deleted): their pins and tracing links.
  fastpath::Fastpath::collect_orphans(d->fp_.pin_dir());
  d->load_overrides();
  d->resync();
  d->mirror_ceilings(true);
  d->reconcile("start");
  return d;
}

common::Result<void> Daemon::setup_loop() {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return common::fail_errno("cannot create an epoll instance");
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&mask, sig);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signals_.reset(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals_) return common::fail_errno("cannot create a signalfd");
  for (int fd : {signals_.get(), monitor_.link_fd(), monitor_.netdev_fd(), monitor_.route_fd(),
                 monitor_.xfrm_fd(), monitor_.nftables_fd()}) {
    if (fd < 0) continue;
    epoll_event ev{EPOLLIN, {.fd = fd}};
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
      return common::fail_errno("cannot watch a descriptor");
  }
  auto server = ControlServer::listen(control_path_, epoll_.get(),
                                      [this](const nlohmann::json& r) { return handle(r); });
  if (!server) return std::unexpected(server.error());
  control_.emplace(std::move(*server));
  return {};
}

// A full dump: at start, after an overrun, and now and then as a safety net.
bool Daemon::resync() {
  ++resyncs_;
  next_resync_ = Clock::now() + opts_.resync_interval;
  auto links = netlink::dump_links();
  if (!links) {
    common::log::error(kLog, "cannot list interfaces: {}", links.error().message());
    return false;
  }
  view_.links.clear();
  for (auto& l : *links) view_.links[l.ifindex] = std::move(l);
  // The same read as xdp-probe's "advertised" column.
  if (auto f = netlink::dump_xdp_features(); f) view_.features = std::move(*f);
  // Whatever failed may work now; peers of vanished links are forgotten.
  memory_.attach_failures.clear();
  memory_.peer_failures.clear();
  std::erase_if(memory_.peers_prepared, [&](uint32_t i) { return !view_.links.count(i); });
  recheck_peers();
  std::erase_if(view_.checks, [&](const auto& kv) { return !view_.links.count(kv.first); });
  for (const auto& [ifindex, l] : view_.links) refresh_checks(ifindex);
  mirror_addresses();
  mirror_source_check();
  mirror_rules();
  mirror_traffic_control();
  mirror_policy();
  return true;
}

namespace {

// xfrm policies per family, logged when they change (unreadable counts as
// present: plane.h).
void log_policy(std::string_view what, const netlink::PerFamily& now, const std::string& error,
                const netlink::PerFamily& known) {
  if (!error.empty())
    common::log::error(kLog, "cannot read {} ({}): IPv4 and IPv6 go to the kernel", what, error);
  if (now != known)
    common::log::info(kLog, "{}: IPv4 {}, IPv6 {}{}", what, now.ipv4 ? "yes" : "no",
                      now.ipv6 ? "yes" : "no",
                      now.ipv4 || now.ipv6 ? ": forwarded traffic of that family goes to "
                                             "the kernel"
                                           : "");
}

// What the fast path does under one family's netfilter ruleset.
std::string_view firewall_effect(bool acts, bool stateful, bool gate) {
  if (!acts) return "none";
  if (stateful && gate)
    return "stateful: new flows to the kernel, established ones forwarded as conntrack "
           "translates them";
  return "forwarded traffic goes to the kernel";
}

}  // namespace

// Kernel policy the fast path cannot apply, or applies through conntrack:
// what it concerns goes up.
void Daemon::mirror_policy() {
  std::string error;
  const netlink::XfrmPolicies xfrm = read_xfrm(&error);
  log_policy("IPsec (xfrm) forward/output policies", xfrm, error, xfrm_);
  xfrm_ = xfrm;
  error.clear();
  const netlink::ForwardFirewall nf = read_firewall(&error);
  if (!error.empty())
    common::log::error(kLog, "cannot read netfilter's ruleset ({}): IPv4 and IPv6 go to the kernel",
                       error);
  conntrack_ = read_conntrack();
  const bool gate = conntrack_.has_value();
  if (nf != firewall_)
    common::log::info(kLog, "netfilter on the forward path: IPv4 {}; IPv6 {}{}",
                      firewall_effect(nf.acts.ipv4, nf.stateful.ipv4, gate),
                      firewall_effect(nf.acts.ipv6, nf.stateful.ipv6, gate),
                      (nf.stateful.ipv4 || nf.stateful.ipv6) && gate && !conntrack_->tcp_liberal
                          ? " (UDP only: TCP needs net.netfilter.nf_conntrack_tcp_be_liberal=1)"
                          : "");
  firewall_ = nf;
  if (auto r = fp_.set_policy(fastpath_policy(xfrm_, firewall_, conntrack_)); !r)
    common::log::error(kLog, "{}", r.error().message());
}

// Rules selecting by mark change nothing for the fast path: a forwarded
// packet is marked only by netfilter or tc, and those keep their traffic
// on the kernel's path; unmarked, the lookup (mark 0) matches as the
// kernel's. Said so, since an operator who adds one will wonder.
void Daemon::mirror_rules() {
  auto n = netlink::fwmark_rules();
  if (!n) {
    common::log::error(kLog, "{}", n.error().message());
    return;
  }
  if (*n && *n != fwmark_rules_)
    common::log::info(kLog, "{} ip rule(s) select by fwmark: packets are marked only by "
                            "netfilter or tc, whose traffic the kernel forwards; unmarked "
                            "ones the fast path looks up with mark 0, as the kernel does", *n);
  fwmark_rules_ = *n;
}

void Daemon::mirror_traffic_control() {
  auto tc = netlink::dump_traffic_control();
  if (!tc) {
    common::log::error(kLog, "cannot list qdiscs: {}", tc.error().message());
    return;
  }
  view_.traffic_control = std::move(*tc);
}

// The kernel's mark for a full source check never clears: once seen, it
// stays, and the kernel is not asked again.
void Daemon::mirror_source_check() {
  if (full_source_check_) return;
  full_source_check_ = netlink::ipv4_full_source_check();
  if (full_source_check_)
    common::log::info(kLog, "the kernel checks every IPv4 source's route back (the namespace "
                            "has, or had, ip rules or local routes of its own): so does the "
                            "fast path");
  if (auto r = fp_.set_full_source_check(full_source_check_); !r)
    common::log::error(kLog, "{}", r.error().message());
}

// A prepared peer's offloads may have been changed since by someone else
// (no event reaches this namespace): set again, or the veth is taken out.
void Daemon::recheck_peers() {
  for (auto it = memory_.peers_prepared.begin(); it != memory_.peers_prepared.end();) {
    const netlink::Link& l = view_.links.at(*it);
    auto setup = netlink::prepare_veth_peer(l);
    if (!setup) {
      common::log::warn(kLog, "{}: its veth peer cannot be set up again: {}", l.name,
                        setup.error().message());
      memory_.peer_failures[*it] = setup.error().message();
      it = memory_.peers_prepared.erase(it);
      continue;
    }
    if (setup->changed)
      common::log::warn(kLog, "{}: peer {} had GRO off or TX checksum offload on again; "
                              "set back", l.name, setup->peer);
    ++it;
  }
}

// Reads one device's checks; a failed read keeps the last values (a device
// never read stays unmanaged). True when they changed.
bool Daemon::refresh_checks(uint32_t ifindex) {
  const auto l = view_.links.find(ifindex);
  if (l == view_.links.end()) return false;
  auto c = netlink::device_checks(l->second.name);
  if (!c) {
    common::log::debug(kLog, "{}: {}; keeping its last known settings", l->second.name,
                      c.error().message());
    return false;
  }
  auto [it, added] = view_.checks.try_emplace(ifindex, *c);
  if (added) return true;
  return std::exchange(it->second, *c) != *c;
}

// accept_local and disable_ipv6 change without a notification: the managed
// interfaces' checks are read again every checks_interval. So are
// iptables-legacy's tables, which send none either.
bool Daemon::poll_checks() {
  next_checks_ = Clock::now() + opts_.checks_interval;
  bool changed = false;
  for (const auto& st : last_plan_.status)
    if (st.managed) changed |= refresh_checks(st.ifindex);
  auto legacy = netlink::iptables_legacy();
  const netlink::PerFamily now = legacy ? *legacy : netlink::PerFamily{true, true};
  if (now != legacy_firewall_ || read_conntrack() != conntrack_) {
    legacy_firewall_ = now;
    mirror_policy();
  }
  // The multipath hash changes with no notification: cached answers of
  // multipath routes would keep their old legs (the window: this poll).
  if (auto hash = netlink::multipath_hash_settings(); hash != multipath_hash_) {
    if (!multipath_hash_.empty())
      if (auto r = fp_.invalidate_fib_cache(); !r)
        common::log::error(kLog, "{}", r.error().message());
    multipath_hash_ = std::move(hash);
  }
  return changed;
}

// The router's own IPv4 addresses: the kernel drops packets claiming one.
void Daemon::mirror_addresses() {
  auto local = netlink::local_ipv4();
  if (!local) {
    common::log::error(kLog, "cannot list addresses: {}", local.error().message());
    return;
  }
  view_.ipv4_devices = std::move(local->devices);
  if (auto r = fp_.set_local_addresses(local->addresses); !r)
    common::log::error(kLog, "{}", r.error().message());
}

// The smallest unlocked route MTU per family (the lookup ignores them). A
// dump reads the whole table: at start, after lost route events, and when
// such a route went away; an added one only lowers the ceiling.
void Daemon::mirror_ceilings(bool dump) {
  if (dump) {
    auto c = netlink::route_mtu_ceilings();
    if (!c) {
      common::log::error(kLog, "cannot read route MTUs: {}", c.error().message());
      return;
    }
    if (c->ipv4 != ceilings_.ipv4 || c->ipv6 != ceilings_.ipv6)
      common::log::info(kLog, "route MTU ceilings: IPv4 {}, IPv6 {} (0: none)", c->ipv4, c->ipv6);
    ceilings_ = *c;
  }
  if (auto r = fp_.set_mtu_ceilings(ceilings_.ipv4, ceilings_.ipv6); !r)
    common::log::error(kLog, "{}", r.error().message());
}

void Daemon::apply(const netlink::Changes& c) {
  // What the kernel counts nowhere the cache's program can read, at once:
  // the only changes with a window (that of this event's delivery). Links
  // and device settings are counted by the kernel too; invalidating on
  // them as well costs a refill.
  if (c.ipv6_route_removed || c.nexthops || c.routes_overrun || c.overrun ||
      !c.links.empty() || c.netconf)
    if (auto r = fp_.invalidate_fib_cache(); !r)
      common::log::error(kLog, "{}", r.error().message());
  for (const auto& [ifindex, ev] : c.links) {
    auto old = view_.links.find(ifindex);
    if (ev.replaced || !ev.link) {
      if (old != view_.links.end()) view_.links.erase(old);
      view_.features.erase(ifindex);
      memory_.peers_prepared.erase(ifindex);
      view_.checks.erase(ifindex);
    } else if (old != view_.links.end() && (old->second.link != ev.link->link ||
                                       old->second.link_netnsid != ev.link->link_netnsid)) {
      memory_.peers_prepared.erase(ifindex);  // a new peer
    }
    memory_.attach_failures.erase(ifindex);
    memory_.peer_failures.erase(ifindex);
    if (!ev.link) continue;
    view_.links[ifindex] = *ev.link;
    refresh_checks(ifindex);  // a new name is another sysctl directory
  }
  for (const auto& [ifindex, f] : c.features) {
    auto old = view_.features.find(ifindex);
    // ndo-xmit gone from a veth we set up: someone changed its peer.
    if (old != view_.features.end() && old->second.has(netlink::xdp_act::ndo_xmit) &&
        !f.has(netlink::xdp_act::ndo_xmit))
      memory_.peers_prepared.erase(ifindex);
    view_.features[ifindex] = f;
  }
  if (c.netconf)
    for (const auto& [ifindex, l] : view_.links) refresh_checks(ifindex);
  if (c.addresses) mirror_addresses();
  if (c.addresses || c.source_check) mirror_source_check();
  if (c.rules) mirror_rules();
  if (c.qdiscs) mirror_traffic_control();
  if (c.xfrm || c.netfilter) mirror_policy();
  // The kernel says so before it takes the namespace's devices down: their
  // links still look used. Looked at again a little later.
  if (c.netns_gone) collect_attempts_ = 3, next_collect_ = Clock::now() + kCollectDelay;
  auto lower = [](uint32_t& ceiling, uint32_t added) {
    if (added) ceiling = ceiling ? std::min(ceiling, added) : added;
  };
  lower(ceilings_.ipv4, c.route_mtu_added_v4);
  lower(ceilings_.ipv6, c.route_mtu_added_v6);
  if (c.route_mtu_added_v4 || c.route_mtu_added_v6 || c.route_mtu_removed || c.routes_overrun)
    mirror_ceilings(c.route_mtu_removed || c.routes_overrun);
  if (c.overrun) {
    ++overruns_;
    if (resync()) ++overrun_resyncs_;
  }
}

void Daemon::reconcile(std::string_view why) {
  const auto t0 = Clock::now();
  ++reconciles_;
  Outcome out;
  Plan p = routerd::reconcile(config_, overrides_, view_, fp_, memory_, out);
  for (const Failure& f : out.failures) {
    common::log::error(kLog, "{}: {} failed: {}", f.action.name, to_string(f.action.kind),
                       f.error.message());
    if (!f.error.hint.empty()) common::log::error(kLog, "hint: {}", f.error.hint);
  }
  if (out.applied || out.failed) {
    actions_ += out.applied;
    last_reconcile_ms_ =
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    common::log::info(kLog, "{}: {} action(s) applied, {} failed, in {:.2f} ms", why,
                      out.applied, out.failed, last_reconcile_ms_);
  }
  last_plan_ = std::move(p);
}

// The kernel re-confirms a neighbour when its output path uses the entry;
// the fast path's lookups do not count as use, so an entry only it uses
// would stay STALE for ever and a MAC that changed without a gratuitous ARP
// would never be noticed. Nudged, a STALE entry on an egress device goes
// through DELAY and PROBE as if the kernel had sent to it.
void Daemon::nudge_neighbours() {
  next_neighbour_check_ = Clock::now() + opts_.neighbour_interval;
  auto stale = netlink::stale_neighbours();
  if (!stale) {
    common::log::debug(kLog, "cannot list neighbours: {}", stale.error().message());
    return;
  }
  std::set<uint32_t> egress;
  for (const auto& st : last_plan_.status)
    if (st.managed && st.egress) egress.insert(st.ifindex);
  std::erase_if(*stale, [&](const auto& n) { return !egress.count(n.ifindex); });
  if (stale->empty()) return;
  if (auto r = netlink::use_neighbours(*stale); !r)
    common::log::warn(kLog, "{}", r.error().message());
  nudged_ += stale->size();
  common::log::debug(kLog, "nudged {} stale neighbour(s)", stale->size());
}

void Daemon::reload() {
  auto cfg = load_config(opts_.config_path);
  if (!cfg) {
    common::log::error(kLog, "SIGHUP: keeping the running configuration: {}",
                       cfg.error().message());
    return;
  }
  if (cfg->pin_dir != config_.pin_dir || cfg->control_socket != config_.control_socket)
    common::log::warn(kLog, "SIGHUP: pin_dir and control_socket change on restart only");
  cfg->pin_dir = config_.pin_dir;
  cfg->control_socket = config_.control_socket;
  config_ = std::move(*cfg);
  common::log::set_level(config_.log_level);
  common::log::info(kLog, "SIGHUP: configuration reloaded from {}", opts_.config_path.string());
  memory_.attach_failures.clear();
  memory_.peer_failures.clear();
  reconcile("reload");
}

void Daemon::handle_signals() {
  signalfd_siginfo si;
  while (::read(signals_.get(), &si, sizeof(si)) == sizeof(si)) {
    if (si.ssi_signo == SIGHUP) reload();
    else stop_ = true;
  }
}

int Daemon::run() {
  common::log::info(kLog, "running: {} interface rule(s), control socket {}, netlink "
                    "receive buffer {} KiB (as the kernel accounts it)",
                    config_.interfaces.size(), control_path_.string(), monitor_.rcvbuf() / 1024);
  epoll_event events[64];
  while (!stop_) {
    const auto now = Clock::now();
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min({next_resync_, next_neighbour_check_, next_checks_,
                  collect_attempts_ ? next_collect_ : next_resync_}) - now);
    const int n = ::epoll_wait(epoll_.get(), events, 64,
                               static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(wait.count(), 1000))));
    if (n < 0 && errno != EINTR) {
      common::log::error(kLog, "epoll_wait: {}", std::strerror(errno));
      break;
    }
    bool netlink_ready = false;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == monitor_.link_fd() || fd == monitor_.netdev_fd() || fd == monitor_.route_fd() ||
          fd == monitor_.xfrm_fd() || fd == monitor_.nftables_fd())
        netlink_ready = true;
      else if (fd == signals_.get()) handle_signals();
      else if (control_ && control_->owns(fd)) control_->on_event(fd, events[i].events);
    }
    if (netlink_ready) {
      const netlink::Changes c = monitor_.poll();
      if (!c.empty()) {
        apply(c);
        reconcile(c.overrun ? "resync after netlink overrun" : "netlink");
      }
    }
    if (Clock::now() >= next_resync_) {
      resync();
      reconcile("periodic resync");
    }
    if (Clock::now() >= next_checks_ && poll_checks()) reconcile("kernel checks changed");
    if (collect_attempts_ && Clock::now() >= next_collect_) {
      next_collect_ = Clock::now() + kCollectDelay;
      if (fastpath::Fastpath::collect_orphans(fp_.pin_dir()) || !--collect_attempts_)
        collect_attempts_ = 0;
    }
    if (Clock::now() >= next_neighbour_check_) nudge_neighbours();
    // A third of the lease: two renewals may be late before it lapses.
    if (Clock::now() >= next_lease_) {
      next_lease_ = Clock::now() + fastpath::kFibCacheLease / 3;
      if (auto r = fp_.renew_fib_cache_lease(); !r)
        common::log::error(kLog, "{}", r.error().message());
    }
    if (control_) control_->sweep(Clock::now());
  }
  shutdown();
  return 0;
}

// routerctl's overrides last as long as the pins: written beside the
// control socket at each change, read at start (after a crash, kill -9 or an
// upgrade with --keep-fastpath), removed with the fast path at a normal stop.
std::filesystem::path Daemon::overrides_path() const {
  return control_path_.string() + ".overrides";
}

void Daemon::load_overrides() {
  const auto path = overrides_path();
  std::ifstream in(path);
  if (!in) return;  // none kept
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) {
    common::log::warn(kLog, "{} is not a JSON object: routerctl's overrides are not restored "
                            "(remove the file, or fix it)", path.string());
    return;
  }
  for (const auto& [name, v] : j.items()) {
    const std::string word = v.is_string() ? v.get<std::string>() : "";
    const auto mode = fastpath::parse_mode(word);
    if (word == "off") overrides_[name] = std::nullopt;
    else if (mode) overrides_[name] = *mode;
    else common::log::warn(kLog, "{}: \"{}\" for {} is no fast path mode; ignored",
                           path.string(), v.dump(), name);
  }
  common::log::info(kLog, "{} routerctl override(s) restored from {}", overrides_.size(),
                    path.string());
}

void Daemon::save_overrides() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, mode] : overrides_)
    j[name] = mode ? std::string(fastpath::to_string(*mode)) : std::string("off");
  const auto path = overrides_path();
  auto tmp = path;
  tmp += ".new";
  std::ofstream out(tmp, std::ios::trunc);
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out.close();
  std::error_code ec;
  if (out) std::filesystem::rename(tmp, path, ec);
  if (!out || ec)
    common::log::error(kLog, "cannot write {}: routerctl's overrides will not survive a "
                             "restart ({})", path.string(), ec ? ec.message() : "write failed");
}

void Daemon::shutdown() {
  control_.reset();
  if (opts_.keep_fastpath) {
    common::log::info(kLog, "exiting; the fast path stays attached (--keep-fastpath)");
    return;
  }
  if (auto r = fp_.destroy(); !r) {
    common::log::error(kLog, "cannot remove the fast path: {}", r.error().message());
    return;
  }
  std::error_code ec;
  std::filesystem::remove(overrides_path(), ec);
  common::log::info(kLog, "exiting; the fast path is detached");
}

nlohmann::json Daemon::status_json() const {
  size_t managed = 0, egress = 0, local_addresses = 0;
  bool local_unknown = false;
  if (auto snap = fp_.snapshot(); snap) {
    local_addresses = snap->local_addresses;
    local_unknown = snap->local_addresses_unknown;
  }
  for (const auto& s : last_plan_.status) {
    managed += s.managed;
    egress += s.egress;
  }
  return {{"ok", true},
          {"pid", ::getpid()},
          {"config", opts_.config_path.string()},
          {"pin_dir", fp_.pin_dir().string()},
          {"control_socket", control_path_.string()},
          {"uptime_s", std::chrono::duration<double>(Clock::now() - started_).count()},
          {"managed", managed},
          {"egress", egress},
          {"transmit_counters", fp_.counts_transmit()},
          {"local_addresses", local_addresses},
          {"local_addresses_overflow", local_unknown},
          {"full_source_check", full_source_check_},
          {"fib_cache_entries", config_.fib_cache_entries},
          {"fib_cache_unavailable", fp_.fib_cache_unavailable().value_or("")},
          {"xfrm_policies_ipv4", xfrm_.ipv4},
          {"xfrm_policies_ipv6", xfrm_.ipv6},
          {"netfilter_ipv4", firewall_.acts.ipv4},
          {"netfilter_ipv6", firewall_.acts.ipv6},
          {"netfilter_stateful_ipv4", firewall_.stateful.ipv4 && conntrack_.has_value()},
          {"netfilter_stateful_ipv6", firewall_.stateful.ipv6 && conntrack_.has_value()},
          {"conntrack_tcp_liberal", conntrack_ && conntrack_->tcp_liberal},
          {"fwmark_rules", fwmark_rules_},
          {"ipv4_mtu_ceiling", ceilings_.ipv4},
          {"ipv6_mtu_ceiling", ceilings_.ipv6},
          {"reconciles", reconciles_},
          {"actions", actions_},
          {"resyncs", resyncs_},
          {"netlink_overruns", overruns_},
          {"overrun_resyncs", overrun_resyncs_},
          {"netlink_rcvbuf_kib", monitor_.rcvbuf() / 1024},
          {"neighbours_nudged", nudged_},
          {"last_reconcile_ms", last_reconcile_ms_},
          {"clients", control_ ? control_->clients() : 0}};
}

nlohmann::json Daemon::interfaces_json() const {
  auto snap = fp_.snapshot();
  std::map<uint32_t, fastpath::InterfaceState> fp;
  if (snap)
    for (const auto& s : snap->interfaces) fp[s.ifindex] = s;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& st : last_plan_.status) {
    const auto l = view_.links.find(st.ifindex);
    const auto f = view_.features.find(st.ifindex);
    const auto s = fp.find(st.ifindex);
    const bool attached = s != fp.end() && s->second.attached && s->second.mode;
    // The plan's status, and what the kernel and the maps say now.
    nlohmann::json j = to_json(st);
    j["kind"] = l != view_.links.end() ? l->second.kind : "";
    j["address"] = l != view_.links.end() ? packet::format_mac(l->second.mac) : "";
    j["fastpath"] = attached ? std::string(fastpath::to_string(*s->second.mode)) : "off";
    j["egress"] = s != fp.end() && s->second.egress;
    j["xdp_features"] = f != view_.features.end() ? netlink::describe(f->second) : "unknown";
    list.push_back(std::move(j));
  }
  return {{"ok", true}, {"interfaces", list}};
}

nlohmann::json Daemon::counters_json() const {
  auto snap = fp_.snapshot();
  if (!snap) return error_reply(snap.error());
  fastpath::count_fib_cache(fp_.pin_dir(), *snap);
  // routerctl stats' own serializer: the same fields under the same names.
  cli::Output out(cli::Format::json, nullptr);
  cli::print_snapshot(out, *snap);
  nlohmann::json reply = nlohmann::json::parse(out.document().dump());
  reply["ok"] = true;
  return reply;
}

nlohmann::json Daemon::set_override(const nlohmann::json& req, bool attach) {
  const auto dev = req.value("dev", std::string{});
  const auto it = std::find_if(view_.links.begin(), view_.links.end(),
                               [&](const auto& kv) { return kv.second.name == dev; });
  if (dev.empty() || it == view_.links.end())
    return error_reply({ENODEV, fmt::format("Cannot find device \"{}\"", dev), {}, true});
  std::optional<XdpMode> mode;
  if (attach) {
    mode = fastpath::parse_mode(req.value("mode", std::string("auto")));
    if (!mode)
      return error_reply({EINVAL, "mode must be native, generic or auto", {}});
  }
  const uint32_t ifindex = it->first;
  const auto previous = overrides_.find(dev);
  const std::optional<std::optional<XdpMode>> old =
      previous == overrides_.end() ? std::nullopt : std::optional(previous->second);
  overrides_[dev] = mode;
  memory_.attach_failures.erase(ifindex);
  reconcile(attach ? "routerctl attach" : "routerctl detach");
  for (const auto& st : last_plan_.status) {
    if (st.ifindex != ifindex) continue;
    std::string refusal = st.error;
    if (refusal.empty() && attach && !st.managed)
      refusal = fmt::format("{}: {}", dev, st.managed_reason);
    if (refusal.empty()) break;
    // Refused: the running state goes back to what it was.
    if (old) overrides_[dev] = *old;
    else overrides_.erase(dev);
    memory_.attach_failures.erase(ifindex);
    reconcile("routerctl refused");
    return error_reply({0, refusal, {}});
  }
  save_overrides();
  auto list = interfaces_json()["interfaces"];
  for (auto& j : list)
    if (j["ifindex"] == ifindex) return {{"ok", true}, {"interface", j}};
  return {{"ok", true}};
}

}  // namespace routerd
