// Entry point of the root-only unit tests: enters private namespaces, then
// runs doctest. Without root it skips (exit 77), except under CI=true, where
// a test that cannot run fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <stdexcept>

#include "common/private_ns.h"
#include "fastpath/fastpath.h"
#include "privileged.h"

namespace testenv {
namespace {
std::filesystem::path g_bpffs;
}

const std::filesystem::path& bpffs() { return g_bpffs; }

void sh(const std::string& command) {
  if (auto ok = common::run_script(command); !ok) throw std::runtime_error(ok.error().what);
}

}  // namespace testenv

int main(int argc, char** argv) {
  if (::geteuid() != 0) return common::cannot_run("these tests need root");
  auto bpffs = common::enter_private_namespaces(common::Network::fresh);
  if (!bpffs) return common::cannot_run(bpffs.error().message());
  testenv::g_bpffs = *bpffs;
  fastpath::route_libbpf_logs();
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
