// The client side of the control socket, for routerctl and tests.
#include <fmt/core.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "common/fd.h"
#include "common/netns.h"
#include "routerd/control.h"

namespace routerd::control {
namespace {

using Clock = std::chrono::steady_clock;

common::Result<void> wait_for(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now()).count();
  pollfd p{fd, events, 0};
  const int n = ::poll(&p, 1, left > 0 ? static_cast<int>(left) : 0);
  if (n < 0) return common::fail_errno("poll failed");
  if (n == 0) return common::fail(ETIMEDOUT, "routerd did not answer in time");
  return {};
}

// A connection to routerd with req sent whole. A connection routerd closes
// before the request's last byte reached it (evicted as the idlest when a
// connection storm fills its client slots) carried no request: it is made
// again, until the deadline.
common::Result<common::UniqueFd> connect_and_send(const std::filesystem::path& path,
                                                  std::string_view out,
                                                  Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(addr.sun_path))
    return common::fail(ENAMETOOLONG, fmt::format("socket path {} is too long", path.string()));
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  for (;;) {
    common::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return common::fail_errno("cannot open a unix socket");
    // A full listen backlog (a connect storm) says EAGAIN at once on a unix
    // socket, with nothing to poll for: try again until the deadline.
    int rc;
    while ((rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr))) < 0 &&
           errno == EAGAIN && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (rc < 0 && errno != EINPROGRESS) {
      if (errno == ENOENT || errno == ECONNREFUSED)
        return common::fail(errno, fmt::format("routerd is not running (no socket at {})",
                                               path.string()),
                            "start it: routerd -c /etc/routerd/routerd.conf");
      if (errno == EACCES)
        return common::fail(errno, fmt::format("cannot connect to {}", path.string()),
                            "run as root");
      return common::fail_errno(fmt::format("cannot connect to {}", path.string()));
    }
    size_t sent = 0;
    bool evicted = false;
    while (sent < out.size()) {
      if (auto r = wait_for(fd.get(), POLLOUT, deadline); !r) return std::unexpected(r.error());
      const ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && (errno == EPIPE || errno == ECONNRESET) && Clock::now() < deadline) {
        evicted = true;
        break;
      }
      if (n < 0 && errno != EAGAIN) return common::fail_errno("cannot send to routerd");
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if (!evicted) return fd;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

common::Result<std::filesystem::path> default_socket_path() {
  auto cookie = common::netns_cookie();
  if (!cookie) return std::unexpected(cookie.error());
  return std::filesystem::path("/run/xdp-router") / fmt::format("netns-{}.sock", *cookie);
}

common::Result<nlohmann::json> request(const std::filesystem::path& path,
                                       const nlohmann::json& req, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto fd = connect_and_send(path, req.dump() + "\n", deadline);
  if (!fd) return std::unexpected(fd.error());
  std::string in;
  for (;;) {
    if (auto nl = in.find('\n'); nl != std::string::npos) {
      auto doc = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
      if (doc.is_discarded() || !doc.is_object())
        return common::fail(EPROTO, "routerd sent an answer that is not JSON");
      return doc;
    }
    if (auto r = wait_for(fd->get(), POLLIN, deadline); !r) return std::unexpected(r.error());
    char buf[65536];
    const ssize_t n = ::recv(fd->get(), buf, sizeof(buf), 0);
    if (n == 0) return common::fail(ECONNRESET, "routerd closed the connection");
    if (n < 0 && errno != EAGAIN) return common::fail_errno("cannot read from routerd");
    if (n > 0) in.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace routerd::control
