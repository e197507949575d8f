// Carrying out the core's actions.
#include "routerd/plane.h"

#include <set>

#include "common/log.h"
#include "netlink/veth.h"

namespace routerd {
namespace {

constexpr std::string_view kLog = "routerd";

fastpath::Interface iface_of(const Action& a) {
  return {a.ifindex, a.name, a.settings};
}

common::Result<void> run(const Action& a, fastpath::Fastpath& fp,
                         const std::map<uint32_t, netlink::Link>& links, Memory& memory) {
  switch (a.kind) {
    case ActionKind::prepare_peer: {
      auto it = links.find(a.ifindex);
      if (it == links.end()) return {};
      auto setup = netlink::prepare_veth_peer(it->second);
      if (!setup) {
        memory.peer_failures[a.ifindex] = setup.error().message();
        return std::unexpected(setup.error());
      }
      memory.peers_prepared.insert(a.ifindex);
      if (setup->changed)
        common::log::info(kLog, "{}: peer {} set up: gro on, tx-checksum off, tx-vlan off", a.name,
                          setup->peer);
      return {};
    }
    case ActionKind::attach: {
      auto used = fp.attach(iface_of(a), a.mode);
      if (!used) {
        memory.attach_failures[a.ifindex] = {a.mode, used.error().message()};
        return std::unexpected(used.error());
      }
      memory.attach_failures.erase(a.ifindex);
      common::log::info(kLog, "{}: fast path attached ({}; {})", a.name,
                        fastpath::to_string(*used), a.reason);
      return {};
    }
    case ActionKind::configure:
      return fp.configure(iface_of(a));
    case ActionKind::add_egress:
      if (auto r = fp.add_egress(iface_of(a)); !r) return r;
      common::log::info(kLog, "{}: egress ({})", a.name, a.reason);
      return {};
    case ActionKind::remove_egress:
      if (auto r = fp.remove_egress(a.ifindex); !r) return r;
      common::log::info(kLog, "{}: not an egress: {}", a.name, a.reason);
      return {};
    case ActionKind::forget:
      if (auto r = fp.forget(a.ifindex); !r) return r;
      common::log::info(kLog, "{}: fast path removed ({})", a.name, a.reason);
      return {};
  }
  return {};
}

}  // namespace

Outcome execute(const std::vector<Action>& actions, fastpath::Fastpath& fp,
                const std::map<uint32_t, netlink::Link>& links, Memory& memory) {
  Outcome out;
  std::set<uint32_t> unprepared;  // veths whose peer failed: nothing more for them
  for (const Action& a : actions) {
    if (unprepared.count(a.ifindex) && a.kind != ActionKind::remove_egress &&
        a.kind != ActionKind::forget) {
      ++out.skipped;
      continue;
    }
    common::log::debug(kLog, "{} {} ({})", to_string(a.kind), a.name, a.reason);
    if (auto r = run(a, fp, links, memory); !r) {
      ++out.failed;
      if (a.kind == ActionKind::prepare_peer) unprepared.insert(a.ifindex);
      out.failures.push_back({a, r.error()});
    } else {
      ++out.applied;
    }
  }
  return out;
}

}  // namespace routerd
