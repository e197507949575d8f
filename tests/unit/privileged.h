// For tests that need root: a private network and mount namespace per test
// process, gone when the process ends, however it ends.
#pragma once

#include <filesystem>
#include <string>

namespace testenv {

// A bpffs mounted privately for this process.
const std::filesystem::path& bpffs();

// Runs a shell command in the test's namespace; throws on failure.
void sh(const std::string& command);

}  // namespace testenv
