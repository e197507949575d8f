// fp-nsperpkt: what the fast path costs per packet, from BPF_PROG_TEST_RUN's
// repeat mode, in a private network namespace with a real FIB:
//
//        p0 ── r0 ┐   this process's   ┌ r1 ── p1   10.2.0.0/24, fd02::/64
//   10.1.0.0/24   │  network namespace │            next hop 10.2.0.2, fd02::2
//    fd01::/64    ┘                    └            [ routes N: random /24s and
//                                                     /48s via the next hop ]
//
// Frames enter on r0. Repeat mode runs the program again and again on one
// copy of the packet, and what a run rewrites is what the next one sees:
// - the TTL drops by one a run, so packets start at TTL 255 and a call
//   repeats at most 200 times (past 254 runs it would time the TTL-expired
//   exit);
// - the destination MAC becomes the next hop's, and the next run would hand
//   the frame up as other_host: so the next hop's neighbour entry carries
//   r0's own MAC, and every run forwards.
// Each case checks that every run took the path it claims (counters). Many
// calls; the median is reported. Every program measured is attached in
// native mode somewhere (x0 and x1: a silent pair), which keeps it in the
// kernel's XDP dispatcher: a test run of any other program swaps it in and
// out, waiting ~25 ms for RCU each call.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "bench/limit.h"
#include "bench/routes.h"
#include "common/log.h"
#include "fastpath/fastpath.h"
#include "netlink/link.h"
#include "pktgen/frame.h"
#include "pktgen/options.h"
#include "common/private_ns.h"
#include "tool.h"

namespace {

using common::Result;
using Bytes = std::vector<uint8_t>;

constexpr std::string_view kTool = "fp-nsperpkt";
constexpr std::string_view kUsage =
    "fp-nsperpkt [ calls N ] [ repeat N ] [ routes N ] [ seed N ] [ only CASE ] [ -j ]\n"
    "    repeat is at most 200: the TTL of the one packet copy drops every run;\n"
    "    only measures one case (to profile it: perf record -g -- fp-nsperpkt only ...)";
constexpr uint32_t kMaxRepeat = 200;
constexpr uint32_t kRouteDests = 1024;  // destinations cycled through per call
constexpr packet::Mac kSender{0x02, 0, 0, 0, 0x01, 0x02};

const char* kTopology = R"(ip link set lo up
ip link add r0 type veth peer name p0
ip link add r1 type veth peer name p1
ip link add x0 type veth peer name x1
for d in p0 p1 x0 x1; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done
for d in r0 p0 r1 p1 x0 x1; do ip link set $d up; done
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip addr add 10.1.0.1/24 dev r0
ip addr add fd01::1/64 dev r0 nodad
ip addr add 10.2.0.1/24 dev r1
ip addr add fd02::1/64 dev r1 nodad
r0_mac=$(ip -br link show dev r0 | awk '{print $3}')
ip neigh add 10.2.0.2 lladdr $r0_mac dev r1 nud permanent
ip neigh add fd02::2 lladdr $r0_mac dev r1 nud permanent
)";

// Installs the table with ip -batch; returns how long it took.
Result<double> install_routes(const bench::RouteTable& table, std::string_view via) {
  char path[] = "/tmp/fp-nsperpkt-routes-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return common::fail_errno("cannot create a file in /tmp");
  ::close(fd);
  struct Remove {
    const char* p;
    ~Remove() { ::unlink(p); }
  } remove{path};
  {
    std::ofstream out(path);
    bench::write_batch(out, table, via);
    if (!out) return common::fail_errno(fmt::format("cannot write {}", path));
  }
  const auto start = std::chrono::steady_clock::now();
  if (auto r = common::run_script(fmt::format("ip -batch {}", path)); !r) return std::unexpected(r.error());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Case {
  std::string name;
  std::string what;
  std::string family;
  uint32_t routes = 0;
  int prog_fd = -1;
  std::vector<Bytes> frames;  // cycled through, one a call
  uint32_t action = XDP_PASS;
  // The counter every run of the case must add one to, if it has one.
  std::function<Result<uint64_t>()> counter;
  bool fib_cache = false;  // answered from the FIB result cache (but a turn's first run)
};

struct Measured {
  uint32_t median = 0, min = 0, max = 0, p90 = 0;
};

// Why the fast path handed frames to the kernel so far, for an error.
std::string pass_counts(const fastpath::Fastpath& fp) {
  auto snap = fp.snapshot();
  if (!snap) return "no counters";
  const fastpath::Counters total = snap->total();
  std::string out;
  for (size_t r = 0; r < total.pass.size(); ++r)
    if (total.pass[r])
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", fastpath::pass_reasons()[r].name,
                         total.pass[r]);
  return out.empty() ? "none passed" : "passed: " + out;
}

