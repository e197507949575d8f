// xdp-pktgen without privileges: the ABI, frame building (checked against
// checksums computed here from scratch), the command line, pacing and the
// error texts.
#include <doctest/doctest.h>
#include <linux/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "packet.h"
#include "packet/checksum.h"
#include "pktgen/abi.h"
#include "pktgen/errors.h"
#include "pktgen/frame.h"
#include "pktgen/options.h"
#include "pktgen/pace.h"

// Layouts the BPF programs were compiled with.
static_assert(sizeof(pg_settings) == 112);
static_assert(offsetof(pg_settings, hdr) == 0);
static_assert(offsetof(pg_settings, netns_cookie) == 80);
static_assert(offsetof(pg_settings, hdr_len) == 88);
static_assert(offsetof(pg_settings, flows) == 96);
static_assert(offsetof(pg_settings, vary_off) == 100);
static_assert(offsetof(pg_settings, l4_udp) == 106);
static_assert(offsetof(pg_settings, dst_len) == 108);
static_assert(sizeof(pg_dst) == 24);
static_assert(offsetof(pg_dst, ip_csum) == 16 && offsetof(pg_dst, l4_csum) == 18);
static_assert(sizeof(pg_gen_stats) == 56);
static_assert(sizeof(pg_sink_stats) == 32);
static_assert(sizeof(pg_gen_stats) % 8 == 0 && sizeof(pg_sink_stats) % 8 == 0,
              "per-CPU values are 8-byte aligned");

namespace {

using Bytes = std::vector<uint8_t>;
using pktgen::Family;
using pktgen::FrameSpec;
using pktgen::Proto;
using pktgen::Vary;

uint16_t get16(const Bytes& b, size_t at) { return pkt_get16(&b.at(at)); }

FrameSpec spec(const char* src, const char* dst) {
  FrameSpec s;
  s.src_mac = {0x02, 0, 0, 0, 0, 0x01};
  s.dst_mac = {0x02, 0, 0, 0, 0, 0x02};
  s.src = *pktgen::parse_ip(src);
  s.dst = *pktgen::parse_ip(dst);
  s.wire_size = pktgen::min_wire_size(s.src.family, s.proto);
  return s;
}

// The L4 checksum verifies over the pseudo-header: summing everything,
// stored checksum included, gives 0xffff (complemented: 0).
bool l4_checksum_ok(const Bytes& f) {
  const bool v4 = get16(f, 12) == 0x0800;
  const size_t l3 = 14, l4 = v4 ? 34 : 54;
  const uint8_t proto = v4 ? f[l3 + 9] : f[l3 + 6];
  const size_t alen = v4 ? 4 : 16, saddr = l3 + (v4 ? 12 : 8);
  const size_t l4_len = f.size() - l4;
  const uint32_t pseudo = pkt_sum(&f[saddr], 2 * alen, 0) + proto + static_cast<uint32_t>(l4_len);
  return pkt_csum(f.data() + l4, l4_len, pseudo) == 0;
}

using packet::ipv4_checksum_ok;

common::Result<pktgen::SendOptions> send(std::vector<std::string> words, uint32_t cpus = 2) {
  cli::Args a(std::move(words));
  return pktgen::parse_send(a, cpus);
}

std::vector<std::string> base_send() {
  return {"dev", "veth0", "src", "10.0.1.2", "dst", "10.0.2.2", "dst-mac", "02:00:00:00:00:02"};
}

std::vector<std::string> with(std::vector<std::string> w, std::vector<std::string> more) {
  w.insert(w.end(), more.begin(), more.end());
  return w;
}

std::string send_error(std::vector<std::string> more) {
  auto r = send(with(base_send(), std::move(more)));
  return r ? std::string("(accepted)") : r.error().what;
}

}  // namespace

