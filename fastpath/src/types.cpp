// Text forms of the fast path's value types.
#include "fastpath/types.h"

namespace fastpath {

std::string_view to_string(XdpMode mode) {
  switch (mode) {
    case XdpMode::native: return "native";
    case XdpMode::generic: return "generic";
    case XdpMode::automatic: return "auto";
  }
  return "?";
}

std::optional<XdpMode> parse_mode(std::string_view text) {
  if (text == "native" || text == "drv") return XdpMode::native;
  if (text == "generic" || text == "skb") return XdpMode::generic;
  if (text == "auto") return XdpMode::automatic;
  return std::nullopt;
}

}  // namespace fastpath
