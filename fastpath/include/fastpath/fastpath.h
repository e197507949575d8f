// The fast path as seen from C++: load it, attach it to interfaces, choose
// its egress devices, pin it so other processes find it, read its counters.
#pragma once

#include <linux/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/device_checks.h"
#include "common/error.h"
#include "common/libbpf_log.h"
#include "fastpath/abi.h"
#include "fastpath/types.h"

namespace fastpath {

using common::Error;
using common::Result;

// What is attached to a device now, from the kernel (bpf_xdp_query).
struct XdpAttachment {
  std::string mode = "none";  // none, native, generic, offload, multi
  uint32_t prog_id = 0;
  std::optional<XdpMode> xdp_mode;  // native or generic: the modes we attach in
};
Result<XdpAttachment> xdp_attachment(uint32_t ifindex);

struct PassReason {
  std::string_view name;  // stable identifier, used in JSON
  std::string_view why;   // one line for people
};
// Indexed by enum fp_pass_reason.
const std::array<PassReason, FP_PASS__MAX>& pass_reasons();

struct Counters {
  uint64_t fwd_packets = 0;
  uint64_t fwd_bytes = 0;
  std::array<uint64_t, FP_PASS__MAX> pass{};
  // The FIB result cache's answers (see fp_stats).
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t cache_stale = 0;
  uint64_t cache_fills = 0;
  uint64_t cache_skipped = 0;

  uint64_t passed() const;
  uint64_t operator[](enum fp_pass_reason r) const { return pass[r]; }
  Counters& operator+=(const Counters& o);
};

struct EgressCounters {
  uint64_t xmit_packets = 0;
  uint64_t xmit_drops = 0;
  uint64_t redirect_errors = 0;
};

// An interface as the fast path needs to know it.
struct Interface {
  uint32_t ifindex = 0;
  std::string name;  // for messages only
  InterfaceSettings settings;
};

// What the pinned maps say about one interface.
struct InterfaceState {
  uint32_t ifindex = 0;
  uint32_t slot = 0;
  InterfaceSettings settings;    // as configured
  bool configured = false;       // has an entry in the interfaces map
  bool attached = false;         // a pinned XDP link exists
  std::optional<XdpMode> mode;   // native or generic, when attached
  bool egress = false;           // in the DEVMAP
  Counters counters;
  std::optional<EgressCounters> transmit;
};

struct Snapshot {
  std::vector<InterfaceState> interfaces;  // by ifindex
  Counters unknown_ingress;                // frames from unconfigured devices
  size_t local_addresses = 0;              // IPv4 sources the kernel rejects
  bool local_addresses_unknown = false;    // too many: every source goes to the kernel
  bool full_source_check = false;          // see Fastpath::set_full_source_check
  uint32_t policy = 0;                     // FP_POLICY_* bits
  uint32_t ipv4_mtu_ceiling = 0;           // 0: none
  uint32_t ipv6_mtu_ceiling = 0;
  bool fib_cache_ipv4 = false;      // lookups answered from the result cache
  bool fib_cache_ipv6 = false;      // ... and its lease current
  uint32_t fib_cache_entries = 0;   // per family (the maps' size)
  // Keys held in both families' maps, where counted (count_fib_cache):
  // fills beyond them were evicted (LRU), so evictions are known only in
  // total, not per interface.
  std::optional<uint64_t> fib_cache_used;
  // Transmit outcomes of devices forgotten since (when counted at all).
  std::optional<EgressCounters> departed;
  Counters total() const;
  // Every transmit outcome counted, departed devices included.
  std::optional<EgressCounters> transmit_total() const;
};

// Counts the keys in the pinned cache maps into snap (a walk of every key:
// for a reader on demand, not for every snapshot).
void count_fib_cache(const std::filesystem::path& pin_dir, Snapshot& snap);

// The bpffs directory holding the pinned state of the current network
// namespace: <bpffs>/xdp-router/netns-<cookie>.
Result<std::filesystem::path> default_pin_dir(
    const std::filesystem::path& bpffs = "/sys/fs/bpf");

using common::route_libbpf_logs;

// The owner of the fast path in this network namespace. Holds a lock on the
// pin directory for its lifetime, so one process changes it at a time.
// How long the IPv6 cache is used after its last renewal.
inline constexpr std::chrono::seconds kFibCacheLease{3};

struct LoadOptions {
  // Entries per family of the FIB result cache (LRU; every CPU has its own
  // answers in each). nullopt: the pinned cache's size, or the default.
  std::optional<uint32_t> fib_cache_entries;
};

class Fastpath {
 public:
  // Loads the programs, adopting maps pinned under pin_dir (counters, DEVMAP
  // and interfaces survive) and moving existing links to the new program.
  static Result<Fastpath> load(const std::filesystem::path& pin_dir,
                               const LoadOptions& options = {});

  Fastpath(Fastpath&&) noexcept;
  Fastpath& operator=(Fastpath&&) noexcept;
  ~Fastpath();

