// libFuzzer target: arbitrary bytes as Ethernet frames into the XDP fast
// path (BPF_PROG_TEST_RUN, router.h), with its invariants checked on every
// run. A violation aborts with the frame in hex; libFuzzer saves the input.
//
// Compiled by clang (-fsanitize=fuzzer), so it sees only plain C headers:
// router.h, the ABI header and the packet library's C core. The coverage
// libFuzzer measures is this file's, not the BPF program's, so the outcome of every run (ingress,
// family, verdict and reason, where the IP packet ends against the first
// buffer) is reported to it as extra counters, and a custom mutator keeps
// IP lengths and the IPv4 header checksum consistent often enough for
// inputs to get past the header checks.
#include <linux/bpf.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "packet/checksum.h"
#include "router.h"

namespace {

#define FZ_REASON_NAME_(e, name, why) name,
constexpr const char* kReasonNames[] = {FP_PASS_REASONS(FZ_REASON_NAME_)};
#undef FZ_REASON_NAME_

constexpr size_t kEth = 14;

fz_router g_router;
size_t g_page;
std::vector<uint8_t> g_out;

struct Tally {
  uint64_t runs = 0;
  uint64_t under_eth = 0;   // under 14 bytes: the kernel refuses to run those
  uint64_t over_limit = 0;  // beyond the largest frame a test run takes
  uint64_t forwarded = 0;
  uint64_t passed[FP_PASS__MAX] = {};
  timespec start{};
} g_tally;

// What the runs did, as features for libFuzzer: ingress, family, outcome
// (a pass reason, or a redirect to an egress) and the frame's shape.
constexpr int kFamilies = 3;  // IPv4, IPv6, other
constexpr int kOutcomes = FP_PASS__MAX + FZ_MAX_IFACES;
constexpr int kShapes = 12;
__attribute__((used, section("__libfuzzer_extra_counters")))
uint8_t g_features[FZ_MAX_IFACES][kFamilies][kOutcomes][kShapes];

uint32_t ipv4_sum_without_checksum(const uint8_t* hdr, size_t hlen) {
  uint8_t copy[60];
  std::memcpy(copy, hdr, hlen);
  pkt_put16(copy + 10, 0);
  return pkt_sum(copy, hlen, 0);
}

// The IPv4 header checksum as a sender computes it: over the header with
// the checksum field zero.
uint16_t ipv4_checksum(const uint8_t* hdr, size_t hlen) {
  return static_cast<uint16_t>(~ipv4_sum_without_checksum(hdr, hlen));
}

std::string_view mac_text(const uint8_t* m) {
  static char buf[PKT_MAC_TEXT];
  return pkt_format_mac(buf, m);
}

void dump_hex(const char* what, const uint8_t* p, size_t len, size_t limit) {
  std::fprintf(stderr, "  %s, %zu bytes:\n", what, len);
  const size_t shown = len < limit ? len : limit;
  for (size_t i = 0; i < shown; ++i)
    std::fprintf(stderr, "%s%02x%s", i % 16 ? "" : "    ", p[i],
                 (i + 1) % 16 == 0 || i + 1 == shown ? "\n" : " ");
  if (shown < len) std::fprintf(stderr, "    ... %zu more bytes\n", len - shown);
}

struct Run {
  const uint8_t* in;
  size_t n;
  const fz_iface* ingress;
  fz_run result;
  const uint8_t* out() const { return g_out.data(); }
  size_t m() const { return result.out_len; }
};

const char* action_name(uint32_t a) {
  switch (a) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
  }
  return "unknown";
}

[[noreturn]] __attribute__((format(printf, 2, 3))) void violation(const Run& r, const char* fmt,
                                                                   ...) {
  std::fprintf(stderr, "\nfuzz_fastpath: INVARIANT VIOLATED: ");
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n  frame arrived on %s (ifindex %u), the program returned %s (%u)\n",
               r.ingress->name, r.ingress->ifindex, action_name(r.result.action),
               r.result.action);
  dump_hex("input frame", r.in, r.n, r.n);
  dump_hex("output frame", r.out(), r.m(), 256);
  std::abort();
}

