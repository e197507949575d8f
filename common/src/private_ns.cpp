// The privileged test rig: private namespaces, topology scripts, skips.
#include "common/private_ns.h"

#include <fmt/core.h>
#include <sched.h>
#include <sys/mount.h>

#include <cstdlib>

namespace common {

Result<std::filesystem::path> enter_private_namespaces(Network network) {
  const int flags = CLONE_NEWNS | (network == Network::fresh ? CLONE_NEWNET : 0);
  if (::unshare(flags) < 0)
    return fail_errno("cannot enter private namespaces", "needs CAP_SYS_ADMIN (run as root)");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return fail_errno("cannot make mounts private");
  const std::filesystem::path bpffs = "/sys/fs/bpf";
  if (::mount("bpf", bpffs.c_str(), "bpf", 0, "mode=0700") < 0)
    return fail_errno(fmt::format("cannot mount a bpffs on {}", bpffs.string()));
  return bpffs;
}

Result<void> run_script(const std::string& script) {
  const std::string full = "set -e\n" + script;
  if (int rc = std::system(full.c_str()); rc != 0)
    return fail(EIO, fmt::format("command failed ({}):\n{}", rc, script));
  return {};
}

int cannot_run(std::string_view why) {
  const char* ci = std::getenv("CI");
  if (ci && std::string_view(ci) == "true") {
    fmt::print(stderr, "FAIL: {} (CI=true: tests may not skip)\n", why);
    return 1;
  }
  fmt::print(stderr, "SKIP: {}\n", why);
  return 77;
}

}  // namespace common