  // Attaches the fast path to iface as a pinned bpf_link. Returns the mode
  // the kernel accepted (automatic tries native, then generic).
  Result<XdpMode> attach(const Interface& iface, XdpMode mode);
  Result<void> detach(uint32_t ifindex);
  // Rewrites the interface's entry (its MAC and flags) without attaching.
  Result<void> configure(const Interface& iface);
  // The router's own IPv4 addresses (network order), replacing the set.
  Result<void> set_local_addresses(std::span<const uint32_t> addresses);
  // Whether the kernel looks every IPv4 source up, rp_filter off too.
  Result<void> set_full_source_check(bool full);
  // Kernel policy on the forward path (see Policy).
  Result<void> set_policy(const Policy& policy);
  // The smallest unlocked route MTU per family, 0 for none.
  Result<void> set_mtu_ceilings(uint32_t ipv4, uint32_t ipv6);
  // Egress devices: the DEVMAP. Add only devices that can take redirects.
  Result<void> add_egress(const Interface& iface);
  Result<void> remove_egress(uint32_t ifindex);
  // Drops everything known about ifindex: link, DEVMAP entry, counters
  // (its transmit counts join the departed total).
  Result<void> forget(uint32_t ifindex);
  // Detaches every interface and removes the pinned state.
  Result<void> destroy();
  // The same for a fast path no process holds: nothing is loaded. Returns
  // false if there was nothing to remove.
  static Result<bool> unload(const std::filesystem::path& pin_dir);
  // Removes what fast paths of namespaces that are gone left beside pin_dir
  // (netns-COOKIE directories: maps, programs, tracing links): those whose
  // namespace cannot be found, none of whose links has a device, and that
  // no process holds. Returns how many.
  static size_t collect_orphans(const std::filesystem::path& pin_dir);

  Result<Snapshot> snapshot() const;
  int program_fd() const;
  const std::filesystem::path& pin_dir() const;
  // Whether transmit outcomes are counted (needs BTF tracepoints).
  bool counts_transmit() const;

  // The FIB result cache: lookups answered from it while every generation
  // they were filled under is current (the kernel's FIB and address
  // counters, read by the program; neighbour changes, counted by
  // tracepoints in the kernel's change path; the loader's). Refused when
  // unavailable. IPv6 deletions count in no kernel generation: the IPv6
  // cache is used only by a caller that hears of them (invalidate below)
  // and renews its lease while it does (kFibCacheLease).
  // gated: rested on a CPU where it hits too rarely to pay (the
  // default); ungated, every lookup goes through it (tests of its answers).
  Result<void> set_fib_cache(bool ipv4, bool ipv6, bool gated = true);
  Result<void> renew_fib_cache_lease();
  // Why the cache cannot be used here (a tracepoint it needs would not
  // attach); nullopt: it can.
  const std::optional<std::string>& fib_cache_unavailable() const;
  // Makes every cached answer stale: for kernel changes with no counter
  // of their own (an IPv6 route deleted, a nexthop object changed), as
  // soon as the caller hears of them. The fast path's own settings that a
  // cached answer depends on (interface flags, the full source check)
  // invalidate by themselves.
  Result<void> invalidate_fib_cache();

 private:
  struct Impl;
  explicit Fastpath(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Read-only access to the pinned state, for tools that must not load or
// change anything while another process owns the fast path.
class PinnedState {
 public:
  static Result<PinnedState> open(const std::filesystem::path& pin_dir);

  PinnedState(PinnedState&&) noexcept;
  PinnedState& operator=(PinnedState&&) noexcept;
  ~PinnedState();

  Result<Snapshot> snapshot() const;
  // The live program, for running it on a crafted frame.
  int program_fd() const;

 private:
  struct Impl;
  explicit PinnedState(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One run of the program on a frame through BPF_PROG_TEST_RUN, as if it
// arrived on ingress_ifindex. Nothing is transmitted.
struct TestRun {
  uint32_t action = 0;           // XDP_PASS, XDP_REDIRECT, ...
  std::vector<uint8_t> output;   // the frame after the program
  uint32_t duration_ns = 0;      // average over the repeats
};
Result<TestRun> test_run(int prog_fd, std::span<const uint8_t> frame,
                         uint32_t ingress_ifindex, uint32_t repeat = 1);

// What the fast path would do with a frame arriving on ingress_ifindex. A
// private copy of the program runs on it, sharing the pinned interfaces
// map and DEVMAP and the live FIB, with counters of its own: the live
// counters stay untouched, and the copy's counters name the reason.
struct Explanation {
  uint32_t action = 0;                          // XDP_PASS, XDP_REDIRECT, ...
  std::optional<enum fp_pass_reason> reason;    // when passed
  std::vector<uint8_t> output;                  // the frame as it would leave
  bool same_program = true;  // the copy's instructions are the live program's
  // The FIB result cache, where on for the family: whether it answered
  // (this CPU's answers; a miss fills them), and whether its answer and a
  // fresh lookup's are the same.
  std::optional<bool> cache_hit;
  bool cache_agrees = true;
};
Result<Explanation> explain(const std::filesystem::path& pin_dir,
                            std::span<const uint8_t> frame, uint32_t ingress_ifindex);

}  // namespace fastpath
