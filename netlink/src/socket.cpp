// Owned libnl sockets and libnl's error codes.
#include "socket.h"

#include <netlink/errno.h>

#include <cerrno>

namespace netlink::detail {

common::Result<Socket> connect(int protocol) {
  Socket sk(nl_socket_alloc());
  if (!sk) return common::fail(ENOMEM, "cannot allocate a netlink socket");
  if (int err = nl_connect(sk.get(), protocol); err < 0)
    return std::unexpected(nl_error(err, "cannot open a netlink socket"));
  // Requests here expect one reply; errors still come back without ACKs.
  nl_socket_disable_auto_ack(sk.get());
  return sk;
}

common::Error nl_error(int nle, std::string what) {
  int code = EIO;
  switch (-nle) {
    case NLE_NOMEM: code = ENOMEM; break;
    case NLE_PERM: code = EPERM; break;
    case NLE_NODEV: code = ENODEV; break;
    case NLE_OBJ_NOTFOUND: code = ENOENT; break;
    case NLE_OPNOTSUPP: code = EOPNOTSUPP; break;
    case NLE_AGAIN: code = EAGAIN; break;
    case NLE_INVAL: code = EINVAL; break;
    case NLE_BUSY: code = EBUSY; break;
    case NLE_EXIST: code = EEXIST; break;
  }
  return common::Error{code, what + ": " + nl_geterror(nle), {}};
}

}  // namespace netlink::detail