TEST_CASE("64-byte IPv4 UDP: a 60-byte frame, every field and checksum") {
  const FrameSpec s = spec("10.0.1.2", "10.0.2.2");
  auto t = pktgen::build_template(s);
  REQUIRE(t);
  const Bytes& f = t->frame;
  REQUIRE(f.size() == 60);
  CHECK(Bytes(f.begin(), f.begin() + 6) == Bytes(s.dst_mac.begin(), s.dst_mac.end()));
  CHECK(Bytes(f.begin() + 6, f.begin() + 12) == Bytes(s.src_mac.begin(), s.src_mac.end()));
  CHECK(get16(f, 12) == 0x0800);
  CHECK(f[14] == 0x45);
  CHECK(get16(f, 16) == 46);      // IP total length: everything after Ethernet
  CHECK(get16(f, 20) == 0x4000);  // DF
  CHECK(f[22] == 64);
  CHECK(f[23] == 17);
  CHECK(ipv4_checksum_ok(f));
  CHECK(get16(f, 34) == 1024);
  CHECK(get16(f, 36) == 9);
  CHECK(get16(f, 38) == 26);
  CHECK(get16(f, 40) != 0);  // a real UDP checksum, not "none"
  CHECK(l4_checksum_ok(f));
  // The BPF side writes the first 42 bytes, derives flows from port 1024.
  CHECK(t->settings.hdr_len == 42);
  CHECK(Bytes(t->settings.hdr, t->settings.hdr + 42) == Bytes(f.begin(), f.begin() + 42));
  CHECK(t->settings.vary_off == 34);
  CHECK(t->settings.ip_csum_off == 0);
  CHECK(t->settings.l4_csum_off == 40);
  CHECK(t->settings.l4_udp == 1);
  CHECK(t->settings.flows == 1);
}

TEST_CASE("smallest frames per family and protocol") {
  CHECK(pktgen::min_wire_size(Family::ipv4, Proto::udp) == 64);
  CHECK(pktgen::min_wire_size(Family::ipv4, Proto::tcp) == 64);
  CHECK(pktgen::min_wire_size(Family::ipv6, Proto::udp) == 66);  // 62 + FCS
  CHECK(pktgen::min_wire_size(Family::ipv6, Proto::tcp) == 78);
  FrameSpec s = spec("fd00:1::2", "fd00:2::2");
  auto t = pktgen::build_template(s);
  REQUIRE(t);
  CHECK(t->frame.size() == 62);
  CHECK(get16(t->frame, 12) == 0x86dd);
  CHECK(get16(t->frame, 18) == 8);  // payload length: the UDP header alone
  CHECK(l4_checksum_ok(t->frame));
  CHECK(t->settings.hdr_len == 62);
  CHECK(t->settings.vary_off == 54);
  CHECK(t->settings.l4_csum_off == 60);
}

TEST_CASE("TCP SYN frames") {
  for (const char* src : {"10.0.1.2", "fd00:1::2"}) {
    FrameSpec s = spec(src, src[0] == 'f' ? "fd00:2::2" : "10.0.2.2");
    s.proto = Proto::tcp;
    s.wire_size = 128;
    auto t = pktgen::build_template(s);
    REQUIRE(t);
    const Bytes& f = t->frame;
    const size_t l4 = s.src.family == Family::ipv4 ? 34 : 54;
    CHECK(f.size() == 124);
    CHECK(f[l4 + 12] == 0x50);  // 20-byte header
    CHECK(f[l4 + 13] == 0x02);  // SYN alone
    CHECK(l4_checksum_ok(f));
    CHECK(t->settings.hdr_len == l4 + 20);
    CHECK(t->settings.l4_csum_off == l4 + 16);
    CHECK(t->settings.l4_udp == 0);
  }
}

TEST_CASE("every flow's frame is complete and distinct") {
  for (const char* src : {"10.0.1.2", "fd00:1::2"}) {
    for (Vary vary : {Vary::sport, Vary::src}) {
      FrameSpec s = spec(src, src[0] == 'f' ? "fd00:2::2" : "10.0.2.2");
      s.flows = 16;
      s.vary = vary;
      s.wire_size = 100;
      auto t = pktgen::build_template(s);
      REQUIRE(t);
      CHECK(pktgen::build_frame(s, 0) == t->frame);
      const bool v4 = s.src.family == Family::ipv4;
      const size_t off = t->settings.vary_off;
      for (uint32_t flow = 0; flow < s.flows; ++flow) {
        const Bytes f = pktgen::build_frame(s, flow);
        CHECK(get16(f, off) == get16(t->frame, off) + flow);
        CHECK(l4_checksum_ok(f));
        if (v4) CHECK(ipv4_checksum_ok(f));
      }
      // Only the IPv4 source address is under the IPv4 header checksum.
      CHECK((t->settings.ip_csum_off != 0) == (v4 && vary == Vary::src));
      CHECK(off == (vary == Vary::sport ? (v4 ? 34u : 54u) : (v4 ? 28u : 36u)));
    }
  }
}