// Exactly one packet counted per run: forwarded (with the frame's bytes),
// or passed for exactly one reason. Returns the reason, or -1 if forwarded.
int check_counters(const Run& r) {
  const fp_stats &b = r.result.before, &a = r.result.after;
  const uint64_t fwd = a.fwd_packets - b.fwd_packets;
  const uint64_t bytes = a.fwd_bytes - b.fwd_bytes;
  int reason = -1;
  uint64_t passed = 0;
  for (int i = 0; i < FP_PASS__MAX; ++i) {
    const uint64_t d = a.pass[i] - b.pass[i];
    if (d > 1) violation(r, "pass reason %s counted %llu times", kReasonNames[i],
                         static_cast<unsigned long long>(d));
    if (d == 1) {
      if (reason >= 0)
        violation(r, "passed for two reasons: %s and %s", kReasonNames[reason], kReasonNames[i]);
      reason = i;
    }
    passed += d;
  }
  if (r.result.action == XDP_REDIRECT) {
    if (fwd != 1 || passed != 0 || bytes != r.m())
      violation(r, "redirected, but counted %llu forwarded (%llu bytes of %zu), %llu passed",
                static_cast<unsigned long long>(fwd), static_cast<unsigned long long>(bytes),
                r.m(), static_cast<unsigned long long>(passed));
    return -1;
  }
  if (fwd != 0 || bytes != 0 || passed != 1)
    violation(r, "passed, but counted %llu forwarded (%llu bytes), %llu passed",
              static_cast<unsigned long long>(fwd), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(passed));
  return reason;
}

// A forwarded IPv4 packet: well-formed on the way in, TTL - 1 and a
// checksum a sender would compute on the way out, padding removed.
void check_ipv4(const Run& r, size_t& ttl_at, size_t& csum_at) {
  const uint8_t* in = r.in + kEth;
  if (r.n < kEth + 20) violation(r, "forwarded a frame too short for an IPv4 header");
  const unsigned version = in[0] >> 4, hlen = (in[0] & 0xf) * 4u, total = pkt_get16(in + 2);
  if (version != 4 || hlen < 20 || kEth + hlen > r.n)
    violation(r, "forwarded a malformed IPv4 header: version %u, header length %u", version, hlen);
  if (total < hlen || kEth + total > r.n)
    violation(r, "forwarded an IPv4 total length of %u in a %zu-byte frame", total, r.n);
  if (pkt_sum(in, hlen, 0) != 0xffff)
    violation(r, "forwarded an IPv4 header with a bad checksum (the kernel drops it)");
  if (in[8] <= 1) violation(r, "forwarded TTL %u (the kernel sends Time Exceeded)", in[8]);
  if (r.m() != kEth + total)
    violation(r, "output frame is %zu bytes, its IPv4 packet with the Ethernet header %u",
              r.m(), unsigned(kEth + total));
  const uint8_t* out = r.out() + kEth;
  if (out[8] != in[8] - 1) violation(r, "TTL %u became %u, not %u", in[8], out[8], in[8] - 1);
  if (pkt_get16(out + 10) != ipv4_checksum(out, hlen))
    violation(r, "IPv4 header checksum is %04x, from scratch %04x", pkt_get16(out + 10),
              ipv4_checksum(out, hlen));
  ttl_at = kEth + 8;
  csum_at = kEth + 10;
}

void check_ipv6(const Run& r, size_t& hop_at) {
  const uint8_t* in = r.in + kEth;
  if (r.n < kEth + 40) violation(r, "forwarded a frame too short for an IPv6 header");
  const unsigned version = in[0] >> 4, payload = pkt_get16(in + 4);
  if (version != 6) violation(r, "forwarded IP version %u as IPv6", version);
  if (kEth + 40 + payload > r.n)
    violation(r, "forwarded an IPv6 payload length of %u in a %zu-byte frame", payload, r.n);
  if (in[7] <= 1) violation(r, "forwarded hop limit %u (the kernel sends Time Exceeded)", in[7]);
  if (r.m() != kEth + 40 + payload)
    violation(r, "output frame is %zu bytes, its IPv6 packet with the Ethernet header %u",
              r.m(), unsigned(kEth + 40 + payload));
  const uint8_t* out = r.out() + kEth;
  if (out[7] != in[7] - 1)
    violation(r, "hop limit %u became %u, not %u", in[7], out[7], in[7] - 1);
  hop_at = kEth + 7;
}

