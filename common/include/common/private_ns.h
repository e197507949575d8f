// The privileged rig of the packet-path tests, the fuzzer, difftest and
// fp-nsperpkt: this process in namespaces of its own, a topology built in
// them by script, and the CI rule for what cannot run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace common {

enum class Network { fresh, current };

// Enters a private mount namespace with a fresh bpffs over /sys/fs/bpf and,
// with Network::fresh, a new network namespace: the veths, routes and pins
// made there vanish with the process however it ends (a fuzzer's abort
// included), and nothing outside is seen or changed. Returns the bpffs.
// Call it before any thread starts: unshare changes the calling thread.
Result<std::filesystem::path> enter_private_namespaces(Network network);

// Runs a shell script with `set -e` (a topology: ip, sysctl); fails with
// its exit status and the script.
Result<void> run_script(const std::string& script);

// For a test that cannot run here: says why on stderr and returns 77
// (CTest's skip), or 1 under CI=true, where no test may skip.
int cannot_run(std::string_view why);

}  // namespace common
