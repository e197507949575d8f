// The router the fuzz target runs frames through: private namespaces, the
// FIB of topology.h built with ip(8), the fast path loaded and configured,
// and one BPF_PROG_TEST_RUN per frame with the counters read around it.
#include "router.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/per_cpu.h"
#include "common/private_ns.h"
#include "fastpath/fastpath.h"
#include "netlink/link.h"
#include "packet/frame.h"
#include "topology.h"

namespace {

using namespace fuzzworld;


struct State {
  std::optional<fastpath::Fastpath> fp;
  int prog_fd = -1;
  common::UniqueFd stats;
  std::vector<std::pair<uint32_t, uint32_t>> slots;  // ifindex -> counter slot
  std::vector<fp_stats> per_cpu;
};

State& state() {
  static State s;
  return s;
}

std::string topology_script() {
  std::string s = "ip link set lo up\n";
  for (const Device& d : kDevices) {
    s += fmt::format("ip link add {} address {} type veth peer name {} address {}\n", d.name,
                     d.mac, d.peer, d.peer_mac);
    s += fmt::format("ip link set {} mtu {}\nip link set {} mtu {}\n", d.name, d.mtu, d.peer,
                     d.mtu);
    // No addresses on the peers: they are wires, not hosts.
    s += fmt::format("sysctl -qw net.ipv6.conf.{}.disable_ipv6=1\n", d.peer);
    s += fmt::format("ip link set {} up\nip link set {} up\n", d.name, d.peer);
  }
  s += "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1\n";
  for (const Device& d : kDevices) {
    if (d.roles & kNoForwarding)
      s += fmt::format("sysctl -qw net.ipv4.conf.{0}.forwarding=0 net.ipv6.conf.{0}.forwarding=0\n",
                       d.name);
    s += fmt::format("ip addr add {} dev {}\nip addr add {} dev {} nodad\n", d.v4, d.name, d.v6,
                     d.name);
  }
  for (const Neighbour& n : kNeighbours)
    s += fmt::format("ip neigh add {} lladdr {} dev {} nud permanent\n", n.addr, n.mac, n.dev);
  for (const Route& r : kRoutes)
    if (r.route) s += fmt::format("ip route add {}\n", r.route);
  return s;
}

bool parse_mac(const char* text, uint8_t mac[6]) {
  const auto m = packet::parse_mac(text);
  if (m) std::copy(m->begin(), m->end(), mac);
  return m.has_value();
}

// The program's counters map, found by its shape (the one per-CPU array of
// struct fp_stats it uses). Fastpath::snapshot() would do, but it reads
// every map and asks netlink about every link: far more than a test run
// costs, twice per input.
common::UniqueFd stats_map(int prog_fd) {
  uint32_t ids[16] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 16;
  info.map_ids = reinterpret_cast<uint64_t>(ids);
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0) return {};
  for (uint32_t i = 0; i < std::min(info.nr_map_ids, 16u); ++i) {
    common::UniqueFd fd(bpf_map_get_fd_by_id(ids[i]));
    bpf_map_info m{};
    uint32_t mlen = sizeof(m);
    if (fd && bpf_obj_get_info_by_fd(fd.get(), &m, &mlen) == 0 &&
        m.type == BPF_MAP_TYPE_PERCPU_ARRAY && m.value_size == sizeof(fp_stats))
      return fd;
  }
  return {};
}

bool read_counters(uint32_t ingress, fp_stats& sum) {
  State& s = state();
  uint32_t slot = 0;  // frames from unconfigured interfaces
  for (auto [ifindex, sl] : s.slots)
    if (ifindex == ingress) slot = sl;
  if (bpf_map_lookup_elem(s.stats.get(), &slot, s.per_cpu.data()) < 0) return false;
  sum = common::sum_counters<fp_stats>(s.per_cpu);
  return true;
}

// The largest frame the kernel accepts for a test run (linear part plus
// MAX_SKB_FRAGS pages), found by trying: non-IP frames, so nothing but
// not_ip moves.
uint32_t largest_test_frame(int prog_fd, uint32_t ingress) {
  uint32_t ok = 14, bad = 1u << 20;
  while (bad - ok > 1) {
    const uint32_t mid = ok + (bad - ok) / 2;
    std::vector<uint8_t> frame(mid, 0);
    if (fastpath::test_run(prog_fd, frame, ingress)) ok = mid;
    else bad = mid;
  }
  return ok;
}