TEST_CASE("vary dst: each flow to its destination, its address and checksums in the table") {
  const std::vector<std::vector<const char*>> lists{
      {"10.0.2.2", "192.0.2.77", "203.0.113.1", "10.0.2.2"},
      {"2001:db8::1", "2001:db8:ffff:1::2", "fd00:2::2"}};
  for (const auto& list : lists) {
    for (Proto proto : {Proto::udp, Proto::tcp}) {
      const bool v4 = list[0][0] == '1';
      FrameSpec s = spec(v4 ? "10.0.1.2" : "fd00:1::2", list[0]);
      s.proto = proto;
      s.wire_size = 90;
      s.vary = Vary::dst;
      for (const char* d : list) s.dsts.push_back(*pktgen::parse_ip(d));
      s.flows = static_cast<uint32_t>(s.dsts.size());
      auto t = pktgen::build_template(s);
      REQUIRE(t);
      CHECK(t->frame == pktgen::build_frame(s, 0));
      const pg_settings& st = t->settings;
      const size_t alen = v4 ? 4 : 16, daddr = v4 ? 30 : 38;
      CHECK(st.vary_off == daddr);
      CHECK(st.dst_len == alen);
      CHECK(st.ip_csum_off == (v4 ? 24 : 0));
      REQUIRE(t->dsts.size() == s.flows);
      for (uint32_t flow = 0; flow < s.flows; ++flow) {
        CAPTURE(flow);
        const Bytes f = pktgen::build_frame(s, flow);
        CHECK(Bytes(f.begin() + daddr, f.begin() + daddr + alen) ==
              Bytes(s.dsts[flow].bytes.begin(), s.dsts[flow].bytes.begin() + alen));
        CHECK(l4_checksum_ok(f));
        if (v4) CHECK(ipv4_checksum_ok(f));
        // What the program copies in is exactly this frame's.
        const pg_dst& d = t->dsts[flow];
        CHECK(Bytes(d.addr, d.addr + alen) == Bytes(f.begin() + daddr, f.begin() + daddr + alen));
        CHECK(Bytes((const uint8_t*)&d.l4_csum, (const uint8_t*)&d.l4_csum + 2) ==
              Bytes(f.begin() + st.l4_csum_off, f.begin() + st.l4_csum_off + 2));
        if (v4)
          CHECK(Bytes((const uint8_t*)&d.ip_csum, (const uint8_t*)&d.ip_csum + 2) ==
                Bytes(f.begin() + 24, f.begin() + 26));
        // Everything but the address and checksums is flow 0's.
        Bytes same = f, first = t->frame;
        for (Bytes* b : {&same, &first}) {
          std::fill(b->begin() + daddr, b->begin() + daddr + alen, 0);
          std::fill(b->begin() + st.l4_csum_off, b->begin() + st.l4_csum_off + 2, 0);
          if (v4) std::fill(b->begin() + 24, b->begin() + 26, 0);
        }
        CHECK(same == first);
      }
    }
  }
}

TEST_CASE("vary dst: destinations that cannot be used") {
  FrameSpec s = spec("10.0.1.2", "10.0.2.2");
  s.vary = Vary::dst;
  CHECK(pktgen::build_template(s).error().what == "vary dst needs destinations (dst-file)");
  s.dsts = {*pktgen::parse_ip("10.0.2.2"), *pktgen::parse_ip("fd00::2")};
  s.flows = 2;
  CHECK(pktgen::build_template(s).error().what == "src 10.0.1.2 and dst fd00::2 mix IPv4 and IPv6");
  s.dsts.pop_back();
  CHECK(pktgen::build_template(s).error().what == "flows 2 exceed the 1 destinations");
  s.flows = 1;
  CHECK(pktgen::build_template(s));
}

TEST_CASE("frame specs that cannot be built") {
  FrameSpec s = spec("10.0.1.2", "fd00::2");
  CHECK(pktgen::build_template(s).error().what == "src 10.0.1.2 and dst fd00::2 mix IPv4 and IPv6");
  s = spec("10.0.1.2", "10.0.2.2");
  s.wire_size = 63;
  CHECK(pktgen::build_template(s).error().what == "size 63 out of range 64-1518 for IPv4 UDP");
  s.wire_size = 1519;
  CHECK_FALSE(pktgen::build_template(s));
  s = spec("fd00::1", "fd00::2");
  s.wire_size = 64;
  CHECK(pktgen::build_template(s).error().what == "size 64 out of range 66-1518 for IPv6 UDP");
  s = spec("10.0.1.2", "10.0.2.2");
  s.sport = 65530;
  s.flows = 7;
  CHECK(pktgen::build_template(s).error().what == "flows 7 from sport 65530 pass port 65535");
  s.flows = 6;
  CHECK(pktgen::build_template(s));
  s = spec("10.0.255.250", "10.0.2.2");
  s.vary = Vary::src;
  s.flows = 7;
  CHECK_FALSE(pktgen::build_template(s));
}

