// For tests that need root: a private network and mount namespace per test
// process (common/private_ns.h), gone when the process ends, however it ends.
#pragma once

#include <filesystem>
#include <string>

namespace testenv {

// The bpffs mounted privately for this process.
const std::filesystem::path& bpffs();

// Runs a shell script in the test's namespace; throws on failure, so the
// test case fails with the script in its message.
void sh(const std::string& command);

}  // namespace testenv
