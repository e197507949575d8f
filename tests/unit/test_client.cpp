// The control socket's client: what routerctl does when routerd drops it.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "common/fd.h"
#include "routerd/control.h"

namespace {

struct Listener {
  std::filesystem::path path;
  common::UniqueFd fd;
  Listener() {
    char dir[] = "/tmp/client-test-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    path = std::filesystem::path(dir) / "s.sock";
    fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd.get(), 8) == 0);
  }
  ~Listener() { std::filesystem::remove_all(path.parent_path()); }
};

// The next connection, or none within 3 s (the client gave up).
common::UniqueFd accept_one(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  if (::poll(&p, 1, 3000) != 1) return {};
  return common::UniqueFd(::accept(listen_fd, nullptr, nullptr));
}

// Reads one line from a connection and answers it with reply.
std::string serve_one(int fd, const std::string& reply) {
  std::string in;
  char buf[65536];
  for (ssize_t n; in.find('\n') == std::string::npos && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
    in.append(buf, static_cast<size_t>(n));
  ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  return in.substr(0, in.find('\n'));
}

}  // namespace

TEST_CASE("a connection routerd closes before the request reached it is made again") {
  Listener l;
  // Larger than any socket buffer: the client is still sending when the
  // first connection is closed unread (as routerd evicts its idlest client).
  const std::string big(4 << 20, 'x');
  std::string received;
  std::thread server([&] {
    auto first = accept_one(l.fd.get());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.reset();
    if (auto second = accept_one(l.fd.get()))
      received = serve_one(second.get(), "{\"ok\":true,\"connection\":2}\n");
  });
  auto reply = routerd::control::request(l.path, {{"command", "status"}, {"pad", big}}, 5000);
  server.join();
  REQUIRE(reply.has_value());
  CHECK(reply->value("connection", 0) == 2);
  CHECK(nlohmann::json::parse(received).value("pad", "") == big);
}

TEST_CASE("a connection routerd closes after the whole request is not made again") {
  // The request may have been carried out: an error, not a second try.
  Listener l;
  // A second try would wait in the backlog until the deadline, unanswered.
  std::thread server([&] {
    auto first = accept_one(l.fd.get());
    serve_one(first.get(), "");
  });
  auto reply = routerd::control::request(l.path, {{"command", "detach"}}, 2000);
  server.join();
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().message().find("closed the connection") != std::string::npos);
}
