// The XDP feature bits of the kernel's netdev netlink family, alone, so code
// that decides on them (routerd's core, xdp-probe's report) needs no libnl.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace netlink::xdp_act {

// Mirrors enum netdev_xdp_act of the kernel's include/uapi/linux/netdev.h
// (Debian 12's linux-libc-dev predates that header).
inline constexpr uint64_t basic = 1U << 0;
inline constexpr uint64_t redirect = 1U << 1;
inline constexpr uint64_t ndo_xmit = 1U << 2;
inline constexpr uint64_t xsk_zerocopy = 1U << 3;
inline constexpr uint64_t hw_offload = 1U << 4;
inline constexpr uint64_t rx_sg = 1U << 5;
inline constexpr uint64_t ndo_xmit_sg = 1U << 6;

// The names the kernel's YAML spec (Documentation/netlink/specs/netdev.yaml)
// gives the bits, in bit order.
inline constexpr std::array<std::pair<uint64_t, std::string_view>, 7> names{{
    {basic, "basic"},
    {redirect, "redirect"},
    {ndo_xmit, "ndo-xmit"},
    {xsk_zerocopy, "xsk-zerocopy"},
    {hw_offload, "hw-offload"},
    {rx_sg, "rx-sg"},
    {ndo_xmit_sg, "ndo-xmit-sg"},
}};

}  // namespace netlink::xdp_act
