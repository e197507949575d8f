// The network namespace this process works in, and private scratch ones.
#pragma once

#include <sched.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/fd.h"

namespace common {

// The kernel's never-reused id of the current network namespace.
Result<uint64_t> netns_cookie();

// A network namespace found by other_netns(), open for setns().
struct FoundNetns {
  UniqueFd fd;
  std::string name;  // under /run/netns, or /proc/PID/ns/net
};

// The other network namespaces this process can find: those named under
// /run/netns first, then those of running processes (containers), each
// once. One kept only by a bind mount elsewhere is not found.
std::vector<FoundNetns> other_netns();

// The cookies of the current namespace and of every other_netns().
std::set<uint64_t> live_netns_cookies();

// Runs fn on a thread of its own inside a new network namespace and returns
// what fn returned. The namespace has no name under /run/netns: the kernel
// removes it, with every device in it, once the thread has ended and the
// sockets and descriptors made in it are closed, so nothing outlives the
// process even if it is killed. (setns and unshare change one thread only.)
template <typename T>
Result<T> in_new_netns(const std::function<Result<T>()>& fn) {
  Result<T> result = fail(EINTR, "the scratch namespace's thread did not run");
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) < 0) {
      result = fail_errno("cannot create a scratch network namespace",
                          "needs CAP_SYS_ADMIN (run as root)");
      return;
    }
    result = fn();
  });
  worker.join();
  return result;
}

}  // namespace common