TEST_CASE("MAC and IP addresses") {
  CHECK(pktgen::parse_mac("02:aB:00:00:00:ff") == pktgen::Mac{2, 0xab, 0, 0, 0, 0xff});
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0g", "02-00-00-00-00-01",
                          "02:00:00:00:00:001", " 2:00:00:00:00:01", "+2:00:00:00:00:01"})
    CHECK_MESSAGE(!pktgen::parse_mac(bad), bad);
  CHECK(pktgen::parse_mac("zz").error().what == "invalid MAC address \"zz\"");
  CHECK(pktgen::parse_ip("10.0.0.1")->family == Family::ipv4);
  CHECK(pktgen::parse_ip("fd00::1")->family == Family::ipv6);
  CHECK(pktgen::format_ip(*pktgen::parse_ip("fd00:0::1")) == "fd00::1");
  CHECK(pktgen::parse_ip("10.0.0.256").error().what == "invalid IP address \"10.0.0.256\"");
}

TEST_CASE("send: keywords, defaults and abbreviations") {
  auto o = send(with(base_send(), {"count", "100k", "flows", "64", "threads", "2", "rate",
                                   "1M", "proto", "tcp", "sp", "2000", "dp", "80", "ttl", "9",
                                   "vary", "src", "batch", "256", "dur", "1.5"}));
  REQUIRE(o);
  CHECK(o->dev == "veth0");
  CHECK(o->count == 100000);
  CHECK(o->rate == 1000000);
  CHECK(o->threads == 2);
  CHECK(o->batch == 256);
  CHECK(o->duration == doctest::Approx(1.5));
  CHECK(o->frame.flows == 64);
  CHECK(o->frame.proto == Proto::tcp);
  CHECK(o->frame.sport == 2000);
  CHECK(o->frame.dport == 80);
  CHECK(o->frame.ttl == 9);
  CHECK(o->frame.vary == Vary::src);
  CHECK(o->frame.dst_mac == pktgen::Mac{2, 0, 0, 0, 0, 2});
  CHECK_FALSE(o->src_mac_given);

  auto d = send(base_send());
  REQUIRE(d);
  CHECK(d->count == 0);
  CHECK(d->threads == 1);
  CHECK(d->batch == pktgen::kDefaultBatch);
  CHECK(d->frame.wire_size == 64);
  CHECK(d->frame.proto == Proto::udp);
  auto v6 = send({"dev", "v", "src", "fd00::1", "dst", "fd00::2", "dst-mac", "02:00:00:00:00:02"});
  REQUIRE(v6);
  CHECK(v6->frame.wire_size == 66);  // the smallest IPv6 UDP frame
  CHECK(d->via == pktgen::Via::automatic);
  for (auto [word, via] : {std::pair{"auto", pktgen::Via::automatic},
                           std::pair{"live", pktgen::Via::live},
                           std::pair{"packet", pktgen::Via::packet}}) {
    auto v = send(with(base_send(), {"via", word}));
    REQUIRE(v);
    CHECK(v->via == via);
    CHECK(pktgen::to_string(via) == word);
  }
}

