#include "common/packet_socket.h"

#include <fmt/core.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

namespace common {

Result<UniqueFd> packet_socket(uint32_t ifindex) {
  UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("cannot open a packet socket", "run as root (CAP_NET_RAW)");
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) < 0)
    return fail_errno(fmt::format("cannot bind a packet socket to ifindex {}", ifindex));
  return fd;
}

}  // namespace common
