// Identity of the current network namespace.
#include "common/netns.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cctype>
#include <cstring>
#include <filesystem>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace common {

Result<uint64_t> netns_cookie() {
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return fail_errno("cannot open a socket");
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
    return fail_errno("cannot read the network namespace cookie",
                      "the kernel needs SO_NETNS_COOKIE (Linux 5.14 or later)");
  return cookie;
}

std::vector<FoundNetns> other_netns() {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec))
    paths.push_back(e.path());
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename();
    if (!pid.empty() && std::isdigit(static_cast<unsigned char>(pid[0])))
      paths.push_back(e.path() / "ns" / "net");
  }
  struct stat self {};
  ::stat("/proc/self/ns/net", &self);
  std::set<std::pair<dev_t, ino_t>> seen{{self.st_dev, self.st_ino}};
  std::vector<FoundNetns> out;
  for (const std::string& path : paths) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) < 0 || !seen.insert({st.st_dev, st.st_ino}).second)
      continue;
    std::string name =
        path.starts_with("/run/netns/") ? path.substr(std::strlen("/run/netns/")) : path;
    out.push_back({std::move(fd), std::move(name)});
  }
  return out;
}

std::set<uint64_t> live_netns_cookies() {
  std::set<uint64_t> cookies;
  if (auto own = netns_cookie()) cookies.insert(*own);
  // setns() changes only the calling thread: one of its own does them all.
  std::thread worker([&] {
    for (const FoundNetns& ns : other_netns())
      if (::setns(ns.fd.get(), CLONE_NEWNET) == 0)
        if (auto c = netns_cookie()) cookies.insert(*c);
  });
  worker.join();
  return cookies;
}

}  // namespace common
