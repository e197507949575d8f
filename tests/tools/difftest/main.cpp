// The differential test: random routes, random packets, and for each packet
// the fast path's verdict (BPF_PROG_TEST_RUN on the router's FIB) against
// what the kernel's forwarding path really does with the same frame (sent
// into the router, seen leaving it). The kernel is the reference.
//
// Runs inside the router's network namespace (see test_difftest.sh):
//   difftest SEED PACKETS ROUTES SENDER0_NS SENDER1_NS EGRESS:NET:PEER_NS...
// Exit status 1 when the fast path forwarded a frame the kernel did not, or
// forwarded it differently.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/fd.h"
#include "common/private_ns.h"
#include "fastpath/fastpath.h"
#include "gen.h"
#include "netlink/device_conf.h"
#include "netlink/link.h"

namespace difftest {
namespace {

using common::UniqueFd;

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "difftest: {}\n", what);
  std::exit(2);
}

// Runs f inside the named network namespace, on a thread of its own.
template <typename F>
auto in_netns(const std::string& ns, F f) {
  decltype(f()) out{};
  std::thread t([&] {
    UniqueFd fd(::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || ::setns(fd.get(), CLONE_NEWNET) < 0) die("cannot enter namespace " + ns);
    out = f();
  });
  t.join();
  return out;
}

Mac mac_of(const std::string& ns, const std::string& dev) {
  return in_netns(ns, [&] {
    auto l = netlink::link_by_name(dev);
    if (!l) die(l.error().message());
    return l->mac;
  });
}

// A raw socket on a device of a namespace: frames in and out, as they are.
int packet_socket(const std::string& ns, const std::string& dev) {
  return in_netns(ns, [&] {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) die("cannot open a packet socket in " + ns);
    int big = 32 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(dev.c_str()));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) < 0)
      die(fmt::format("cannot bind to {} in {}", dev, ns));
    return fd;
  });
}

struct Seen {
  std::string where;  // device the frame left on, or "sender" for ICMP back
  Bytes frame;
  bool icmp = false;
};

// Frames arriving at sock (not ones it sent), by the token they carry.
void collect(int fd, const std::string& where, std::map<uint64_t, std::vector<Seen>>& out,
             const std::set<uint64_t>& tokens) {
  uint8_t buf[16384];
  for (;;) {
    sockaddr_ll from{};
    socklen_t len = sizeof(from);
    const ssize_t n = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    const Bytes frame(buf, buf + n);
    for (size_t i = 0; i + 8 <= frame.size(); ++i) {
      uint64_t t = 0;
      for (int k = 0; k < 8; ++k) t = t << 8 | frame[i + k];
      if (!tokens.count(t)) continue;
      // The probe itself (forwarded, or sent back out on a hairpin), or an
      // ICMP error quoting it.
      const uint16_t type = frame.size() >= 14 ? (frame[12] << 8 | frame[13]) : 0;
      const size_t l4 = type == 0x0800 && frame.size() > 14 ? 14 + (frame[14] & 0xf) * 4u : 54;
      const bool icmp_error =
          (type == 0x0800 && frame.size() > l4 && frame[23] == 1 &&
           (frame[l4] == 3 || frame[l4] == 5 || frame[l4] == 11 || frame[l4] == 12)) ||
          (type == 0x86dd && frame.size() > l4 && frame[20] == 58 && frame[l4] >= 1 &&
           frame[l4] <= 4);
      // An ICMP error quoting the probe is the kernel's answer, wherever it
      // leaves (towards a source routed out of an egress too).
      out[t].push_back({where, frame, icmp_error});
      break;
    }
  }
}

std::string route_of(const Probe& p) {
  if (p.dst.empty()) return "";
  const std::string cmd = fmt::format("ip route get fibmatch {} from {} iif {} 2>&1", p.dst, p.src,
                                      p.ingress1 ? "in1" : "in0");
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char line[512];
    while (std::fgets(line, sizeof(line), f)) out += line;
    ::pclose(f);
  }
  return out;
}

