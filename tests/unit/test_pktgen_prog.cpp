// xdp-pktgen's generator program through BPF_PROG_TEST_RUN (one frame,
// not live): whatever a frame's page held before, the program must turn it
// into exactly the frame of the next flow, built here from scratch. The
// live-frames page pool recycles pages without resetting them, so this is
// what every sent frame depends on.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <sched.h>

#include "fastpath/fastpath.h"
#include "packet.h"
#include "pktgen/bpf.h"
#include "pktgen/frame.h"

namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t kLoopback = 1;  // exists in every namespace

// A page as a router downstream may leave it: every header byte changed.
Bytes dirty(Bytes frame, uint32_t header_len) {
  for (uint32_t i = 0; i < header_len; ++i) frame[i] = static_cast<uint8_t>(frame[i] ^ 0x5a ^ i);
  return frame;
}

// The per-CPU flow cursor must see one CPU.
struct PinnedToOneCpu {
  cpu_set_t saved;
  PinnedToOneCpu() {
    sched_getaffinity(0, sizeof(saved), &saved);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &saved)) {
        CPU_SET(c, &one);
        break;
      }
    sched_setaffinity(0, sizeof(one), &one);
  }
  ~PinnedToOneCpu() { sched_setaffinity(0, sizeof(saved), &saved); }
};

void check_flows(pktgen::FrameSpec spec) {
  auto t = pktgen::build_template(spec);
  REQUIRE(t);
  t->settings.ifindex = kLoopback;
  auto gen = pktgen::Generator::load(t->settings, "lo", t->dsts);
  REQUIRE_MESSAGE(gen, gen.error().message());
  PinnedToOneCpu pin;
  // Twice round the flows: the cursor wraps.
  for (uint32_t n = 0; n < 2 * spec.flows; ++n) {
    const uint32_t flow = n % spec.flows;
    auto run = fastpath::test_run(gen->prog_fd(), dirty(t->frame, t->settings.hdr_len), kLoopback, 1);
    REQUIRE(run);
    CHECK(run->action == XDP_REDIRECT);
    const Bytes want = pktgen::build_frame(spec, flow);
    CHECK_MESSAGE(run->output == want, "flow ", flow, "\ngot:\n", testpkt::hex(run->output),
                  "\nwant:\n", testpkt::hex(want));
  }
  auto c = gen->counters();
  REQUIRE(c);
  CHECK(c->frames == 2 * spec.flows);
}

pktgen::FrameSpec spec(const char* src, const char* dst, pktgen::Proto proto,
                       pktgen::Vary vary, uint32_t flows) {
  pktgen::FrameSpec s;
  s.src_mac = {0x02, 0, 0, 0, 0x01, 0x02};
  s.dst_mac = {0x02, 0, 0, 0, 0x01, 0x01};
  s.src = *pktgen::parse_ip(src);
  s.dst = *pktgen::parse_ip(dst);
  s.proto = proto;
  s.vary = vary;
  s.flows = flows;
  s.wire_size = 128;
  return s;
}

// Destinations spread over the address space, as a route table's are.
pktgen::FrameSpec by_dst(const char* src, std::vector<const char*> dsts, pktgen::Proto proto) {
  pktgen::FrameSpec s = spec(src, dsts[0], proto, pktgen::Vary::dst, 1);
  for (const char* d : dsts) s.dsts.push_back(*pktgen::parse_ip(d));
  s.flows = static_cast<uint32_t>(s.dsts.size());
  return s;
}

}  // namespace

TEST_CASE("pktgen: dirty pages become the next flow's frame") {
  using pktgen::Proto;
  using pktgen::Vary;
  SUBCASE("IPv4 UDP by sport") { check_flows(spec("10.0.1.2", "10.0.2.2", Proto::udp, Vary::sport, 5)); }
  SUBCASE("IPv4 UDP by src") { check_flows(spec("10.0.1.2", "10.0.2.2", Proto::udp, Vary::src, 5)); }
  SUBCASE("IPv4 TCP by src") { check_flows(spec("10.0.1.2", "10.0.2.2", Proto::tcp, Vary::src, 3)); }
  SUBCASE("IPv6 UDP by sport") { check_flows(spec("fd00:1::2", "fd00:2::2", Proto::udp, Vary::sport, 5)); }
  SUBCASE("IPv6 UDP by src") { check_flows(spec("fd00:1::2", "fd00:2::2", Proto::udp, Vary::src, 5)); }
  SUBCASE("IPv6 TCP by sport") { check_flows(spec("fd00:1::2", "fd00:2::2", Proto::tcp, Vary::sport, 3)); }
  SUBCASE("one flow") { check_flows(spec("10.0.1.2", "10.0.2.2", Proto::udp, Vary::sport, 1)); }
  SUBCASE("IPv4 UDP by dst") {
    check_flows(by_dst("10.0.1.2", {"10.0.2.2", "198.51.100.7", "223.255.1.254", "1.2.3.4"},
                       Proto::udp));
  }
  SUBCASE("IPv4 TCP by dst") {
    check_flows(by_dst("10.0.1.2", {"100.64.0.1", "10.0.2.2"}, Proto::tcp));
  }
  SUBCASE("IPv6 UDP by dst") {
    check_flows(by_dst("fd00:1::2", {"2001:db8::1", "3fff:ffff:1::abcd", "fd00:2::2"},
                       Proto::udp));
  }
  SUBCASE("IPv6 TCP by dst") {
    check_flows(by_dst("fd00:1::2", {"2a00:1:2:3::4", "fd00:2::2"}, Proto::tcp));
  }
  SUBCASE("a UDP checksum that comes out 0 is sent as 0xffff") {
    // Search for a sport whose flow-1 frame has the checksum 0xffff.
    auto s = spec("10.0.1.2", "10.0.2.2", Proto::udp, Vary::sport, 2);
    for (uint32_t port = 1; port < 65535; ++port) {
      s.sport = static_cast<uint16_t>(port);
      const Bytes f = pktgen::build_frame(s, 1);
      if (f[40] == 0xff && f[41] == 0xff) break;
    }
    CHECK(s.sport < 65534);
    check_flows(s);
  }
}

TEST_CASE("pktgen: a frame shorter than its headers is aborted") {
  auto s = spec("fd00:1::2", "fd00:2::2", pktgen::Proto::tcp, pktgen::Vary::sport, 1);
  auto t = pktgen::build_template(s);
  REQUIRE(t);
  t->settings.ifindex = kLoopback;
  auto gen = pktgen::Generator::load(t->settings, "lo");
  REQUIRE(gen);
  auto run = fastpath::test_run(gen->prog_fd(), Bytes(t->frame.begin(), t->frame.begin() + 60),
                                kLoopback, 1);
  REQUIRE(run);
  CHECK(run->action == XDP_ABORTED);
}