const fz_iface* egress_by_mac(const uint8_t* mac) {
  for (unsigned i = 0; i < g_router.n_ifaces; ++i)
    if (g_router.ifaces[i].egress && !std::memcmp(g_router.ifaces[i].mac, mac, 6))
      return &g_router.ifaces[i];
  return nullptr;
}

bool is_neighbour(const uint8_t* mac, uint32_t ifindex) {
  for (unsigned i = 0; i < g_router.n_neighs; ++i)
    if (g_router.neighs[i].ifindex == ifindex && !std::memcmp(g_router.neighs[i].mac, mac, 6))
      return true;
  return false;
}

// A redirected frame: a well-formed IP packet for a forwarding interface,
// leaving through an egress of this FIB to one of its neighbours, with
// nothing but the MACs, TTL/hop limit and IPv4 checksum changed.
void check_redirect(const Run& r) {
  if (!r.ingress->configured || !r.ingress->forwarding)
    violation(r, "forwarded from %s, where the kernel would not forward", r.ingress->name);
  if (std::memcmp(r.in, r.ingress->mac, 6))
    violation(r, "forwarded a frame addressed to %s, not to %s", mac_text(r.in).data(),
              r.ingress->name);
  size_t skip[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
  const uint16_t type = pkt_get16(r.in + 12);
  if (type == 0x0800) check_ipv4(r, skip[0], skip[1]);
  else if (type == 0x86dd) check_ipv6(r, skip[0]);
  else violation(r, "forwarded ethertype %04x", type);

  const uint8_t* out = r.out();
  for (size_t i = 12; i < r.m(); ++i)
    if (out[i] != r.in[i] && i != skip[0] && i != skip[1] && i != skip[1] + 1)
      violation(r, "byte %zu changed from %02x to %02x", i, r.in[i], out[i]);
  const fz_iface* egress = egress_by_mac(out + 6);
  if (!egress) violation(r, "source MAC %s is no egress interface's", mac_text(out + 6).data());
  if (egress == r.ingress) violation(r, "forwarded back out of %s (hairpin)", egress->name);
  if (!is_neighbour(out, egress->ifindex))
    violation(r, "destination MAC %s is no neighbour on %s", mac_text(out).data(), egress->name);
  if (r.m() - kEth > egress->mtu)
    violation(r, "a %zu-byte packet forwarded to %s, MTU %u", r.m() - kEth, egress->name,
              egress->mtu);
  // Longer than a page, a test-run frame surely spans buffers.
  if (r.m() > g_page && !egress->xmit_sg)
    violation(r, "a multi-buffer frame forwarded to %s, which cannot send one", egress->name);
}

const fz_iface* ingress_for(const uint8_t* frame) {
  for (unsigned i = 0; i < g_router.n_ifaces; ++i)
    if (!std::memcmp(frame, g_router.ifaces[i].mac, 6)) return &g_router.ifaces[i];
  return &g_router.ifaces[0];
}

// Where the IP packet a frame claims ends, or the frame's end.
size_t ip_end(const uint8_t* f, size_t n) {
  const uint16_t type = pkt_get16(f + 12);
  if (type == 0x0800 && n >= kEth + 4) return kEth + pkt_get16(f + kEth + 2);
  if (type == 0x86dd && n >= kEth + 6) return kEth + 40 + pkt_get16(f + kEth + 4);
  return n;
}

void note_features(const Run& r, int reason) {
  const uint16_t type = pkt_get16(r.in + 12);
  const int family = type == 0x0800 ? 0 : type == 0x86dd ? 1 : 2;
  int outcome = reason;
  if (reason < 0) {
    const fz_iface* egress = egress_by_mac(r.out() + 6);
    outcome = FP_PASS__MAX + static_cast<int>(egress - g_router.ifaces);
  }
  const size_t end = ip_end(r.in, r.n), first = g_router.first_buffer;
  const int shape = (end < first ? 0 : end == first ? 1 : 2) * 4 + (r.n > first) * 2 + (r.n > end);
  const int ingress = static_cast<int>(r.ingress - g_router.ifaces);
  g_features[ingress][family][outcome][shape]++;
}

// Deterministic per mutation, as libFuzzer asks.
struct Rng {
  uint32_t s;
  uint32_t below(uint32_t n) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s % n;
  }
};

