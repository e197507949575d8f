// Identity of the current network namespace.
#include "common/netns.h"

#include <sys/socket.h>

#include "common/fd.h"

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

}  // namespace common
