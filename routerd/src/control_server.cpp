// Serving the control socket from the daemon's epoll loop.
#include "control_server.h"

#include <fmt/core.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/log.h"
#include "routerd/control.h"

namespace routerd {
namespace {

constexpr std::string_view kLog = "control";
// A client's requests are read only while fewer answers than this wait for
// it: one that never reads stalls (and leaves when idle), at no cost.
constexpr size_t kPauseOutput = 64 * 1024;
// Beyond this (one huge answer on top), the client is dropped.
constexpr size_t kMaxPendingOutput = 4 << 20;
// A client that sends no complete request for this long is dropped.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// Clients may hold all descriptors but these: routerd's own work (netlink
// dumps, peers' namespaces, BPF objects) needs some whatever connects.
constexpr rlim_t kReservedFds = 128;
// Connections taken per pass: a connect storm cannot hold the loop, and a
// client's request is answered before a storm makes it the idlest.
constexpr int kMaxAcceptsPerPass = 32;

sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  return addr;
}

// True if a daemon answers on path; a socket file nobody listens on is
// what a killed daemon leaves behind.
bool someone_listens(const std::filesystem::path& path) {
  common::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr = unix_address(path);
  return fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

nlohmann::json error_reply(const std::string& what) {
  return {{"ok", false}, {"error", what}};
}

size_t max_clients() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<size_t>::max();
  return rl.rlim_cur > 2 * kReservedFds ? rl.rlim_cur - kReservedFds : rl.rlim_cur / 2;
}

}  // namespace

common::Result<void> ControlServer::check_path(const std::filesystem::path& path) {
  if (path.string().size() >= sizeof(sockaddr_un::sun_path))
    return common::fail(ENAMETOOLONG, fmt::format("socket path {} is too long", path.string()),
                        "give control_socket a shorter path");
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
    return common::fail(EEXIST, fmt::format("control socket {} exists and is not a socket",
                                            path.string()),
                        "give control_socket a path of its own, or remove that file");
  if (someone_listens(path))
    return common::fail(EADDRINUSE, fmt::format("another routerd answers on {}", path.string()),
                        "stop it first, or give this one another control_socket");
  return {};
}

common::Result<ControlServer> ControlServer::listen(const std::filesystem::path& path,
                                                    int epoll_fd, Handler handler) {
  ControlServer s;
  s.path_ = path;
  s.epoll_fd_ = epoll_fd;
  s.handler_ = std::move(handler);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (auto r = check_path(path); !r) return std::unexpected(r.error());
  std::filesystem::remove(path, ec);  // a socket nobody answers on
  s.listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.listen_fd_) return common::fail_errno("cannot open the control socket");
  sockaddr_un addr = unix_address(path);
  // Created 0660 from the start: no window where others could connect.
  const mode_t old = ::umask(0117);
  const int rc = ::bind(s.listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::umask(old);
  if (rc < 0) return common::fail_errno(fmt::format("cannot bind {}", path.string()));
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) s.bound_ = {st.st_dev, st.st_ino};
  // Spent only to turn a connection away when all others are in use.
  s.spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (::listen(s.listen_fd_.get(), 128) < 0)
    return common::fail_errno(fmt::format("cannot listen on {}", path.string()));
  epoll_event ev{EPOLLIN, {.fd = s.listen_fd_.get()}};
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s.listen_fd_.get(), &ev) < 0)
    return common::fail_errno("cannot watch the control socket");
  return s;
}

ControlServer::~ControlServer() {
  // Only the socket this server bound: not what took the path since.
  struct stat st{};
  if (listen_fd_ && ::lstat(path_.c_str(), &st) == 0 &&
      std::pair(st.st_dev, st.st_ino) == bound_)
    ::unlink(path_.c_str());
}

bool ControlServer::owns(int fd) const {
  return fd == listen_fd_.get() || clients_.count(fd);
}

void ControlServer::on_event(int fd, uint32_t events) {
  if (fd == listen_fd_.get()) return accept_all();
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (events & EPOLLERR) return close(fd);
  // Gone for good: what it sent before it left is still read and done (a
  // detach sent by a client that does not wait for the answer).
  if (events & EPOLLHUP) return finish(c);
  if (events & EPOLLIN) read(c);
  if (clients_.count(fd) && (events & EPOLLOUT)) write(c);
}

void ControlServer::accept_all() {
  const size_t limit = max_clients();
  for (int i = 0; i < kMaxAcceptsPerPass; ++i) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EMFILE && errno != ENFILE) return;  // EAGAIN, or the client left
      // accept() takes a descriptor before it looks at the queue: EMFILE
      // says nothing about a connection waiting.
      pollfd waiting{listen_fd_.get(), POLLIN, 0};
      if (::poll(&waiting, 1, 0) != 1) return;
      if (!clients_.empty()) {
        evict_idlest();  // descriptors ran out before the limit
        continue;
      }
      // No client to make room: the connection waiting would keep the
      // socket readable, and the loop spinning. Turned away, it is told why.
      refuse_one();
      return;
    }
    Client& c = clients_[fd];
    c.fd.reset(fd);
    c.last_request = Clock::now();
    epoll_event ev{EPOLLIN, {.fd = fd}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    // Over the limit, the idlest client makes room for the new one.
    if (clients_.size() > limit) evict_idlest();
  }
}

