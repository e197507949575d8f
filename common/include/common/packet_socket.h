// A raw packet socket that only sends, bound to one device.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "common/fd.h"

namespace common {

// AF_PACKET, protocol 0: the kernel hands it nothing received. Frames
// written to it leave through ifindex as they are, Ethernet header first.
Result<UniqueFd> packet_socket(uint32_t ifindex);

}  // namespace common