// Runs `calls` test runs of a case, appending ns per packet to ns; every
// run must have taken the path the case claims.
Result<void> run_calls(const Case& c, uint32_t ingress, uint32_t calls, uint32_t repeat,
                       uint32_t first, fastpath::Fastpath& fp, std::vector<uint32_t>& ns) {
  if (auto r = fp.set_fib_cache(c.fib_cache, c.fib_cache, false); !r) return r;
  uint64_t before = 0;
  if (c.counter) {
    auto b = c.counter();
    if (!b) return std::unexpected(b.error());
    before = *b;
  }
  for (uint32_t i = first; i < first + calls; ++i) {
    auto r = fastpath::test_run(c.prog_fd, c.frames[i % c.frames.size()], ingress, repeat);
    if (!r) return std::unexpected(r.error());
    // A wrong verdict would time some other path through the program.
    if (r->action != c.action)
      return common::fail(0, fmt::format("{}: the program returned {}, not {} (fast path {})",
                                         c.name, r->action, c.action, pass_counts(fp)),
                          "the namespace's FIB is not what the case needs");
    ns.push_back(r->duration_ns);
  }
  if (c.counter) {
    auto after = c.counter();
    if (!after) return std::unexpected(after.error());
    if (*after - before != uint64_t{calls} * repeat)
      return common::fail(0, fmt::format("{}: {} of {} runs took the path measured ({})", c.name,
                                         *after - before, uint64_t{calls} * repeat,
                                         pass_counts(fp)));
  }
  return {};
}

// The cases in turns of a tenth of the calls each, so that a machine
// getting busier or quieter shows in every case alike.
Result<std::vector<Measured>> measure(const std::vector<Case>& cases, uint32_t ingress,
                                      uint32_t calls, uint32_t repeat,
                                      fastpath::Fastpath& fp) {
  constexpr uint32_t kTurns = 10;
  std::vector<std::vector<uint32_t>> ns(cases.size());
  for (uint32_t turn = 0; turn < kTurns; ++turn) {
    const uint32_t first = calls * turn / kTurns, n = calls * (turn + 1) / kTurns - first;
    for (size_t i = 0; i < cases.size(); ++i)
      if (auto r = run_calls(cases[i], ingress, n, repeat, first, fp, ns[i]); !r)
        return std::unexpected(r.error());
  }
  std::vector<Measured> out;
  for (auto& v : ns) {
    std::sort(v.begin(), v.end());
    out.push_back({v[v.size() / 2], v.front(), v.back(), v[v.size() * 9 / 10]});
  }
  return out;
}

pktgen::FrameSpec frame_spec(const netlink::Link& r0, const char* src, const char* dst,
                             uint8_t ttl) {
  pktgen::FrameSpec s;
  s.src_mac = kSender;
  s.dst_mac = r0.mac;
  s.src = *pktgen::parse_ip(src);
  s.dst = *pktgen::parse_ip(dst);
  s.ttl = ttl;
  s.wire_size = pktgen::min_wire_size(s.src.family, s.proto);
  return s;
}

Bytes frame(const netlink::Link& r0, const char* src, const char* dst, uint8_t ttl = 255) {
  return pktgen::build_frame(frame_spec(r0, src, dst, ttl), 0);
}

struct Options {
  uint32_t calls = 1000;
  uint32_t repeat = kMaxRepeat;
  uint32_t routes = 0;
  uint64_t seed = 1;
  std::string only;  // one case by name, or all
};

Result<Options> parse(const std::vector<std::string>& words) {
  cli::Args args(words);
  cli::Keywords kw({"calls", "repeat", "routes", "seed", "only"});
  if (auto r = kw.parse(args); !r) return std::unexpected(r.error());
  Options o;
  auto number = [&](std::string_view k, uint64_t min, uint64_t max, auto& field) -> Result<void> {
    const auto v = kw.get(k);
    if (!v) return {};
    auto n = pktgen::parse_count(k, *v);
    if (!n) return std::unexpected(n.error());
    if (*n < min || *n > max)
      return common::fail(EINVAL, fmt::format("{} {} out of range {}-{}", k, *v, min, max));
    field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
    return {};
  };
  for (auto r : {number("calls", 1, 1000000, o.calls), number("repeat", 1, kMaxRepeat, o.repeat),
                 number("routes", 0, bench::kMaxRoutes, o.routes),
                 number("seed", 0, UINT64_MAX, o.seed)})
    if (!r) return std::unexpected(r.error());
  o.only = kw.get("only").value_or("");
  return o;
}

