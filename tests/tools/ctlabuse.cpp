// Test tool: misbehaving clients of routerd's control socket, and one
// well-behaved client that measures how fast it is answered meanwhile.
// Each mode prints one JSON line.
//
//   ctlabuse SOCKET probe             status and interfaces requests (what
//                                     routerctl daemon status / link show
//                                     send), one every 5 ms, until SIGTERM
//   ctlabuse SOCKET garbage N         N connections of random bytes
//   ctlabuse SOCKET malformed N       N connections, each one bad request
//                                     (truncated, not JSON, not an object,
//                                     fields of the wrong type, deep nesting)
//   ctlabuse SOCKET oversized N       N requests of 100 KiB (limit: 64 KiB)
//   ctlabuse SOCKET noread SECONDS    requests as fast as the socket takes
//                                     them, answers never read
//   ctlabuse SOCKET hold N SECONDS    N idle connections held open at once
//   ctlabuse SOCKET hangup LINE       LINE sent, and the connection closed
//                                     at once: no answer read
//   ctlabuse SOCKET ask LINE          LINE sent, the replies until the
//                                     server closes (within 2 s)
#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "routerd/control.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

volatile sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// A connection to path; -1 if the server cannot take one now.
int connect_to(const char* path, bool nonblocking) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Everything the server sends until it closes (or timeout): its reply lines.
std::vector<std::string> replies_until_close(int fd, milliseconds timeout) {
  std::string in;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = in.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(in.substr(at, nl - at));
  return lines;
}

// One connection: send, half-close, collect the replies.
std::vector<std::string> talk(const char* path, std::string_view payload) {
  const int fd = connect_to(path, false);
  if (fd < 0) return {"connect failed"};
  send_all(fd, payload);
  ::shutdown(fd, SHUT_WR);
  auto lines = replies_until_close(fd, milliseconds(2000));
  ::close(fd);
  return lines;
}

bool is_error_reply(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() && j.value("ok", true) == false && j.contains("error");
}

bool is_ok_reply(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() && j.value("ok", false) == true;
}

int probe(const char* path) {
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  std::vector<double> latencies;
  uint64_t failed = 0;
  std::string first_failure;
  const char* commands[] = {"status", "interfaces"};
  for (size_t i = 0; !stop_requested; ++i) {
    const auto t0 = Clock::now();
    auto reply = routerd::control::request(path, {{"command", commands[i % 2]}}, 10000);
    const double ms = ms_since(t0);
    if (!reply && stop_requested) break;  // SIGTERM interrupted this one
    if (!reply || !reply->value("ok", false)) {
      ++failed;
      if (first_failure.empty())
        first_failure = reply ? reply->dump() : reply.error().message();
    } else {
      latencies.push_back(ms);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(p * latencies.size()))];
  };
  fmt::print("{}\n", nlohmann::json{{"answered", latencies.size()},
                                    {"failed", failed},
                                    {"first_failure", first_failure},
                                    {"p50_ms", pct(0.50)},
                                    {"p99_ms", pct(0.99)},
                                    {"max_ms", latencies.empty() ? 0.0 : latencies.back()}}
                         .dump());
  return 0;
}

int garbage(const char* path, int count) {
  std::mt19937 rng(7);
  int connections = 0, replies = 0, wrong = 0;
  for (int i = 0; i < count; ++i) {
    std::string bytes(std::uniform_int_distribution<size_t>(1, 16384)(rng), '\0');
    for (char& b : bytes) b = static_cast<char>(rng());
    for (const auto& line : talk(path, bytes)) {
      ++replies;
      wrong += !is_error_reply(line);  // garbage is never a valid request
    }
    ++connections;
  }
  fmt::print("{}\n", nlohmann::json{{"connections", connections},
                                    {"replies", replies},
                                    {"not_errors", wrong}}
                         .dump());
  return 0;
}

// Bad requests, each with the number of error replies it must get.
struct Bad {
  std::string payload;
  int errors;
  int oks = 0;
};

std::vector<Bad> bad_requests() {
  return {
      {R"({"command":"sta)", 0},                // truncated, then EOF: discarded
      {"{\"command\":\"status\"\n", 1},        // truncated line
      {"[1,2,3]\n", 1},                         // not an object
      {"\"status\"\n", 1},
      {"{\"command\":5}\n", 1},                 // wrong types
      {"{\"command\":null}\n", 1},
      {"{\"command\":\"attach\",\"dev\":[\"eth-h1\"]}\n", 1},
      {"{\"command\":\"attach\",\"dev\":\"eth-h1\",\"mode\":7}\n", 1},
      {"{\"command\":\"detach\",\"dev\":{}}\n", 1},
      {std::string("\0\0\0\n", 4), 1},
      {"{\"command\":\"\\ud800\"}\n", 1},        // lone surrogate
      {"{\"command\":1e999999}\n", 1},
      {std::string(30000, '[') + std::string(30000, ']') + "\n", 1},  // deep nesting
      {"{\"command\":\"status\"}\n{\"command\":\"status\"}\n{\"comm", 0, 2},  // pipelined
  };
}

