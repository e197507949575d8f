// Test tool: a paced, numbered UDP stream and a receiver that accounts for
// every datagram, so a test can say "sent N, received N, none missing".
//
//   udpstream send ADDRESS PORT COUNT RATE_PPS [SIZE]
//   udpstream recv PORT COUNT TIMEOUT_S [LOG]   (prints JSON)
// Each datagram carries its sequence number and the wall-clock time it was
// sent (ns); LOG, if given, gets "SEQ SENT_NS" for every datagram received.
// SIZE pads each datagram to SIZE bytes, sent with DF and never fragmented
// by the sender whatever ICMP says (PMTUDISC_PROBE): a smaller MTU on the
// path stops them at the router.
// SIGTERM stops a sender early: it sends "end N" (three times) with the
// number N it sent, and a receiver then expects N instead of COUNT, so a
// stream can last exactly as long as whatever the test does meanwhile.
// What has not arrived 500 ms after the end marker counts as lost (SIGTERM
// stops a receiver at once).
#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile sig_atomic_t stop_requested = 0;

void on_stop(int) { stop_requested = 1; }

void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

int send_stream(const char* addr, int port, uint64_t count, uint64_t rate, size_t size) {
  sockaddr_storage ss{};
  socklen_t len;
  int family;
  if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss); inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
    a6->sin6_family = family = AF_INET6;
    a6->sin6_port = htons(port);
    len = sizeof(*a6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    if (inet_pton(AF_INET, addr, &a4->sin_addr) != 1) {
      fmt::print(stderr, "udpstream: bad address {}\n", addr);
      return 2;
    }
    a4->sin_family = family = AF_INET;
    a4->sin_port = htons(port);
    len = sizeof(*a4);
  }
  const int fd = socket(family, SOCK_DGRAM, 0);
  if (size) {
    const int probe = IP_PMTUDISC_PROBE, probe6 = IPV6_PMTUDISC_PROBE;
    if (family == AF_INET) setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe));
    else setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe6, sizeof(probe6));
  }
  std::vector<char> buf(std::max<size_t>(size, 64), 0);
  stop_on_signals();
  const auto start = Clock::now();
  uint64_t seq = 0;
  for (; seq < count && !stop_requested; ++seq) {
    // Paced against the clock, not by sleeping a fixed time per datagram.
    const auto due = start + std::chrono::nanoseconds(seq * 1000000000ull / rate);
    std::this_thread::sleep_until(due);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const int n = snprintf(buf.data(), 64, "%llu %lld", static_cast<unsigned long long>(seq),
                           static_cast<long long>(
                               std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
    const size_t out = std::max<size_t>(size, n);
    while (sendto(fd, buf.data(), out, 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
      if (errno != ENOBUFS && errno != EAGAIN) {
        fmt::print(stderr, "udpstream: send: {}\n", std::strerror(errno));
        return 1;
      }
    }
  }
  if (stop_requested) {
    // Lost end markers leave the receiver waiting until its timeout.
    char marker[32];
    const int n = snprintf(marker, sizeof(marker), "end %llu", static_cast<unsigned long long>(seq));
    for (int i = 0; i < 3; ++i) sendto(fd, marker, n, 0, reinterpret_cast<sockaddr*>(&ss), len);
  }
  fmt::print("{{\"sent\": {}}}\n", seq);
  return 0;
}

int receive_stream(int port, uint64_t count, int timeout_s, const char* log_path) {
  FILE* log = log_path ? std::fopen(log_path, "w") : nullptr;
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  int off = 0, big = 8 << 20;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_any;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
    fmt::print(stderr, "udpstream: bind: {}\n", std::strerror(errno));
    return 2;
  }
  fmt::print(stderr, "udpstream: listening on {}\n", port);
  std::vector<uint8_t> seen(count, 0);
  uint64_t received = 0, duplicates = 0, foreign = 0;
  stop_on_signals();
  auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  bool end_seen = false;
  while (received < count && Clock::now() < deadline && !stop_requested) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[64] = {};
    const ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) continue;
    if (std::strncmp(buf, "end ", 4) == 0) {  // the sender stopped early
      count = std::min<uint64_t>(count, std::strtoull(buf + 4, nullptr, 10));
      // The marker left after every datagram: stragglers come right behind.
      if (!end_seen) deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(500));
      end_seen = true;
      continue;
    }
    char* rest = nullptr;
    const uint64_t seq = std::strtoull(buf, &rest, 10);
    if (log && seq < count) std::fprintf(log, "%llu%s\n", static_cast<unsigned long long>(seq), rest);
    if (seq >= count) ++foreign;
    else if (seen[seq]++) ++duplicates;
    else ++received;
  }
  if (log) std::fclose(log);
  fmt::print("{{\"expected\": {}, \"received\": {}, \"missing\": {}, \"duplicates\": {}, "
             "\"foreign\": {}}}\n",
             count, received, count - received, duplicates, foreign);
  return received == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "send" && (argc == 6 || argc == 7))
    return send_stream(argv[2], std::atoi(argv[3]), std::strtoull(argv[4], nullptr, 10),
                       std::strtoull(argv[5], nullptr, 10),
                       argc == 7 ? std::strtoull(argv[6], nullptr, 10) : 0);
  if (mode == "recv" && (argc == 5 || argc == 6))
    return receive_stream(std::atoi(argv[2]), std::strtoull(argv[3], nullptr, 10),
                          std::atoi(argv[4]), argc == 6 ? argv[5] : nullptr);
  fmt::print(stderr, "usage: udpstream send ADDRESS PORT COUNT RATE [SIZE] | recv PORT COUNT TIMEOUT_S [LOG]\n");
  return 2;
}