// Frame sizes where buffers end: the first buffer, a page, the MTUs.
size_t resize_at_edge(uint8_t* data, size_t size, size_t max_size, Rng& rng) {
  const size_t first = g_router.first_buffer;
  const size_t edges[] = {60, 1514, 1515, first - 1, first, first + 1, g_page, g_page + 1,
                          2 * g_page, 9014, 9015};
  const size_t to = edges[rng.below(sizeof(edges) / sizeof(edges[0]))];
  if (to > max_size || size == 0) return size;
  for (size_t i = size; i < to; ++i) data[i] = data[i % size];
  return to;
}

// Makes the IP length field say the packet fills the frame, leaves padding,
// or ends exactly where the first buffer does.
void set_ip_length(uint8_t* data, size_t size, Rng& rng) {
  const uint16_t type = pkt_get16(data + 12);
  const size_t hdr = type == 0x0800 ? 20 : 40, len_at = kEth + (type == 0x0800 ? 2 : 4);
  if ((type != 0x0800 && type != 0x86dd) || size < kEth + hdr) return;
  size_t end = size;
  switch (rng.below(6)) {
    case 0: case 1: break;
    case 2: end = size - 1 - rng.below(46); break;
    case 3: end = g_router.first_buffer - 1 + rng.below(3); break;
    default: return;  // as mutated
  }
  if (end < kEth + hdr || end > size) return;
  const size_t value = end - kEth - (type == 0x0800 ? 0 : 40);
  data[len_at] = static_cast<uint8_t>(value >> 8);
  data[len_at + 1] = static_cast<uint8_t>(value);
}

void fix_ipv4_checksum(uint8_t* data, size_t size) {
  if (size < kEth + 20 || pkt_get16(data + 12) != 0x0800) return;
  const size_t hlen = (data[kEth] & 0xf) * 4u;
  if (hlen < 20 || kEth + hlen > size) return;
  pkt_put16(data + kEth + 10, ipv4_checksum(data + kEth, hlen));
}

// Chooses the IP ID so that the header checksum lands on a value where an
// incremental update (RFC 1624) carries or wraps: 0xfeff + 0x0100 is 0xffff.
void steer_ipv4_checksum(uint8_t* data, size_t size, Rng& rng) {
  if (size < kEth + 20 || pkt_get16(data + 12) != 0x0800) return;
  uint8_t* h = data + kEth;
  const size_t hlen = (h[0] & 0xf) * 4u;
  if (hlen < 20 || kEth + hlen > size) return;
  const uint16_t edges[] = {0x0000, 0x0001, 0x00ff, 0x0100, 0xfeff, 0xff00, 0xfffe,
                            static_cast<uint16_t>(0xff00 | rng.below(256))};
  const uint16_t target = edges[rng.below(sizeof(edges) / sizeof(edges[0]))];
  h[4] = h[5] = 0;
  // checksum = ~(rest + id), so id = ~checksum - rest, in one's complement.
  uint32_t id = static_cast<uint16_t>(~target) + (0xffff - ipv4_sum_without_checksum(h, hlen));
  while (id >> 16) id = (id & 0xffff) + (id >> 16);
  h[4] = static_cast<uint8_t>(id >> 8);
  h[5] = static_cast<uint8_t>(id);
}

double seconds_since(const timespec& t0) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return double(now.tv_sec - t0.tv_sec) + double(now.tv_nsec - t0.tv_nsec) / 1e9;
}

