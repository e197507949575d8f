// Internal: owned libnl sockets.
#pragma once

#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <memory>

#include "common/error.h"

namespace netlink::detail {

struct SocketDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using Socket = std::unique_ptr<nl_sock, SocketDeleter>;

// A socket connected to the given protocol (NETLINK_ROUTE, NETLINK_GENERIC).
common::Result<Socket> connect(int protocol);

// libnl reports negative NLE_* codes; turn one into an errno-style Error.
common::Error nl_error(int nle, std::string what);

}  // namespace netlink::detail
