// The network namespace this process works in.
#pragma once

#include <cstdint>

#include "common/error.h"

namespace common {

// The kernel's never-reused id of the current network namespace.
Result<uint64_t> netns_cookie();

}  // namespace common