// The fast path's counters for frames from ingress.
fastpath::Counters counters(const fastpath::Fastpath& fp, uint32_t ingress) {
  auto snap = fp.snapshot();
  if (!snap) die(snap.error().message());
  for (const auto& s : snap->interfaces)
    if (s.ifindex == ingress) return s.counters;
  return snap->unknown_ingress;
}

}  // namespace
}  // namespace difftest

int main(int argc, char** argv) {
  using namespace difftest;
  if (argc < 7) {
    fmt::print(stderr, "usage: difftest SEED PACKETS ROUTES SENDER0_NS SENDER1_NS EGRESS:NET:NS...\n");
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const int packets = std::atoi(argv[2]);
  const int n_routes = std::atoi(argv[3]);
  const std::string sender0 = argv[4], sender1 = argv[5];

  Topology topo;
  std::map<std::string, std::string> peer_ns;  // egress device -> its peer's namespace
  for (int i = 6; i < argc; ++i) {
    const std::string spec = argv[i];
    const auto a = spec.find(':'), b = spec.rfind(':');
    Egress e;
    e.name = spec.substr(0, a);
    e.net = std::stoi(spec.substr(a + 1, b - a - 1));
    auto l = netlink::link_by_name(e.name);
    if (!l) die(l.error().message());
    e.ifindex = l->ifindex;
    e.mac = l->mac;
    e.mtu = l->mtu;
    peer_ns[e.name] = spec.substr(b + 1);
    e.peer_mac = mac_of(peer_ns[e.name], "eth0");
    topo.egress.push_back(e);
  }
  for (auto [dev, idx, mac] : {std::tuple{&topo.in0, &topo.in0_ifindex, &topo.in0_mac},
                               std::tuple{&topo.in1, &topo.in1_ifindex, &topo.in1_mac}}) {
    auto l = netlink::link_by_name(*dev);
    if (!l) die(l.error().message());
    *idx = l->ifindex;
    *mac = l->mac;
  }
  topo.sender0_mac = mac_of(sender0, "eth0");
  topo.sender1_mac = mac_of(sender1, "eth0");

  // The random routing table.
  std::mt19937_64 rng(seed);
  const auto routes = random_routes(rng, topo, n_routes);
  // ip -batch takes one family's rules per run: routes and IPv4 rules, then
  // IPv6 rules. `verb` is "add" or "del".
  auto apply = [&](const char* verb) {
    std::string batch[2];
    for (const auto& r : routes) {
      if (std::string_view(verb) == "add") batch[0] += r.command + "\n";
      if (!r.rule.empty()) batch[r.family == 6] += fmt::format("rule {} {}\n", verb, r.rule);
    }
    for (int six = 0; six < 2; ++six) {
      if (batch[six].empty()) continue;
      const std::string path = fmt::format("/tmp/difftest-{}.batch", ::getpid());
      FILE* f = std::fopen(path.c_str(), "w");
      std::fputs(batch[six].c_str(), f);
      std::fclose(f);
      const int rc =
          std::system(fmt::format("ip {} -batch {} >/dev/null", six ? "-6" : "", path).c_str());
      std::remove(path.c_str());
      if (rc != 0) die(fmt::format("ip -batch refused the routes or rules ({})", verb));
    }
  };
  apply("add");

  // The fast path, loaded but attached nowhere: the kernel sees every frame
  // sent into the router; the program sees them in test runs. Pins go to a
  // bpffs of this process's own mount namespace.
  auto bpffs = common::enter_private_namespaces(common::Network::current);
  if (!bpffs) die(bpffs.error().message());
  auto fp = fastpath::Fastpath::load(*bpffs / "fp");
  if (!fp) die(fp.error().message());
  auto local = netlink::local_ipv4();
  auto ceilings = netlink::route_mtu_ceilings();
  if (!local || !ceilings) die("cannot read the kernel's addresses or routes");
  for (auto [idx, mac, name] : {std::tuple{topo.in0_ifindex, topo.in0_mac, topo.in0},
                                std::tuple{topo.in1_ifindex, topo.in1_mac, topo.in1}}) {
    auto checks = netlink::device_checks(name);
    if (!checks) die(checks.error().message());
    checks->ipv4_address = local->devices.count(idx);
    if (auto r = fp->configure({idx, name, {.mac = mac, .checks = *checks}}); !r) die(r.error().message());
  }
  if (!fp->set_local_addresses(local->addresses) || !fp->set_mtu_ceilings(ceilings->ipv4, ceilings->ipv6) ||
      !fp->set_full_source_check(netlink::ipv4_full_source_check()))
    die("cannot configure the fast path");
  for (const auto& e : topo.egress)
    if (auto r = fp->add_egress({e.ifindex, e.name, {.mac = e.mac}}); !r) die(r.error().message());
  // With the FIB result cache on, every frame runs twice: the second is
  // answered from what the first filled (on the same CPU: its answers are
  // per CPU), and must be the same.
  if (auto r = fp->set_fib_cache(true, true, false); !r) die(r.error().message());
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  if (::sched_setaffinity(0, sizeof(one), &one) < 0) die("cannot stay on one CPU");

  // The fast path's verdicts.
  std::vector<Probe> probes;
  std::set<uint64_t> tokens;
  struct Verdict {
    uint32_t action = 0;
    Bytes out;
    std::optional<fp_pass_reason> reason;
  };
  std::vector<Verdict> fp_verdicts;
  uint64_t cache_hits = 0, cache_mismatches = 0;
  for (int i = 0; i < packets; ++i) {
    uint64_t token = rng() | 0x8000000000000000ull;
    probes.push_back(random_probe(rng, topo, routes, token));
    tokens.insert(token);
    const Probe& p = probes.back();
    const uint32_t ingress = p.ingress1 ? topo.in1_ifindex : topo.in0_ifindex;
    const auto before = counters(*fp, ingress);
    auto run = fastpath::test_run(fp->program_fd(), p.frame, ingress);
    if (!run) die(run.error().message());
    const auto after = counters(*fp, ingress);
    Verdict v{run->action, run->output, std::nullopt};
    for (int r = 0; r < FP_PASS__MAX; ++r)
      if (after.pass[r] != before.pass[r]) v.reason = static_cast<fp_pass_reason>(r);
    auto again = fastpath::test_run(fp->program_fd(), p.frame, ingress);
    if (!again) die(again.error().message());
    const auto last = counters(*fp, ingress);
    cache_hits += last.cache_hits - after.cache_hits;
    std::optional<fp_pass_reason> reason;
    for (int r = 0; r < FP_PASS__MAX; ++r)
      if (last.pass[r] != after.pass[r]) reason = static_cast<fp_pass_reason>(r);
    if (again->action != v.action || again->output != v.out || reason != v.reason) {
      ++cache_mismatches;
      fmt::print("MISMATCH probe {}: sent again (the cache {}), the fast path answered otherwise\n"
                 "  made as: {}\n  {} -> {}\n", i,
                 last.cache_hits > after.cache_hits ? "answering" : "not answering", p.what,
                 p.src, p.dst);
    }
    fp_verdicts.push_back(std::move(v));
  }

  // The kernel's: every frame sent into the router, every frame seen leaving.
  const int tx0 = packet_socket(sender0, "eth0"), tx1 = packet_socket(sender1, "eth0");
  std::vector<std::pair<int, std::string>> watch{{tx0, "sender"}, {tx1, "sender"}};
  for (const auto& e : topo.egress) watch.push_back({packet_socket(peer_ns[e.name], "eth0"), e.name});
  std::map<uint64_t, std::vector<Seen>> seen;
  for (auto& [fd, where] : watch) collect(fd, where, seen, tokens);  // drain
  seen.clear();
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& p = probes[i];
    if (::send(p.ingress1 ? tx1 : tx0, p.frame.data(), p.frame.size(), 0) < 0)
      die(fmt::format("cannot send probe {}: {}", i, std::strerror(errno)));
    // Paced, so no queue between here and the egress overflows.
    std::this_thread::sleep_for(std::chrono::microseconds(30));
    if (i % 64 == 63)
      for (auto& [fd, where] : watch) collect(fd, where, seen, tokens);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto& [fd, where] : watch) collect(fd, where, seen, tokens);

  // Compare.
  std::map<std::string, uint64_t> pass_reasons, pass_forwardable;
  uint64_t fp_forwarded = 0, kernel_forwarded = 0, agree = 0, multipath_agreed = 0, mismatches = 0;
  nlohmann::json bugs = nlohmann::json::array();
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& p = probes[i];
    const Verdict& v = fp_verdicts[i];
    const Seen* fwd = nullptr;
    for (const Seen& s : seen[p.token])
      if (!s.icmp && s.where != "sender") fwd = &s;
    if (fwd) ++kernel_forwarded;
    std::string problem;
    if (v.action == XDP_REDIRECT) {
      ++fp_forwarded;
      std::string fp_dev = "?";
      for (const auto& e : topo.egress)
        if (v.out.size() >= 12 && std::equal(e.mac.begin(), e.mac.end(), v.out.begin() + 6))
          fp_dev = e.name;
      const bool multipath =
          p.route >= 0 && routes[static_cast<size_t>(p.route)].kind == RouteKind::multipath;
      if (!fwd) {
        problem = "the fast path forwarded it out of " + fp_dev + "; the kernel did not forward it";
      } else if (fwd->where != fp_dev) {
        // Multipath included: the same hash of the same fields picks the
        // same leg, or a hash input is wrong.
        problem = fmt::format("the fast path forwarded it out of {}, the kernel out of {}{}",
                              fp_dev, fwd->where, multipath ? " (another leg of a multipath route)" : "");
      } else if (fwd->frame != v.out) {
        problem = "forwarded out of the same device, but the bytes differ:\nfast path:\n" +
                  packet::hex(v.out, 32) + "\nkernel:\n" + packet::hex(fwd->frame, 32);
      } else {
        ++agree;
        multipath_agreed += multipath;
      }
    } else if (v.action == XDP_PASS) {
      const std::string why = v.reason ? std::string(fastpath::pass_reasons()[*v.reason].name) : "?";
      ++pass_reasons[why];
      if (fwd) ++pass_forwardable[why];
      if (v.out != p.frame) problem = "passed to the kernel, but changed";
    } else {
      problem = fmt::format("the program returned {}", v.action);
    }
    if (!problem.empty()) {
      ++mismatches;
      fmt::print("MISMATCH probe {}: {}\n  made as: {}\n  {} -> {}\n  route: {}  frame:\n{}\n", i,
                 problem, p.what, p.src, p.dst, route_of(p), packet::hex(p.frame, 32));
      bugs.push_back({{"probe", i}, {"problem", problem}, {"what", p.what}});
    }
  }
  uint64_t passed = 0, forwardable = 0;
  for (auto& [k, n] : pass_reasons) passed += n;
  for (auto& [k, n] : pass_forwardable) forwardable += n;
  nlohmann::json summary{{"seed", seed},
                         {"packets", packets},
                         {"routes", n_routes},
                         {"fastpath_forwarded", fp_forwarded},
                         {"kernel_forwarded", kernel_forwarded},
                         {"agreed", agree},
                         {"multipath_agreed", multipath_agreed},
                         {"policy_routes", std::count_if(routes.begin(), routes.end(),
                                                         [](const Route& r) { return !r.rule.empty(); })},
                         {"passed", passed},
                         {"passed_but_kernel_forwarded", forwardable},
                         {"pass_reasons", pass_reasons},
                         {"pass_reasons_kernel_forwarded", pass_forwardable},
                         {"cache_hits", cache_hits},
                         {"cache_mismatches", cache_mismatches},
                         {"mismatches", mismatches}};
  fmt::print("{}\n", summary.dump());
  apply("del");
  return mismatches || cache_mismatches ? 1 : 0;
}