TEST_CASE("send: mistakes are usage errors, one line each") {
  CHECK(send_error({"dst", "10.0.0.9"}) == "\"dst\" given twice");
  CHECK(send_error({"colour", "red"}) == "unknown argument \"colour\"");
  CHECK(send_error({"s", "1"}) == "\"s\" is ambiguous");
  CHECK(send_error({"src-mac", "02:00:00:00:00"}) == "invalid MAC address \"02:00:00:00:00\"");
  CHECK(send_error({"sport", "70000"}) == "sport 70000 out of range 0-65535");
  CHECK(send_error({"dport", "x"}) == "invalid dport \"x\"");
  CHECK(send_error({"size", "20"}) == "size 20 out of range 64-1518 for IPv4 UDP");
  CHECK(send_error({"size", "9000"}) == "size 9000 out of range 64-1518 for IPv4 UDP");
  CHECK(send_error({"flows", "0"}) == "flows 0 out of range 1-65536");
  CHECK(send_error({"threads", "3"}) == "threads 3 out of range 1-2");
  CHECK(send_error({"batch", "257"}) == "batch 257 out of range 1-256");
  CHECK(send_error({"proto", "icmp"}) == "invalid proto \"icmp\" (expected udp or tcp)");
  CHECK(send_error({"via", "xdp"}) == "invalid via \"xdp\" (expected auto, live or packet)");
  CHECK(send_error({"count", "-5"}) == "invalid count \"-5\"");
  CHECK(send_error({"duration", "0"}) == "invalid duration \"0\"");
  CHECK(send_error({"rate", "1", "threads", "2"}) ==
        "rate 1 is below one frame per second per thread");
  auto mixed = send({"dev", "v", "src", "10.0.0.1", "dst", "fd00::2", "dst-mac",
                     "02:00:00:00:00:02"});
  CHECK(mixed.error().what == "src 10.0.0.1 and dst fd00::2 mix IPv4 and IPv6");
  auto no_mac = send({"dev", "v", "src", "10.0.0.1", "dst", "10.0.0.2"});
  CHECK(no_mac.error().what == "\"dst-mac\" is required");
}

TEST_CASE("send: destinations from a dst-file") {
  const std::vector<std::string> base{"dev", "veth0", "src", "10.0.1.2", "dst-mac",
                                      "02:00:00:00:00:02"};
  auto o = send(with(base, {"dst-f", "/tmp/dsts"}));
  REQUIRE(o);
  CHECK(o->dst_file == "/tmp/dsts");
  CHECK(o->frame.vary == Vary::dst);
  CHECK_FALSE(o->flows_given);
  REQUIRE(pktgen::apply_dst_list(*o, "# routes\n10.9.0.1\n\n  10.9.1.1  # second\n10.9.2.1\n"));
  CHECK(o->frame.flows == 3);
  CHECK(pktgen::format_ip(o->frame.dst) == "10.9.0.1");
  CHECK(pktgen::format_ip(o->frame.dsts[2]) == "10.9.2.1");

  // flows takes the first N; more than the file holds is refused.
  auto two = send(with(base, {"dst-file", "f", "flows", "2", "vary", "dst"}));
  REQUIRE(two);
  REQUIRE(pktgen::apply_dst_list(*two, "10.9.0.1\n10.9.1.1\n10.9.2.1\n"));
  CHECK(two->frame.flows == 2);
  auto many = send(with(base, {"dst-file", "f", "flows", "4"}));
  REQUIRE(many);
  CHECK(pktgen::apply_dst_list(*many, "10.9.0.1\n").error().what ==
        "flows 4 exceed the 1 destinations");

  CHECK(pktgen::apply_dst_list(*o, "10.9.0.1\nfd00::1\n").error().what ==
        "src 10.0.1.2 and dst fd00::1 mix IPv4 and IPv6");
  CHECK(pktgen::parse_dst_list("10.9.0.1\n\n10.9.0.300\n").error().what ==
        "line 3: invalid IP address \"10.9.0.300\"");
  CHECK(pktgen::parse_dst_list("# nothing\n\n").error().what == "no destination addresses");
  std::string too_many;
  for (int i = 0; i <= PG_MAX_FLOWS; ++i) too_many += "10.9.0.1\n";
  CHECK(pktgen::parse_dst_list(too_many).error().what == "more than 65536 destinations");

  CHECK(send_error({"dst-file", "f"}) == "\"dst\" and \"dst-file\" exclude each other");
  CHECK(send_error({"vary", "dst"}) == "vary dst needs dst-file");
  CHECK(send_error({"vary", "dport"}) ==
        "invalid vary \"dport\" (expected sport, src or dst)");
  auto sport = send(with(base, {"dst-file", "f", "vary", "sport"}));
  CHECK(sport.error().what == "vary sport with dst-file: the destinations vary");
  auto none = send(base);
  CHECK(none.error().what == "\"dst\" or \"dst-file\" is required");
}

TEST_CASE("sink: keywords") {
  cli::Args a({"veth1", "count", "1k", "duration", "5", "idle", "0.5"});
  auto o = pktgen::parse_sink(a);
  REQUIRE(o);
  CHECK(o->dev == "veth1");
  CHECK(o->count == 1000);
  CHECK(o->duration == 5);
  CHECK(o->idle == doctest::Approx(0.5));
  cli::Args none({"count", "5"});
  CHECK(pktgen::parse_sink(none).error().what == "\"dev\" is required");
}

