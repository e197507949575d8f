// Making and removing scratch devices of any kind the kernel offers.
#include "netlink/scratch.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <functional>

#include "common/fd.h"
#include "socket.h"

namespace netlink {
namespace {

// Names inside a private namespace: nothing else lives there.
constexpr const char* kName = "probe0";
constexpr const char* kPeerName = "probe1";
constexpr const char* kLowerName = "probelow0";
constexpr const char* kLowerPeerName = "probelow1";

struct LinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;

// Kinds that sit on a lower device (IFLA_LINK is required).
bool needs_lower(std::string_view kind) {
  return kind == "macvlan" || kind == "macvtap" || kind == "ipvlan" || kind == "ipvtap" ||
         kind == "vlan";
}

common::Result<uint32_t> ifindex_of(nl_sock* sk, const char* name) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sk, 0, name, &raw); err < 0)
    return std::unexpected(detail::nl_error(err, fmt::format("cannot find {}", name)));
  LinkPtr link(raw);
  return static_cast<uint32_t>(rtnl_link_get_ifindex(link.get()));
}

common::Result<void> change(nl_sock* sk, uint32_t ifindex,
                            const std::function<void(rtnl_link*)>& set) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sk, static_cast<int>(ifindex), nullptr, &raw); err < 0)
    return std::unexpected(detail::nl_error(err, fmt::format("cannot find ifindex {}", ifindex)));
  LinkPtr orig(raw);
  LinkPtr changes(rtnl_link_alloc());
  if (!changes) return common::fail(ENOMEM, "cannot allocate a link");
  set(changes.get());
  if (int err = rtnl_link_change(sk, orig.get(), changes.get(), 0); err < 0)
    return std::unexpected(detail::nl_error(
        err, fmt::format("cannot change {}", rtnl_link_get_name(orig.get()))));
  return {};
}

common::Result<void> set_up(nl_sock* sk, uint32_t ifindex) {
  return change(sk, ifindex, [](rtnl_link* l) { rtnl_link_set_flags(l, IFF_UP); });
}

common::Result<void> add(nl_sock* sk, rtnl_link* link, std::string_view what) {
  if (int err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return std::unexpected(detail::nl_error(err, fmt::format("cannot create a {}", what)));
  return {};
}

common::Result<void> add_veth(nl_sock* sk, const char* name, const char* peer_name,
                              uint32_t mtu) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return common::fail(ENOMEM, "cannot allocate a veth");
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));
  rtnl_link_set_name(link.get(), name);
  rtnl_link_set_name(peer.get(), peer_name);
  if (mtu) {
    rtnl_link_set_mtu(link.get(), mtu);
    rtnl_link_set_mtu(peer.get(), mtu);
  }
  return add(sk, link.get(), "veth");
}

// Any other kind, with just the attributes the kernel insists on.
common::Result<void> add_kind(nl_sock* sk, const DeviceSpec& spec, uint32_t lower) {
  LinkPtr link(rtnl_link_alloc());
  if (!link) return common::fail(ENOMEM, "cannot allocate a link");
  if (int err = rtnl_link_set_type(link.get(), spec.kind.c_str()); err < 0)
    return std::unexpected(detail::nl_error(err, fmt::format("cannot make a {}", spec.kind)));
  rtnl_link_set_name(link.get(), kName);
  if (spec.mtu) rtnl_link_set_mtu(link.get(), spec.mtu);
  if (lower) rtnl_link_set_link(link.get(), static_cast<int>(lower));
  if (spec.kind == "vxlan") rtnl_link_vxlan_set_id(link.get(), 1);
  if (spec.kind == "vlan") rtnl_link_vlan_set_id(link.get(), 10);
  return add(sk, link.get(), spec.kind);
}

common::Result<common::UniqueFd> add_tun(bool tap) {
  common::UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return common::fail_errno("cannot open /dev/net/tun");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, kName, IFNAMSIZ - 1);
  ifr.ifr_flags = static_cast<short>((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0)
    return common::fail_errno(fmt::format("cannot create a {}", tap ? "tap" : "tun"));
  return fd;
}

}  // namespace