// The one-line summary CTest shows (not from a -fork parent, which runs
// nothing itself).
void summary() {
  if (g_tally.runs == 0) return;
  const double s = seconds_since(g_tally.start);
  uint64_t passed = 0;
  char reasons[1024] = "";
  size_t at = 0;
  for (int i = 0; i < FP_PASS__MAX; ++i) {
    passed += g_tally.passed[i];
    if (g_tally.passed[i] && at < sizeof(reasons))
      at += std::snprintf(reasons + at, sizeof(reasons) - at, "%s%s %llu", at ? ", " : "",
                          kReasonNames[i], static_cast<unsigned long long>(g_tally.passed[i]));
  }
  std::fprintf(stderr,
               "fuzz_fastpath: %llu runs in %.1f s (%.0f/s): %llu forwarded, %llu passed (%s), "
               "%llu skipped under 14 bytes, %llu over %u bytes; no invariant violated\n",
               static_cast<unsigned long long>(g_tally.runs), s, s > 0 ? g_tally.runs / s : 0.0,
               static_cast<unsigned long long>(g_tally.forwarded),
               static_cast<unsigned long long>(passed), reasons,
               static_cast<unsigned long long>(g_tally.under_eth),
               static_cast<unsigned long long>(g_tally.over_limit), g_router.max_frame);
}

// The first corpus directory on the command line gets the seed frames.
void write_seeds(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    struct stat st;
    if (::stat(argv[i], &st) == 0 && !S_ISDIR(st.st_mode)) return;  // inputs to replay
    ::mkdir(argv[i], 0755);
    const int n = fz_write_seeds(&g_router, argv[i]);
    if (n < 0) std::exit(1);
    std::fprintf(stderr, "fuzz_fastpath: %d seed frames in %s\n", n, argv[i]);
    return;
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (::geteuid() != 0) std::exit(fz_cannot_run("the fuzzer needs root (namespaces, BPF)"));
  char why[4096];
  const int rc = fz_router_setup(&g_router, why, sizeof(why));
  if (rc > 0) std::exit(fz_cannot_run(why));
  if (rc < 0) {
    std::fprintf(stderr, "fuzz_fastpath: %s\n", why);
    std::exit(1);
  }
  g_page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  g_out.resize(g_router.max_frame + 256);
  std::fprintf(stderr,
               "fuzz_fastpath: router ready; test runs take frames of 14 to %u bytes, "
               "fragments after %u\n",
               g_router.max_frame, g_router.first_buffer);
  write_seeds(*argc, *argv);
  clock_gettime(CLOCK_MONOTONIC, &g_tally.start);
  std::atexit(summary);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  Rng rng{seed | 1};
  size = LLVMFuzzerMutate(data, size, max_size);
  if (rng.below(8) == 0) return size;  // raw bytes, checksum and all
  if (rng.below(16) == 0) size = resize_at_edge(data, size, max_size, rng);
  if (size < kEth) return size;
  if (rng.below(4) == 0) {  // back to a router interface, r0 most often
    const unsigned i = rng.below(2) ? 0 : rng.below(g_router.n_ifaces);
    std::memcpy(data, g_router.ifaces[i].mac, 6);
  }
  set_ip_length(data, size, rng);
  if (rng.below(8) == 0) steer_ipv4_checksum(data, size, rng);
  if (rng.below(16) != 0) fix_ipv4_checksum(data, size);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ++g_tally.runs;
  if (size < kEth) {
    ++g_tally.under_eth;
    return 0;
  }
  if (size > g_router.max_frame) {
    ++g_tally.over_limit;
    return 0;
  }
  Run r{data, size, ingress_for(data), {}};
  const int err = fz_router_run(r.ingress->ifindex, data, static_cast<uint32_t>(size),
                                g_out.data(), static_cast<uint32_t>(g_out.size()), &r.result);
  if (err < 0) violation(r, "the test run failed: %s", std::strerror(-err));
  if (r.result.action != XDP_PASS && r.result.action != XDP_REDIRECT)
    violation(r, "the program returned %s", action_name(r.result.action));
  // The frame first, then the counters that should say what happened to it.
  if (r.result.action == XDP_PASS) {
    if (r.m() != r.n || std::memcmp(r.out(), r.in, r.n))
      violation(r, "passed to the kernel, but changed");
  } else {
    check_redirect(r);
  }
  const int reason = check_counters(r);
  if (reason >= 0) ++g_tally.passed[reason];
  else ++g_tally.forwarded;
  note_features(r, reason);
  return 0;
}
