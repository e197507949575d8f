// xdp-pktgen's command lines as values: ip(8)-style keywords in, checked
// options out. Errors here are usage errors (exit 1); nothing touches the
// system.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "common/error.h"
#include "pktgen/frame.h"

namespace pktgen {

inline constexpr std::string_view kSendUsage =
    "xdp-pktgen send dev IFNAME src ADDR dst ADDR dst-mac MAC\n"
    "        [ src-mac MAC ] [ proto { udp | tcp } ] [ sport PORT ] [ dport PORT ]\n"
    "        [ size BYTES ] [ ttl TTL ] [ flows N ] [ vary { sport | src } ]\n"
    "        [ count N ] [ duration SECONDS ] [ rate PPS ] [ threads N ] [ batch N ]";
inline constexpr std::string_view kSinkUsage =
    "xdp-pktgen sink dev IFNAME [ duration SECONDS ] [ count N ]";

// The test run's batch (frames per redirect flush): the kernel's default
// and its maximum (TEST_XDP_MAX_BATCH).
inline constexpr uint32_t kDefaultBatch = 64;
inline constexpr uint32_t kMaxBatch = 256;

struct SendOptions {
  std::string dev;
  FrameSpec frame;                // src_mac unset: the device's own
  bool src_mac_given = false;
  uint64_t count = 0;             // frames in all, 0: no limit
  double duration = 0;            // seconds, 0: no limit
  uint64_t rate = 0;              // frames per second in all, 0: no limit
  uint32_t threads = 1;
  uint32_t batch = kDefaultBatch;
};

struct SinkOptions {
  std::string dev;
  double duration = 0;  // seconds, 0: until interrupted
  uint64_t count = 0;   // stop once this many arrived, 0: no limit
};

// available_cpus bounds threads: more threads than CPUs only contend.
common::Result<SendOptions> parse_send(cli::Args& args, uint32_t available_cpus);
common::Result<SinkOptions> parse_sink(cli::Args& args);

// "100000", "100k", "2M", "1G": decimal multipliers, as rates are quoted.
common::Result<uint64_t> parse_count(std::string_view keyword, std::string_view text);
common::Result<double> parse_seconds(std::string_view keyword, std::string_view text);

}  // namespace pktgen
