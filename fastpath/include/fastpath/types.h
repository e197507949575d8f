// The fast path's value types, for code that decides about the fast path
// without loading it (routerd's core, configuration): no libbpf here.
#pragma once

#include <optional>
#include <string_view>

#include "packet/frame.h"

namespace fastpath {

using packet::Mac;

enum class XdpMode { native, generic, automatic };
std::string_view to_string(XdpMode mode);
std::optional<XdpMode> parse_mode(std::string_view text);

}  // namespace fastpath
