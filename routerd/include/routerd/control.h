// routerd's control socket: a unix stream socket carrying one JSON object
// per line each way. Requests: {"command": "status" | "interfaces" |
// "counters" | "attach" | "detach", ...}; responses: {"ok": true, ...} or
// {"ok": false, "error": "...", "hint": "..."}.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace routerd::control {

// Requests longer than this are refused (and the connection closed).
inline constexpr size_t kMaxRequest = 64 * 1024;

// /run/xdp-router/netns-<cookie>.sock: one daemon per network namespace.
common::Result<std::filesystem::path> default_socket_path();

// One exchange, client side, bounded by timeout_ms.
common::Result<nlohmann::json> request(const std::filesystem::path& socket,
                                       const nlohmann::json& req,
                                       int timeout_ms = 10000);

}  // namespace routerd::control
