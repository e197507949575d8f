// Attaching XDP through rtnetlink (IFLA_XDP), for the kernel's reasons.
#pragma once

#include <cstdint>

#include "common/error.h"

namespace netlink {

enum class XdpAttachMode { native, generic };

// Asks the kernel to attach prog_fd to ifindex through rtnetlink, only if
// nothing is attached, and detaches it again at once if it was accepted.
// A refusal comes back as an Error whose `what` is the kernel's own message
// (the netlink extended ACK, e.g. "Underlying driver does not support XDP in
// native mode"): a refused bpf_link attach carries only an errno. Use a
// bpf_link for anything meant to stay attached.
common::Result<void> try_xdp_attach(uint32_t ifindex, int prog_fd, XdpAttachMode mode);

}  // namespace netlink
