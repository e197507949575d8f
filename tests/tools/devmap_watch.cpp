// Test tool: runs a command, then measures how long until an interface
// enters or leaves the fast path's DEVMAP (read from its pin), polling
// every 50 µs. Prints the latency in microseconds; with -c, then the
// driver drops and refused redirects counted so far over every egress the
// fast path ever had (its "egress_stats" map, departed devices included),
// so a test can tell which of its steps lost frames.
//
//   devmap-watch [-c] PIN_DIR IFNAME {present|absent} TIMEOUT_MS -- COMMAND...
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "common/per_cpu.h"
#include "fastpath/abi.h"

namespace {

using Clock = std::chrono::steady_clock;

bool in_devmap(int fd, const char* ifname) {
  const uint32_t ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return false;
  uint32_t value[2];
  return bpf_map_lookup_elem(fd, &ifindex, value) == 0;
}

// Sums over every key and CPU of the egress_stats map. Keys first: a key
// deleted meanwhile would restart a hash map's iteration.
fp_egress_stats egress_sum(const std::string& pin_dir) {
  fp_egress_stats sum{};
  const int fd = bpf_obj_get((pin_dir + "/egress_stats").c_str());
  if (fd < 0) return sum;
  std::vector<uint32_t> keys;
  uint32_t next = 0;
  while (bpf_map_get_next_key(fd, keys.empty() ? nullptr : &keys.back(), &next) == 0)
    keys.push_back(next);
  std::sort(keys.begin(), keys.end());  // a restarted walk repeats keys
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto per_cpu = common::per_cpu_values<fp_egress_stats>();
  for (uint32_t key : keys) {
    if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) < 0) continue;
    const fp_egress_stats s = common::sum_counters<fp_egress_stats>(per_cpu);
    sum.xmit_drops += s.xmit_drops;
    sum.redirect_errors += s.redirect_errors;
  }
  close(fd);
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const bool counters = argc > 1 && std::string(argv[1]) == "-c";
  if (counters) {
    --argc;
    ++argv;
  }
  if (argc < 7 || std::string(argv[5]) != "--") {
    fmt::print(stderr,
               "usage: devmap-watch [-c] PIN_DIR IFNAME {{present|absent}} TIMEOUT_MS -- CMD...\n");
    return 2;
  }
  const std::string devmap = std::string(argv[1]) + "/devmap";
  const char* ifname = argv[2];
  const bool want = std::string(argv[3]) == "present";
  const auto timeout = std::chrono::milliseconds(std::atoi(argv[4]));
  const int fd = bpf_obj_get(devmap.c_str());
  if (fd < 0) {
    fmt::print(stderr, "devmap-watch: cannot open {}\n", devmap);
    return 2;
  }
  const auto t0 = Clock::now();
  const pid_t child = fork();
  if (child == 0) {
    execvp(argv[6], argv + 6);
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "devmap-watch: the command failed\n");
    return 2;
  }
  while (in_devmap(fd, ifname) != want) {
    if (Clock::now() - t0 > timeout) {
      fmt::print(stderr, "devmap-watch: {} not {} after {} ms\n", ifname, argv[3],
                 timeout.count());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  if (!counters) {
    fmt::print("{}\n", us);
    return 0;
  }
  const fp_egress_stats sum = egress_sum(argv[1]);
  fmt::print("{} {} {}\n", us, sum.xmit_drops, sum.redirect_errors);
  return 0;
}
