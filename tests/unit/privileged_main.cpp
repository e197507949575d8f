// Entry point of the root-only unit tests: enters private namespaces, then
// runs doctest. Without root it skips (exit 77), except under CI=true, where
// a test that cannot run fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <fmt/core.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "common/log.h"
#include "fastpath/fastpath.h"
#include "privileged.h"

namespace testenv {
namespace {
std::filesystem::path g_bpffs;
}

const std::filesystem::path& bpffs() { return g_bpffs; }

void sh(const std::string& command) {
  const std::string full = "set -e\n" + command;
  if (int rc = std::system(full.c_str()); rc != 0)
    throw std::runtime_error(fmt::format("command failed ({}):\n{}", rc, command));
}

}  // namespace testenv

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string_view(ci) == "true";
}

int cannot_run(const std::string& why) {
  if (in_ci()) {
    fmt::print(stderr, "FAIL: {} (CI=true: tests may not skip)\n", why);
    return 1;
  }
  fmt::print(stderr, "SKIP: {}\n", why);
  return 77;
}

// New network and mount namespaces: the veths, routes and bpffs the tests
// make disappear with the process.
std::string enter_namespaces() {
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) return "unshare failed";
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return "cannot make mounts private";
  char dir[] = "/tmp/xdp-router-test-XXXXXX";
  if (!::mkdtemp(dir)) return "mkdtemp failed";
  testenv::g_bpffs = dir;
  if (::mount("bpf", dir, "bpf", 0, "mode=0700") < 0) return "cannot mount bpffs";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) return cannot_run("these tests need root");
  if (auto err = enter_namespaces(); !err.empty()) return cannot_run(err);
  fastpath::route_libbpf_logs();
  doctest::Context ctx(argc, argv);
  const int rc = ctx.run();
  ::umount2(testenv::bpffs().c_str(), MNT_DETACH);
  ::rmdir(testenv::bpffs().c_str());
  return rc;
}