void ControlServer::refuse_one() {
  spare_fd_.reset();
  common::UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (fd) {
    const std::string reply =
        error_reply("routerd is out of file descriptors (RLIMIT_NOFILE); try again").dump() +
        "\n";
    ::send(fd.get(), reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    common::log::warn(kLog, "out of file descriptors: a client was turned away");
  }
  fd.reset();
  spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

// The client hung up: its socket holds at most what it sent before, which
// is read to the end and served; the answers have nobody to go to.
void ControlServer::finish(Client& c) {
  const int fd = c.fd.get();
  char buf[16384];
  for (ssize_t n; !c.closing && (n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;)
    c.in.append(buf, static_cast<size_t>(n));
  c.in.erase(c.in.rfind('\n') + 1);  // an unfinished last line is not a request
  for (size_t nl; (nl = c.in.find('\n')) != std::string::npos && nl <= control::kMaxRequest;) {
    answer(c.in.substr(0, nl));
    c.in.erase(0, nl + 1);
  }
  close(fd);
}

void ControlServer::read(Client& c) {
  char buf[16384];
  // One read per event: a client that keeps its socket full cannot hold the
  // loop (epoll reports it again while data is left).
  const ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return close(c.fd.get());
  }
  if (n == 0) {
    // Half-closed: answer the complete requests, then close.
    c.eof = c.closing = true;
    c.in.erase(c.in.rfind('\n') + 1);
  } else if (!c.closing) {  // input after a refused request is discarded
    c.in.append(buf, static_cast<size_t>(n));
  }
  pump(c);
}

std::string ControlServer::answer(const std::string& line) {
  auto req = nlohmann::json::parse(line, nullptr, false);
  if (req.is_discarded() || !req.is_object())
    return error_reply("request is not a JSON object").dump();
  nlohmann::json reply;
  try {
    reply = handler_(req);
  } catch (const std::exception& e) {
    // A field of the wrong type ({"command": 5}) throws from json::value().
    reply = error_reply(fmt::format("malformed request: {}", e.what()));
  }
  // Interface names are bytes, not always UTF-8: never throw over them.
  return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void ControlServer::write(Client& c) { pump(c); }

// Answers complete requests while the client keeps up with reading them.
void ControlServer::serve(Client& c) {
  size_t nl;
  while (c.out.size() < kPauseOutput && (nl = c.in.find('\n')) != std::string::npos &&
         nl <= control::kMaxRequest) {
    const std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    c.last_request = Clock::now();
    c.out += answer(line) + "\n";
  }
  if (std::min(c.in.find('\n'), c.in.size()) > control::kMaxRequest) {
    common::log::warn(kLog, "dropping a client whose request exceeds {} bytes",
                      control::kMaxRequest);
    c.in.clear();
    c.out += error_reply(fmt::format("request larger than {} bytes", control::kMaxRequest))
                 .dump() + "\n";
    c.closing = true;
  }
}

// Answers and sends until the client stops reading or has nothing left to
// ask; then waits for whichever of the two it needs.
void ControlServer::pump(Client& c) {
  const int fd = c.fd.get();
  for (;;) {
    serve(c);
    while (!c.out.empty()) {
      const ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN) break;
        return close(fd);
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
    if (!c.out.empty() || c.in.find('\n') == std::string::npos) break;
  }
  if (c.out.size() > kMaxPendingOutput) {
    common::log::warn(kLog, "dropping a client that does not read its answers");
    return close(fd);
  }
  if (c.closing && c.out.empty() && c.in.find('\n') == std::string::npos) return close(fd);
  update_interest(c);
}

void ControlServer::update_interest(Client& c) {
  // Requests are read only while their answers are read too.
  const bool paused = c.out.size() >= kPauseOutput || c.in.find('\n') != std::string::npos;
  const bool input = !c.eof && (c.closing || !paused);
  epoll_event ev{(input ? static_cast<uint32_t>(EPOLLIN) : 0u) |
                     (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)),
                 {.fd = c.fd.get()}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd.get(), &ev);
}

void ControlServer::close(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  clients_.erase(fd);
}

void ControlServer::evict_idlest() {
  auto idlest = clients_.begin();
  for (auto it = clients_.begin(); it != clients_.end(); ++it)
    if (it->second.last_request < idlest->second.last_request) idlest = it;
  close(idlest->first);
}

void ControlServer::sweep(Clock::time_point now) {
  std::vector<int> idle;
  for (const auto& [fd, c] : clients_)
    if (now - c.last_request > kIdleTimeout) idle.push_back(fd);
  for (int fd : idle) close(fd);
}

}  // namespace routerd