TEST_CASE("counts with decimal multipliers") {
  CHECK(*pktgen::parse_count("count", "100") == 100);
  CHECK(*pktgen::parse_count("count", "100k") == 100000);
  CHECK(*pktgen::parse_count("count", "2M") == 2000000);
  CHECK(*pktgen::parse_count("count", "1G") == 1000000000);
  for (const char* bad : {"", "k", "1.5k", "1m", "x", "99999999999999999999"})
    CHECK_MESSAGE(!pktgen::parse_count("count", bad), bad);
}

TEST_CASE("pacing: large calls, sized from the measured speed") {
  using std::chrono::milliseconds;
  using pktgen::Pacer;
  Pacer fast(0, 0);
  CHECK(fast.next(0, milliseconds(0)).frames == Pacer::kFirstCall);
  fast.record(1000000, milliseconds(250));  // 4 Mpps
  CHECK(fast.call_size() == 800000);        // 200 ms worth
  CHECK(fast.next(0, milliseconds(0)).frames == 800000);

  Pacer counted(100000, 0);
  CHECK(counted.next(0, milliseconds(0)).frames == 65536);
  CHECK(counted.next(65536, milliseconds(30)).frames == 100000 - 65536);
  CHECK(counted.next(100000, milliseconds(60)).done);

  // Near the end of a duration, a call no longer than the time left.
  Pacer timed(0, 0, milliseconds(1000));
  timed.record(1000000, milliseconds(250));
  CHECK(timed.next(0, milliseconds(950)).frames == 200000);
  CHECK(timed.next(0, milliseconds(1000)).done);
}

TEST_CASE("pacing: a rate is met by what the schedule allows") {
  using std::chrono::milliseconds;
  using pktgen::Pacer;
  Pacer p(0, 100000, milliseconds(0));  // 1000 frames per 10 ms
  auto s = p.next(0, milliseconds(0));
  CHECK(s.frames == 0);
  CHECK(s.sleep == milliseconds(10));
  CHECK(p.next(0, milliseconds(10)).frames == 1000);
  // A call slept 25 ms in the kernel: what is due goes in the next one.
  CHECK(p.next(1000, milliseconds(35)).frames == 2500);
  // Ahead of schedule: sleep until a burst is due.
  s = p.next(3500, milliseconds(35));
  CHECK(s.frames == 0);
  CHECK(s.sleep == milliseconds(10));
  Pacer slow(0, 1, milliseconds(0));  // one frame a second
  CHECK(slow.next(0, milliseconds(999)).frames == 0);
  CHECK(slow.next(0, milliseconds(1000)).frames == 1);
}

TEST_CASE("the kernel's refusals, in words") {
  CHECK(pktgen::kernel_at_least("6.18.44-fc", 5, 18));
  CHECK(pktgen::kernel_at_least("5.18.0", 5, 18));
  CHECK_FALSE(pktgen::kernel_at_least("5.15.0-91-generic", 5, 18));
  CHECK_FALSE(pktgen::kernel_at_least("4.19.0", 5, 18));
  CHECK_FALSE(pktgen::kernel_at_least("garbage", 5, 18));
  const std::string live = "kernel does not support BPF_F_TEST_XDP_LIVE_FRAMES (needs Linux 5.18+)";
  CHECK(pktgen::test_run_error(EINVAL, "veth0", "5.15.0").what == live);
  CHECK(pktgen::test_run_error(EOPNOTSUPP, "veth0", "6.18.0").what == live);
  CHECK_FALSE(pktgen::test_run_error(EINVAL, "veth0", "5.15.0").hint.empty());
  CHECK(pktgen::test_run_error(EINVAL, "veth0", "6.18.0").what != live);
  // Root refused too (a kernel that allows no live frames): the way out.
  CHECK(pktgen::test_run_error(EPERM, "veth0", "6.18.0").what ==
        "not permitted to run live-frames test runs");
  CHECK(pktgen::test_run_error(EPERM, "veth0", "6.18.0").hint.find("via packet") !=
        std::string::npos);
  CHECK(pktgen::attach_error(EBUSY, "veth1").hint.find("xdp off") != std::string::npos);
  const auto refused = pktgen::xmit_refused_error(ENXIO, "veth0", 10);
  CHECK(refused.what == "veth0 refused 10 frames");
  CHECK(refused.hint.find("gro on") != std::string::npos);
}