// One interface as the fuzz target sees it, configured in the fast path
// as its roles say: configured, never attached, since the kernel's own
// traffic on these links would move the counters between a run and its
// check.
std::string add_iface(fz_router& r, const char* name, const char* mac_text, unsigned roles) {
  auto link = netlink::link_by_name(name);
  if (!link) return link.error().message();
  fz_iface& f = r.ifaces[r.n_ifaces++];
  fmt::format_to_n(f.name, sizeof(f.name) - 1, "{}", name);
  f.ifindex = link->ifindex;
  std::copy(link->mac.begin(), link->mac.end(), f.mac);
  uint8_t want[6];
  if (!parse_mac(mac_text, want) || !std::equal(want, want + 6, f.mac))
    return fmt::format("{} does not have MAC {}", name, mac_text);
  f.mtu = link->mtu;
  f.configured = roles & kConfigured;
  f.forwarding = f.configured && !(roles & kNoForwarding);
  f.egress = roles & kEgress;
  f.xmit_sg = roles & kXmitSg;
  const fastpath::Interface iface{f.ifindex, name, {.mac = link->mac, .xmit_sg = f.xmit_sg}};
  fastpath::Fastpath& fp = *state().fp;
  if (f.configured)
    if (auto c = fp.configure(iface); !c) return c.error().message();
  if (f.egress)
    if (auto e = fp.add_egress(iface); !e) return e.error().message();
  return {};
}

std::string add_neighbours(fz_router& r) {
  for (const Neighbour& n : kNeighbours) {
    fz_neigh& out = r.neighs[r.n_neighs++];
    for (unsigned i = 0; i < r.n_ifaces; ++i)
      if (std::string_view(r.ifaces[i].name) == n.dev) out.ifindex = r.ifaces[i].ifindex;
    if (!out.ifindex || !parse_mac(n.mac, out.mac))
      return fmt::format("bad neighbour {} on {}", n.mac, n.dev);
  }
  return {};
}

// Where run() reads the counters of each ingress.
std::string find_counters() {
  State& s = state();
  auto snap = s.fp->snapshot();
  if (!snap) return snap.error().message();
  for (const auto& i : snap->interfaces)
    if (i.configured) s.slots.emplace_back(i.ifindex, i.slot);
  s.prog_fd = s.fp->program_fd();
  s.stats = stats_map(s.prog_fd);
  if (!s.stats) return "cannot find the fast path's counters map";
  s.per_cpu = common::per_cpu_values<fp_stats>();
  return {};
}

std::string build(fz_router& r, bool& cannot_run) {
  // Everything lives in this process's namespaces: the kernel removes the
  // veths, routes and bpffs however the fuzzer ends (it aborts on a finding).
  auto bpffs = common::enter_private_namespaces(common::Network::fresh);
  if (!bpffs) {
    cannot_run = true;
    return bpffs.error().message();
  }
  if (auto ok = common::run_script(topology_script()); !ok) return ok.error().message();
  fastpath::route_libbpf_logs();
  auto fp = fastpath::Fastpath::load(*bpffs / "xdp-router-fuzz");
  if (!fp) return "cannot load the fast path: " + fp.error().message();
  state().fp.emplace(std::move(*fp));

  r = {};
  for (const Device& d : kDevices)
    if (auto err = add_iface(r, d.name, d.mac, d.roles); !err.empty()) return err;
  // The peer of r0 stands for an interface the fast path does not know.
  if (auto err = add_iface(r, kDevices[0].peer, kDevices[0].peer_mac, 0); !err.empty())
    return err;
  if (auto err = add_neighbours(r); !err.empty()) return err;
  if (auto err = find_counters(); !err.empty()) return err;

  // XDP_PACKET_HEADROOM (256) before the data and a cache-aligned struct
  // skb_shared_info (320 bytes on 64-bit) after it share the first page.
  r.first_buffer = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE)) - 256 - 320;
  r.max_frame = largest_test_frame(state().prog_fd, r.ifaces[0].ifindex);
  return {};
}

}  // namespace

extern "C" int fz_router_setup(fz_router* router, char* why, size_t why_len) {
  bool cannot_run = false;
  const std::string err = build(*router, cannot_run);
  if (err.empty()) return 0;
  *fmt::format_to_n(why, why_len - 1, "{}", err).out = '\0';
  return cannot_run ? 1 : -1;
}

extern "C" int fz_cannot_run(const char* why) { return common::cannot_run(why); }

extern "C" int fz_router_run(uint32_t ingress_ifindex, const uint8_t* frame, uint32_t len,
                             uint8_t* out, uint32_t out_cap, fz_run* run) {
  State& s = state();
  if (!read_counters(ingress_ifindex, run->before)) return -errno;
  auto r = fastpath::test_run(s.prog_fd, {frame, len}, ingress_ifindex);
  if (!r) {
    fmt::print(stderr, "fuzz_fastpath: {}\n", r.error().message());
    return -r.error().code;
  }
  if (!read_counters(ingress_ifindex, run->after)) return -errno;
  if (r->output.size() > out_cap) return -ENOSPC;
  run->action = r->action;
  run->out_len = static_cast<uint32_t>(r->output.size());
  std::copy(r->output.begin(), r->output.end(), out);
  return 0;
}