int malformed(const char* path, int count) {
  const auto bad = bad_requests();
  int as_expected = 0, unexpected = 0;
  std::string first_unexpected;
  for (int i = 0; i < count; ++i) {
    const Bad& b = bad[static_cast<size_t>(i) % bad.size()];
    int errors = 0, oks = 0;
    for (const auto& line : talk(path, b.payload)) {
      errors += is_error_reply(line);
      oks += is_ok_reply(line);
    }
    if (errors == b.errors && oks == b.oks) {
      ++as_expected;
    } else {
      ++unexpected;
      if (first_unexpected.empty())
        first_unexpected = fmt::format("request {} got {} error(s), {} ok", i % bad.size(),
                                       errors, oks);
    }
  }
  fmt::print("{}\n", nlohmann::json{{"requests", count},
                                    {"kinds", bad.size()},
                                    {"as_expected", as_expected},
                                    {"unexpected", unexpected},
                                    {"first_unexpected", first_unexpected}}
                         .dump());
  return 0;
}

int oversized(const char* path, int count) {
  int refused = 0;
  for (int i = 0; i < count; ++i) {
    std::string req = R"({"command":"status","pad":")" + std::string(100 * 1024, 'x') + "\"}";
    if (i % 2) req += "\n";  // with and without its newline
    for (const auto& line : talk(path, req))
      refused += is_error_reply(line) && line.find("larger than") != std::string::npos;
  }
  fmt::print("{}\n", nlohmann::json{{"requests", count}, {"refused", refused}}.dump());
  return 0;
}

int noread(const char* path, int seconds) {
  const int fd = connect_to(path, false);
  if (fd < 0) return 1;
  timeval tv{1, 0};  // a send blocked for a second: the server stopped reading
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string chunk;
  while (chunk.size() < 60000) chunk += "{\"command\":\"interfaces\"}\n";
  uint64_t sent = 0;
  const auto t0 = Clock::now();
  bool dropped = false;
  std::string why = "still connected";
  while (ms_since(t0) < seconds * 1000.0) {
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) {
      dropped = true;
      why = std::strerror(errno);
      break;
    }
    sent += static_cast<uint64_t>(n);
  }
  const double after = ms_since(t0);
  ::close(fd);
  fmt::print("{}\n", nlohmann::json{{"dropped", dropped},
                                    {"how", why},
                                    {"after_ms", after},
                                    {"requests_sent", sent / 25}}
                         .dump());
  return 0;
}

int hold(const char* path, int count, int seconds) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(count) + 64);
  ::setrlimit(RLIMIT_NOFILE, &rl);
  std::vector<pollfd> fds;
  int failed = 0;
  const auto t0 = Clock::now();
  // The listen backlog is short: connect as fast as the server accepts.
  while (static_cast<int>(fds.size()) < count && ms_since(t0) < seconds * 1000.0) {
    const int fd = connect_to(path, true);
    if (fd < 0) {
      ++failed;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    fds.push_back({fd, POLLIN, 0});
  }
  const double connect_ms = ms_since(t0);
  int closed = 0;
  while (ms_since(t0) < seconds * 1000.0) {
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (pollfd& p : fds) {
      if (p.fd >= 0 && p.revents) {
        ++closed;  // nothing was asked: any event is the server closing it
        ::close(p.fd);
        p.fd = -1;
      }
    }
  }
  for (const pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  fmt::print("{}\n", nlohmann::json{{"opened", fds.size()},
                                    {"connect_retries", failed},
                                    {"connect_ms", connect_ms},
                                    {"closed_by_server", closed}}
                         .dump());
  return 0;
}

int hangup(const char* path, const std::string& line) {
  const int fd = connect_to(path, false);
  if (fd < 0) return 1;
  const bool sent = send_all(fd, line + "\n");
  ::close(fd);
  fmt::print("{}\n", nlohmann::json{{"sent", sent}}.dump());
  return sent ? 0 : 1;
}

int ask(const char* path, const std::string& line) {
  nlohmann::json replies = nlohmann::json::array();
  for (const auto& r : talk(path, line + "\n")) {
    auto j = nlohmann::json::parse(r, nullptr, false);
    replies.push_back(j.is_discarded() ? nlohmann::json(r) : j);
  }
  fmt::print("{}\n", nlohmann::json{{"replies", replies}}.dump());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[2] : "";
  const char* path = argc > 1 ? argv[1] : "";
  if (mode == "probe" && argc == 3) return probe(path);
  if (mode == "garbage" && argc == 4) return garbage(path, std::atoi(argv[3]));
  if (mode == "malformed" && argc == 4) return malformed(path, std::atoi(argv[3]));
  if (mode == "oversized" && argc == 4) return oversized(path, std::atoi(argv[3]));
  if (mode == "noread" && argc == 4) return noread(path, std::atoi(argv[3]));
  if (mode == "hold" && argc == 5) return hold(path, std::atoi(argv[3]), std::atoi(argv[4]));
  if (mode == "hangup" && argc == 4) return hangup(path, argv[3]);
  if (mode == "ask" && argc == 4) return ask(path, argv[3]);
  fmt::print(stderr,
             "usage: ctlabuse SOCKET {{ probe | garbage N | malformed N | oversized N |\n"
             "                         noread SECONDS | hold N SECONDS | hangup LINE |\n"
             "                         ask LINE }}\n");
  return 2;
}
