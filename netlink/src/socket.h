// Internal: owned libnl sockets.
#pragma once

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/socket.h>

#include <fmt/core.h>

#include <memory>

#include "common/error.h"

namespace netlink::detail {

struct SocketDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using Socket = std::unique_ptr<nl_sock, SocketDeleter>;

struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using Cache = std::unique_ptr<nl_cache, CacheDeleter>;

// A socket connected to the given protocol (NETLINK_ROUTE, NETLINK_GENERIC).
common::Result<Socket> connect(int protocol);

// libnl reports negative NLE_* codes; turn one into an errno-style Error.
common::Error nl_error(int nle, std::string what);

// A dump into a libnl cache: alloc(sock, &cache) is one of the
// rtnl_*_alloc_cache functions; `what` names the dump in errors.
template <typename Alloc>
common::Result<Cache> dump_cache(Alloc alloc, const char* what) {
  auto sk = connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  nl_cache* raw = nullptr;
  if (int err = alloc(sk->get(), &raw); err < 0)
    return std::unexpected(nl_error(err, fmt::format("cannot list {}", what)));
  return Cache(raw);
}

}  // namespace netlink::detail
