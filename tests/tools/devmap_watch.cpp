// Test tool: runs a command, then measures how long until an interface
// enters or leaves the fast path's DEVMAP (read from its pin), polling
// every 50 µs. Prints the latency in microseconds.
//
//   devmap-watch PIN_DIR IFNAME {present|absent} TIMEOUT_MS -- COMMAND...
#include <bpf/bpf.h>
#include <fmt/core.h>
#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool in_devmap(int fd, const char* ifname) {
  const uint32_t ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return false;
  uint32_t value[2];
  return bpf_map_lookup_elem(fd, &ifindex, value) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7 || std::string(argv[5]) != "--") {
    fmt::print(stderr, "usage: devmap-watch PIN_DIR IFNAME {{present|absent}} TIMEOUT_MS -- CMD...\n");
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
  fmt::print("{}\n", std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
  return 0;
}