// The routed cases: destinations drawn from a random table of N routes.
Result<std::vector<Case>> routed_cases(const Options& o, const netlink::Link& r0, int fp_fd,
                                       const std::function<Result<uint64_t>()>& forwarded,
                                       std::vector<std::pair<std::string, double>>& installs) {
  std::vector<Case> cases;
  for (bench::Family fam : {bench::Family::ipv4, bench::Family::ipv6}) {
    const bool v4 = fam == bench::Family::ipv4;
    auto table = bench::make_route_table(fam, o.routes, kRouteDests, o.seed);
    if (!table) return std::unexpected(table.error());
    auto seconds = install_routes(*table, v4 ? "10.2.0.2" : "fd02::2");
    if (!seconds) return std::unexpected(seconds.error());
    installs.emplace_back(std::string(bench::to_string(fam)), *seconds);
    Case c{fmt::format("{}_forward_routes", bench::to_string(fam)),
           fmt::format("fast path, {} forwarded, {} destinations in {} routes",
                       v4 ? "IPv4" : "IPv6", kRouteDests, o.routes),
           std::string(bench::to_string(fam)), o.routes, fp_fd, {}, XDP_REDIRECT, forwarded};
    for (const bench::Address& d : table->dests)
      c.frames.push_back(frame(r0, v4 ? "10.1.0.2" : "fd01::2",
                               bench::format_address(fam, d).c_str()));
    cases.push_back(std::move(c));
  }
  return cases;
}

// Everything the cases run against: the namespace, its links, the fast
// path (configured for r0 → r1) and the limit, each attached somewhere.
struct Rig {
  netlink::Link r0, r1;
  fastpath::Fastpath fp;
  bench::Limit limit;
};

Result<netlink::Link> link(const char* name) { return netlink::link_by_name(name); }

Result<Rig> build_rig() {
  // This process's own namespaces: the veths, routes and pins vanish
  // when it ends, however.
  auto bpffs = common::enter_private_namespaces(common::Network::fresh);
  if (!bpffs) return std::unexpected(bpffs.error());
  if (auto r = common::run_script(kTopology); !r) return std::unexpected(r.error());
  auto r0 = link("r0"), r1 = link("r1"), x0 = link("x0"), x1 = link("x1");
  for (const auto* l : {&r0, &r1, &x0, &x1})
    if (!*l) return std::unexpected(l->error());
  fastpath::route_libbpf_logs();
  auto fp = fastpath::Fastpath::load(*bpffs / "nsperpkt");
  if (!fp) return std::unexpected(fp.error());
  const fastpath::Interface in{r0->ifindex, r0->name, {.mac = r0->mac}};
  if (auto r = fp->add_egress({r1->ifindex, r1->name, {.mac = r1->mac}}); !r)
    return std::unexpected(r.error());
  if (auto r = fp->attach(in, fastpath::XdpMode::native); !r) return std::unexpected(r.error());
  // The limit needs no neighbour: its next hop's MAC is r0's, as above.
  auto limit = bench::Limit::load({r1->ifindex, r0->mac, r1->mac});
  if (!limit) return std::unexpected(limit.error());
  if (auto r = limit->attach(x0->ifindex, x0->name); !r) return std::unexpected(r.error());
  if (auto r = limit->attach_noop(x1->ifindex, x1->name); !r) return std::unexpected(r.error());
  return Rig{std::move(*r0), std::move(*r1), std::move(*fp), std::move(*limit)};
}

// The counters each kind of case must move by one a run.
using Counter = std::function<Result<uint64_t>()>;
Counter fastpath_counter(const fastpath::Fastpath& fp, bool forwarded) {
  return [&fp, forwarded]() -> Result<uint64_t> {
    auto snap = fp.snapshot();
    if (!snap) return std::unexpected(snap.error());
    return forwarded ? snap->total().fwd_packets : snap->total().pass[FP_PASS_TTL];
  };
}

