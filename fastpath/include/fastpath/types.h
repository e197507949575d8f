// The fast path's value types, for code that decides about the fast path
// without loading it (routerd's core, configuration): no libbpf here.
#pragma once

#include <optional>
#include <string_view>

#include "common/device_checks.h"
#include "packet/frame.h"

namespace fastpath {

using packet::Mac;

enum class XdpMode { native, generic, automatic };

// What the fast path keeps of an interface (its interfaces-map entry): one
// value from the kernel's view through routerd's plan to the map, compared
// as one.
struct InterfaceSettings {
  Mac mac{};
  bool xmit_sg = false;  // takes multi-buffer frames as a redirect target
  // What the kernel checks on packets arriving here, beyond the FIB.
  common::DeviceChecks checks;

  bool operator==(const InterfaceSettings&) const = default;
};
std::string_view to_string(XdpMode mode);
std::optional<XdpMode> parse_mode(std::string_view text);

}  // namespace fastpath
