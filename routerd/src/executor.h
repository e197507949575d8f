// The thin shell around the core: performs its actions with the fast-path
// library and netlink, and remembers what failed. Every action is
// idempotent, so running a plan twice changes nothing the second time.
#pragma once

#include <map>
#include <vector>

#include "fastpath/fastpath.h"
#include "netlink/link.h"
#include "routerd/core.h"

namespace routerd {

struct Outcome {
  size_t applied = 0;
  size_t failed = 0;
  size_t skipped = 0;  // after their veth peer failed
};

Outcome execute(const std::vector<Action>& actions, fastpath::Fastpath& fp,
                const std::map<uint32_t, netlink::Link>& links, Memory& memory);

}  // namespace routerd