std::vector<Case> base_cases(const Rig& rig) {
  const Counter limited = [&lim = rig.limit]() -> Result<uint64_t> {
    auto c = lim.counters();
    if (!c) return std::unexpected(c.error());
    return c->redirected;
  };
  const Counter forwarded = fastpath_counter(rig.fp, true);
  const int fp_fd = rig.fp.program_fd();
  const Bytes v4 = frame(rig.r0, "10.1.0.2", "10.2.0.2");
  return {
      {"noop", "the test run itself: a program that returns XDP_PASS", "ipv4", 0,
       rig.limit.noop_fd(), {v4}, XDP_PASS, {}},
      {"limit", "redirect with MACs set in advance, no lookup (the bench's limit)", "ipv4", 0,
       rig.limit.prog_fd(), {v4}, XDP_REDIRECT, limited},
      {"ipv4_forward", "fast path, IPv4 forwarded to a connected next hop", "ipv4", 0, fp_fd,
       {v4}, XDP_REDIRECT, forwarded},
      {"ipv6_forward", "fast path, IPv6 forwarded to a connected next hop", "ipv6", 0, fp_fd,
       {frame(rig.r0, "fd01::2", "fd02::2")}, XDP_REDIRECT, forwarded},
      {"ipv4_pass_ttl1", "fast path, IPv4 with TTL 1, passed to the kernel", "ipv4", 0, fp_fd,
       {frame(rig.r0, "10.1.0.2", "10.2.0.2", 1)}, XDP_PASS, fastpath_counter(rig.fp, false)},
      {"ipv4_forward_cached", "fast path, IPv4 forwarded, answered from the FIB result cache",
       "ipv4", 0, fp_fd, {v4}, XDP_REDIRECT, forwarded, true},
      {"ipv6_forward_cached", "fast path, IPv6 forwarded, answered from the FIB result cache",
       "ipv6", 0, fp_fd, {frame(rig.r0, "fd01::2", "fd02::2")}, XDP_REDIRECT, forwarded, true},
  };
}

void print(cli::Format format, const Options& o, const std::vector<Case>& cases,
           const std::vector<Measured>& results,
           const std::vector<std::pair<std::string, double>>& installs) {
  cli::Output out(format);
  out.open_object();
  out.text("BPF_PROG_TEST_RUN repeat mode, ns per packet: median (min-max, p90) of ");
  out.field("calls", o.calls, "{} calls");
  out.field("repeat", o.repeat, " of {} runs\n");
  out.field("routes", o.routes, "");
  out.open_object("route_install_seconds");
  for (const auto& [family, seconds] : installs)
    out.field(family, seconds,
              fmt::format("    {} routes installed in {{:.1f}} s ({})\n", o.routes, family));
  out.close_object();
  out.open_array("cases");
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Measured& m = results[i];
    out.open_object();
    out.field("name", c.name, "  {:<18}");
    out.field("median_ns", m.median, " {:>5} ns");
    out.field("min_ns", m.min, "  ({}");
    out.field("max_ns", m.max, "-{}");
    out.field("p90_ns", m.p90, ", p90 {})");
    out.field("family", c.family, "");
    out.field("routes", c.routes, "");
    out.field("action", std::string(c.action == XDP_REDIRECT ? "redirect" : "pass"), "");
    out.field("what", c.what, "  {}\n");
    out.close_object();
  }
  out.close_array();
  out.close_object();
}

int run(const bench::ToolArgs& args) {
  auto opt = parse(args.words);
  if (!opt) return bench::usage(kTool, opt.error(), kUsage);
  if (::geteuid() != 0) return bench::report(kTool, {EPERM, "needs root", "run it with sudo"});
  auto rig = build_rig();
  if (!rig) return bench::report(kTool, rig.error());
  // Test runs on one CPU: the cache's answers are per CPU.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  if (::sched_setaffinity(0, sizeof(one), &one) < 0)
    return bench::report(kTool, {errno, "cannot stay on one CPU"});
  auto wanted = [&](const Case& c) { return opt->only.empty() || c.name == opt->only; };

  std::vector<Case> cases = base_cases(*rig);
  std::erase_if(cases, [&](const Case& c) { return !wanted(c); });
  auto results = measure(cases, rig->r0.ifindex, opt->calls, opt->repeat, rig->fp);
  if (!results) return bench::report(kTool, results.error());
  // After the cases above, so those run against the small FIB.
  std::vector<std::pair<std::string, double>> installs;
  if (opt->routes) {
    auto more = routed_cases(*opt, rig->r0, rig->fp.program_fd(),
                             fastpath_counter(rig->fp, true), installs);
    if (!more) return bench::report(kTool, more.error());
    std::erase_if(*more, [&](const Case& c) { return !wanted(c); });
    auto m = measure(*more, rig->r0.ifindex, opt->calls, opt->repeat, rig->fp);
    if (!m) return bench::report(kTool, m.error());
    results->insert(results->end(), m->begin(), m->end());
    std::move(more->begin(), more->end(), std::back_inserter(cases));
  }
  if (cases.empty())
    return bench::usage(kTool, {EINVAL, fmt::format("no case \"{}\"", opt->only)}, kUsage);
  (void)rig->fp.destroy();
  print(args.format, *opt, cases, *results, installs);
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) { return run(bench::split_args(argc, argv)); }
