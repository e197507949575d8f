// xdp-pktgen's command lines as values: ip(8)-style keywords in, checked
// options out. Errors here are usage errors (exit 1); nothing touches the
// system.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "common/error.h"
#include "pktgen/frame.h"

namespace pktgen {

inline constexpr std::string_view kSendUsage =
    "xdp-pktgen send dev IFNAME src ADDR { dst ADDR | dst-file FILE } dst-mac MAC\n"
    "        [ src-mac MAC ] [ proto { udp | tcp } ] [ sport PORT ] [ dport PORT ]\n"
    "        [ size BYTES ] [ ttl TTL ] [ flows N ] [ vary { sport | src | dst } ]\n"
    "        [ count N ] [ duration SECONDS ] [ rate PPS ] [ threads N ] [ batch N ]\n"
    "        [ via { auto | live | packet } ]";
inline constexpr std::string_view kSinkUsage =
    "xdp-pktgen sink dev IFNAME [ duration SECONDS ] [ count N ] [ idle SECONDS ]";

// The test run's batch (frames per redirect flush): the kernel's default
// and its maximum (TEST_XDP_MAX_BATCH).
inline constexpr uint32_t kDefaultBatch = 64;
inline constexpr uint32_t kMaxBatch = 256;

// How frames leave: live-frames test runs (the generator program sends
// each one), or a packet socket (slower: an skb per frame). auto takes
// live frames where the kernel permits them.
enum class Via { automatic, live, packet };
std::string_view to_string(Via v);

struct SendOptions {
  std::string dev;
  FrameSpec frame;                // src_mac unset: the device's own
  bool src_mac_given = false;
  uint64_t count = 0;             // frames in all, 0: no limit
  double duration = 0;            // seconds, 0: no limit
  uint64_t rate = 0;              // frames per second in all, 0: no limit
  uint32_t threads = 1;
  uint32_t batch = kDefaultBatch;
  // Destinations, one address a line, for vary dst: read by the caller
  // (apply_dst_list), since parsing touches no files.
  std::string dst_file;
  bool flows_given = false;
  Via via = Via::automatic;
};

struct SinkOptions {
  std::string dev;
  double duration = 0;  // seconds, 0: until interrupted
  uint64_t count = 0;   // stop once this many arrived, 0: no limit
  double idle = 0;      // stop once nothing arrived for this long after
                        // the first frame, 0: never
};

// available_cpus bounds threads: more threads than CPUs only contend.
common::Result<SendOptions> parse_send(cli::Args& args, uint32_t available_cpus);
common::Result<SinkOptions> parse_sink(cli::Args& args);

// The addresses of a dst-file: one a line; blank lines and # comments are
// skipped.
common::Result<std::vector<IpAddress>> parse_dst_list(std::string_view text);
// Gives o the destinations of its dst-file (the file's text): flow i goes
// to the i-th address; flows defaults to their number. Checks the result.
common::Result<void> apply_dst_list(SendOptions& o, std::string_view text);

// "100000", "100k", "2M", "1G": decimal multipliers, as rates are quoted.
common::Result<uint64_t> parse_count(std::string_view keyword, std::string_view text);
common::Result<double> parse_seconds(std::string_view keyword, std::string_view text);

}  // namespace pktgen
