// Running the trials: on scratch copies in a private namespace, or on the
// device itself when asked to, never on a device something else uses.
#include "probe/probe.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "common/netns.h"
#include "fastpath/probe.h"
#include "fastpath/probe_abi.h"
#include "netlink/driver.h"
#include "netlink/link.h"
#include "netlink/netdev.h"
#include "netlink/scratch.h"
#include "netlink/xdp.h"

namespace probe {
namespace {

using fastpath::ProbeProgram;
using fastpath::XdpMode;

// A veth peer's NAPI runs soon after the redirect; never wait longer.
constexpr std::chrono::milliseconds kArrivalWait{200};

// The device trials run on, and where what it transmits can be seen.
struct Target {
  uint32_t ifindex = 0;
  fastpath::Mac mac{};
  uint32_t peer = 0;                          // a veth's other end
  netlink::ScratchDevice* scratch = nullptr;  // a copy we may change
  uint32_t mtu = 0;
};

Trial attach_trial(const fastpath::Probe& p, const Target& t, ProbeProgram program,
                   XdpMode mode, std::string what) {
  auto r = p.try_attach(t.ifindex, program, mode);
  if (r) return {Outcome::yes, 0, what + " accepted"};
  // A bpf_link refusal carries only an errno; rtnetlink's carries the
  // kernel's words, so ask the same question there.
  auto why = netlink::try_xdp_attach(
      t.ifindex, p.program_fd(program),
      mode == XdpMode::generic ? netlink::XdpAttachMode::generic : netlink::XdpAttachMode::native);
  return {Outcome::no, r.error().code,
          fmt::format("{} refused: {}", what,
                      why ? "as a bpf_link only (rtnetlink took it)" : why.error().what)};
}

Trial redirect_trial(const fastpath::Probe& p, const Target& t) {
  common::UniqueFd counter;
  if (t.peer) {
    auto c = p.attach_counter(t.peer);
    if (!c)
      return {Outcome::failed, c.error().code,
              "cannot watch the veth's peer: " + c.error().message()};
    counter = std::move(*c);
  }
  const auto wait = counter ? kArrivalWait : std::chrono::milliseconds(0);
  auto o = p.redirect(t.mac, wait);
  // A kernel that refuses live-frames test runs: the frame is received for
  // real, on a veth made beside the target for it, and redirected from
  // there (waiting for that veth's NAPI, watched or not).
  std::optional<netlink::ScratchDevice> launcher;
  if (!o && (o.error().code == EPERM || o.error().code == EACCES)) {
    auto l = netlink::ScratchDevice::create({.kind = "veth", .veth_name = fmt::format("xpl{}", ::getpid())});
    if (!l)
      return {Outcome::failed, l.error().code,
              "live frames refused, and no veth to send the frame from: " + l.error().message()};
    launcher = std::move(*l);
    o = p.redirect_from(launcher->ifindex(), launcher->peer_ifindex(), t.mac, kArrivalWait);
  }
  if (!o) return {Outcome::failed, o.error().code, o.error().message()};
  const uint64_t arrived = o->arrived + (t.scratch ? t.scratch->read_frames(PROBE_ETHERTYPE) : 0);
  const bool watched = counter || t.scratch;
  if (o->redirect_errors)
    return {Outcome::no, o->redirect_err,
            fmt::format("bpf_redirect into it failed: {}", std::strerror(o->redirect_err))};
  if (o->dropped)
    return {Outcome::no, o->xmit_err,
            o->xmit_err ? fmt::format("ndo_xdp_xmit refused the frame: {}",
                                      std::strerror(o->xmit_err))
                        : std::string("ndo_xdp_xmit dropped the frame")};
  if (arrived) return {Outcome::yes, 0, "a frame redirected into it arrived"};
  if (o->sent && t.peer)
    return {Outcome::no, 0, "ndo_xdp_xmit took the frame, but it never reached the peer"};
  if (o->sent && !watched)
    return {Outcome::yes, 0, "ndo_xdp_xmit took a redirected frame (arrival not observable)"};
  if (o->sent) return {Outcome::yes, 0, "ndo_xdp_xmit took a redirected frame"};
  return {Outcome::failed, 0, "no trace of the redirected frame (tracepoints unavailable?)"};
}

Trials try_all(const Target& t, uint32_t jumbo_mtu) {
  Trials out;
  auto p = fastpath::Probe::load(t.ifindex);
  if (!p) {
    const Trial failed{Outcome::failed, p.error().code, p.error().message()};
    return {failed, failed, failed, failed, failed};
  }
  out.native = attach_trial(*p, t, ProbeProgram::pass, XdpMode::native, "native attach");
  out.generic = attach_trial(*p, t, ProbeProgram::pass, XdpMode::generic, "generic attach");
  out.frags = attach_trial(*p, t, ProbeProgram::frags, XdpMode::native,
                           fmt::format("native xdp.frags attach at mtu {}", t.mtu));
  out.redirect = redirect_trial(*p, t);
  if (!t.scratch) {
    out.frags_jumbo = {Outcome::skipped, 0, "would change the MTU of a live device"};
  } else if (auto m = t.scratch->set_mtu(jumbo_mtu); !m) {
    out.frags_jumbo = {Outcome::skipped, m.error().code,
                       fmt::format("mtu {} refused: {}", jumbo_mtu, m.error().message())};
  } else {
    out.frags_jumbo = attach_trial(*p, t, ProbeProgram::frags, XdpMode::native,
                                   fmt::format("native xdp.frags attach at mtu {}", jumbo_mtu));
  }
  return out;
}

using SpecKey = std::tuple<std::string, bool, uint32_t>;
SpecKey key_of(const netlink::DeviceSpec& s) { return {s.kind, s.tap, s.mtu}; }

// Runs in the scratch namespace.
common::Result<Trials> on_scratch(const netlink::DeviceSpec& spec, uint32_t jumbo_mtu) {
  auto dev = netlink::ScratchDevice::create(spec);
  if (!dev) return std::unexpected(dev.error());
  auto link = netlink::link_by_index(dev->ifindex());
  if (!link) return std::unexpected(link.error());
  Target t{dev->ifindex(), link->mac, dev->peer_ifindex(), &*dev, link->mtu};
  return try_all(t, jumbo_mtu);
}

using ScratchResults = std::map<SpecKey, common::Result<Trials>>;

// Every copy in one private namespace, one after the other; identical
// devices (same kind and MTU) are tried once.
ScratchResults run_scratch(const std::map<SpecKey, netlink::DeviceSpec>& specs,
                           uint32_t jumbo_mtu) {
  if (specs.empty()) return {};
  auto all = common::in_new_netns<ScratchResults>([&]() -> common::Result<ScratchResults> {
    ScratchResults out;
    for (const auto& [key, spec] : specs) out.emplace(key, on_scratch(spec, jumbo_mtu));
    return out;
  });
  if (all) return std::move(*all);
  ScratchResults out;
  for (const auto& [key, spec] : specs) out.emplace(key, std::unexpected(all.error()));
  return out;
}

Trials all_busy(const DeviceReport& r) {
  const Trial busy{Outcome::busy, 0,
                   fmt::format("an XDP program ({}, id {}) is attached: left alone",
                               r.xdp_mode, r.xdp_prog_id)};
  return {busy, busy, busy, busy, busy};
}

DeviceReport describe(const netlink::Link& l,
                      const common::Result<std::map<uint32_t, netlink::XdpFeatures>>& features) {
  DeviceReport r;
  r.ifindex = l.ifindex;
  r.name = l.name;
  r.kind = l.kind;
  r.mtu = l.mtu;
  if (auto d = netlink::driver_info(l.name)) {
    r.has_driver = true;
    r.driver = d->driver;
    r.driver_version = d->version;
    r.firmware = d->firmware;
    r.bus_info = d->bus_info;
  } else {
    r.driver_error = d.error().message();
  }
  if (!features) {
    r.advertised_error = features.error().message();
  } else if (auto f = features->find(l.ifindex); f != features->end()) {
    r.advertised = f->second.flags;
    r.zc_max_segs = f->second.zc_max_segs;
  } else {
    r.advertised_error = "the kernel reported nothing for this device";
  }
  if (auto a = fastpath::xdp_attachment(l.ifindex)) {
    r.xdp_mode = a->mode;
    r.xdp_prog_id = a->prog_id;
  } else {
    r.xdp_mode = "unknown";
  }
  return r;
}

netlink::DeviceSpec spec_of(const DeviceReport& r) {
  return {r.kind, r.kind == "tun" && r.bus_info == "tap", r.mtu};
}

}  // namespace

common::Result<std::vector<DeviceReport>> run(const Options& o) {
  std::vector<netlink::Link> links;
  if (o.dev) {
    auto one = netlink::link_by_name(*o.dev);
    if (!one) return std::unexpected(one.error());
    links.push_back(std::move(*one));
  } else {
    auto all = netlink::dump_links();
    if (!all) return std::unexpected(all.error());
    links = std::move(*all);
  }
  // The same read routerd decides on: one dump of the netdev family.
  const auto features = netlink::dump_xdp_features();

  std::vector<DeviceReport> reports;
  std::map<SpecKey, netlink::DeviceSpec> specs;
  for (const netlink::Link& l : links) {
    reports.push_back(describe(l, features));
    if (!l.kind.empty()) {
      const auto spec = spec_of(reports.back());
      specs.emplace(key_of(spec), spec);
    }
  }
  const ScratchResults scratch = run_scratch(specs, o.jumbo_mtu);

  for (size_t i = 0; i < reports.size(); ++i) {
    DeviceReport& r = reports[i];
    std::string no_copy = "no scratch copy of a device without a kind (a NIC, lo)";
    if (!r.kind.empty()) {
      const auto spec = spec_of(r);
      const auto& trials = scratch.at(key_of(spec));
      if (trials) {
        r.where = Where::scratch;
        r.where_detail = fmt::format("tried on a fresh {} (mtu {}) in a private network namespace",
                                     spec.tap ? "tap" : spec.kind, spec.mtu);
        r.trials = *trials;
        continue;
      }
      no_copy = "cannot make a scratch " + r.kind + ": " + trials.error().message();
    }
    if (!o.active) {
      r.where_detail = "not tried: " + no_copy + "; --active tries the device itself";
      const Trial skipped{Outcome::skipped, 0, "not tried on a live device without --active"};
      r.trials = {skipped, skipped, skipped, skipped, skipped};
      continue;
    }
    r.where = Where::live;
    r.where_detail = "tried on the device itself (--active): " + no_copy;
    if (r.xdp_mode != "none") {
      r.trials = all_busy(r);
      continue;
    }
    Target t{r.ifindex, links[i].mac, 0, nullptr, r.mtu};
    r.trials = try_all(t, o.jumbo_mtu);
  }
  return reports;
}

}  // namespace probe
