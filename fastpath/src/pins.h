// Internal: the bpffs the pinned state lives on.
#pragma once

#include <filesystem>

#include "common/error.h"

namespace fastpath::detail {

// Makes sure pin_dir can be created on a bpffs, mounting the standard one
// (/sys/fs/bpf) when it is missing and mounting is safe.
common::Result<void> prepare_bpffs(const std::filesystem::path& pin_dir);

// Explains why pin_dir holds no state (bpffs missing, hidden, or empty).
common::Error missing_state(const std::filesystem::path& pin_dir);

}  // namespace fastpath::detail