struct ScratchDevice::Impl {
  detail::Socket sk;
  std::string name = kName;
  uint32_t ifindex = 0;
  uint32_t peer = 0;
  uint32_t lower = 0;
  bool tap = false;
  common::UniqueFd tun;  // closing it removes a tun/tap

  ~Impl() {
    // The upper device first: a lower one cannot go while it is in use.
    for (uint32_t i : {ifindex, lower}) {
      if (!i || (i == ifindex && tun)) continue;
      LinkPtr l(rtnl_link_alloc());
      if (!l) continue;
      rtnl_link_set_ifindex(l.get(), static_cast<int>(i));
      rtnl_link_delete(sk.get(), l.get());
    }
  }
};

ScratchDevice::ScratchDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScratchDevice::ScratchDevice(ScratchDevice&&) noexcept = default;
ScratchDevice& ScratchDevice::operator=(ScratchDevice&&) noexcept = default;
ScratchDevice::~ScratchDevice() = default;

common::Result<ScratchDevice> ScratchDevice::create(const DeviceSpec& spec) {
  auto sk = detail::connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  auto impl = std::make_unique<Impl>();
  impl->sk = std::move(*sk);
  nl_sock* s = impl->sk.get();
  auto found = [&](const char* name, uint32_t& out) -> common::Result<void> {
    auto i = ifindex_of(s, name);
    if (!i) return std::unexpected(i.error());
    out = *i;
    return set_up(s, *i);
  };

  if (spec.kind == "tun") {
    auto fd = add_tun(spec.tap);
    if (!fd) return std::unexpected(fd.error());
    impl->tun = std::move(*fd);
    impl->tap = spec.tap;
    if (auto r = found(kName, impl->ifindex); !r) return std::unexpected(r.error());
    if (spec.mtu)
      if (auto r = change(s, impl->ifindex, [&](rtnl_link* l) { rtnl_link_set_mtu(l, spec.mtu); });
          !r)
        return std::unexpected(r.error());
    return ScratchDevice(std::move(impl));
  }
  if (spec.kind == "veth") {
    const std::string name = spec.veth_name.empty() ? kName : spec.veth_name;
    const std::string peer = spec.veth_name.empty() ? kPeerName : spec.veth_name + "p";
    impl->name = name;
    if (auto r = add_veth(s, name.c_str(), peer.c_str(), spec.mtu); !r)
      return std::unexpected(r.error());
    if (auto r = found(peer.c_str(), impl->peer); !r) return std::unexpected(r.error());
  } else {
    if (needs_lower(spec.kind)) {
      if (auto r = add_veth(s, kLowerName, kLowerPeerName, spec.mtu); !r)
        return std::unexpected(r.error());
      if (auto r = found(kLowerName, impl->lower); !r) return std::unexpected(r.error());
    }
    if (auto r = add_kind(s, spec, impl->lower); !r) return std::unexpected(r.error());
  }
  if (auto r = found(impl->name.c_str(), impl->ifindex); !r) return std::unexpected(r.error());
  return ScratchDevice(std::move(impl));
}

uint32_t ScratchDevice::ifindex() const { return impl_->ifindex; }
const std::string& ScratchDevice::name() const { return impl_->name; }
uint32_t ScratchDevice::peer_ifindex() const { return impl_->peer; }

common::Result<void> ScratchDevice::set_mtu(uint32_t mtu) {
  auto set = [mtu](rtnl_link* l) { rtnl_link_set_mtu(l, mtu); };
  // The peer first: a veth refuses XDP while its peer's MTU is too large,
  // so both ends move together.
  if (impl_->peer)
    if (auto r = change(impl_->sk.get(), impl_->peer, set); !r) return r;
  return change(impl_->sk.get(), impl_->ifindex, set);
}

uint32_t ScratchDevice::read_frames(uint16_t ethertype) {
  if (!impl_->tun) return 0;
  std::array<uint8_t, 65536> buf;
  uint32_t n = 0;
  for (;;) {
    const ssize_t len = ::read(impl_->tun.get(), buf.data(), buf.size());
    if (len < 0) break;  // EAGAIN: all read
    if (impl_->tap && len >= 14 && ((buf[12] << 8) | buf[13]) == ethertype) ++n;
  }
  return n;
}

}  // namespace netlink
