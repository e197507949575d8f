// routerd's decision function, table by table: observed links and
// fast-path state in, actions and reasons out.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "routerd/core.h"
#include "routerd/plane.h"

using routerd::Action;
using routerd::ActionKind;
using routerd::FastpathView;
using routerd::InterfaceStatus;
using routerd::LinkView;
using routerd::Observed;
using routerd::Plan;
using routerd::XdpMode;

namespace {

constexpr uint64_t kBasic = 1 << 0, kRedirect = 1 << 1, kNdoXmit = 1 << 2, kRxSg = 1 << 5,
                   kNdoXmitSg = 1 << 6;
constexpr uint64_t kVethReady = kBasic | kRedirect | kNdoXmit | kRxSg | kNdoXmitSg;
constexpr uint64_t kVethNoNapi = kBasic | kRedirect | kRxSg;

routerd::Config config(XdpMode mode = XdpMode::automatic) {
  routerd::Config c;
  c.interfaces.push_back({"eth*", mode, 3});
  return c;
}

LinkView veth(uint32_t ifindex, const std::string& name, uint64_t features = kVethReady) {
  LinkView l;
  l.ifindex = ifindex;
  l.name = name;
  l.mac = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(ifindex)};
  l.up = l.lower_up = true;
  l.veth = true;
  l.xdp_features = features;
  return l;
}

// The fast path as it is once `l` is attached in `mode` and an egress.
FastpathView running(const LinkView& l, XdpMode mode = XdpMode::native, bool egress = true) {
  return {.attached = mode,
          .egress = egress,
          .configured = true,
          .settings = {.mac = l.mac,
                       .xmit_sg = l.xdp_features && (*l.xdp_features & kNdoXmitSg)}};
}

Observed with(std::initializer_list<LinkView> links) {
  Observed o;
  for (const auto& l : links) {
    o.links[l.ifindex] = l;
    if (l.veth) o.memory.peers_prepared.insert(l.ifindex);
  }
  return o;
}

std::vector<std::string> kinds(const Plan& p) {
  std::vector<std::string> out;
  for (const Action& a : p.actions)
    out.push_back(std::string(routerd::to_string(a.kind)) + " " + a.name);
  return out;
}

const routerd::InterfaceStatus& status(const Plan& p, uint32_t ifindex) {
  auto it = std::find_if(p.status.begin(), p.status.end(),
                         [&](const auto& s) { return s.ifindex == ifindex; });
  REQUIRE(it != p.status.end());
  return *it;
}

using Kinds = std::vector<std::string>;

}  // namespace

TEST_CASE("a new managed veth: peer, attach, egress — in that order") {
  Observed o = with({veth(2, "eth0")});
  o.memory.peers_prepared.clear();
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"prepare-peer eth0", "attach eth0", "add-egress eth0"});
  CHECK(p.actions[1].mode == XdpMode::native);
  CHECK(p.actions[1].settings.xmit_sg);
  CHECK(status(p, 2).managed);
  CHECK(status(p, 2).managed_reason == "matches \"eth*\" (line 3)");
}

TEST_CASE("a link in its desired state needs nothing: the plan is idempotent") {
  const LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l);
  CHECK(routerd::plan(config(), {}, o).actions.empty());
}

TEST_CASE("auto picks native where the driver advertises it, else generic") {
  struct Case {
    std::optional<uint64_t> features;
    XdpMode mode;
    const char* reason;
  };
  const Case cases[] = {
      {kVethReady, XdpMode::native, "auto: driver advertises native XDP"},
      {kNdoXmit, XdpMode::generic, "auto: driver does not advertise native XDP"},
      {std::nullopt, XdpMode::native, "auto: XDP features unknown, trying native"},
  };
  for (const Case& c : cases) {
    LinkView l = veth(2, "eth0");
    l.veth = false;
    l.xdp_features = c.features;
    Plan p = routerd::plan(config(), {}, with({l}));
    CAPTURE(c.reason);
    REQUIRE_FALSE(p.actions.empty());
    CHECK(p.actions[0].kind == ActionKind::attach);
    CHECK(p.actions[0].mode == c.mode);
    CHECK(status(p, 2).mode_reason == c.reason);
  }
}

TEST_CASE("a configured mode is used as is") {
  Plan p = routerd::plan(config(XdpMode::generic), {}, with({veth(2, "eth0")}));
  REQUIRE(p.actions.size() == 2);
  CHECK(p.actions[0].mode == XdpMode::generic);
}

TEST_CASE("an attached link in another mode is re-attached") {
  const LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l, XdpMode::generic);
  Plan p = routerd::plan(config(XdpMode::native), {}, o);
  CHECK(kinds(p) == Kinds{"attach eth0"});
}

TEST_CASE("what leaves the DEVMAP, and why") {
  struct Case {
    const char* what;
    void (*change)(LinkView&);
    const char* blocker;
  };
  const Case cases[] = {
      {"down", [](LinkView& l) { l.up = false; }, "interface is down"},
      {"no carrier", [](LinkView& l) { l.lower_up = false; }, "no carrier"},
      {"veth peer lost NAPI", [](LinkView& l) { l.xdp_features = kVethNoNapi; },
       "veth peer has no NAPI (needs GRO or XDP on the peer)"},
      {"driver without ndo-xmit",
       [](LinkView& l) {
         l.veth = false;
         l.xdp_features = kBasic;
       },
       "driver does not advertise ndo-xmit"},
      {"features unknown", [](LinkView& l) { l.xdp_features.reset(); }, "XDP features unknown"},
      {"a shaping qdisc", [](LinkView& l) { l.egress_qdisc = "tbf"; },
       "qdisc tbf on its egress: a redirect would bypass it"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    LinkView l = veth(2, "eth0");
    Observed o = with({l});
    o.fastpath[2] = running(l);
    c.change(o.links[2]);
    o.fastpath[2].settings.xmit_sg = o.links[2].xdp_features && (*o.links[2].xdp_features & kNdoXmitSg);
    Plan p = routerd::plan(config(), {}, o);
    REQUIRE_FALSE(p.actions.empty());
    CHECK(p.actions[0].kind == ActionKind::remove_egress);
    CHECK(p.actions[0].reason == c.blocker);
    CHECK(status(p, 2).egress_blocker == c.blocker);
    // Flaps never detach: the program stays, only the DEVMAP changes.
    for (const Action& a : p.actions) CHECK(a.kind != ActionKind::forget);
  }
}

TEST_CASE("a link coming back up returns to the DEVMAP") {
  const LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l, XdpMode::native, false);
  CHECK(kinds(routerd::plan(config(), {}, o)) == Kinds{"add-egress eth0"});
}

TEST_CASE("a deleted link's state is forgotten") {
  Observed o = with({});
  o.fastpath[7] = {.attached = XdpMode::native, .egress = true, .configured = true};
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"forget ifindex 7"});
  CHECK(p.actions[0].reason == "interface is gone");
}

TEST_CASE("a rename out of the configured names detaches") {
  LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l);
  o.links[2].name = "wan0";
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"forget wan0"});
  CHECK_FALSE(status(p, 2).managed);
}

TEST_CASE("an MTU change needs nothing; an address or feature change rewrites the entry") {
  LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l);
  o.links[2].mtu = 9000;
  CHECK(routerd::plan(config(), {}, o).actions.empty());
  o.links[2].mac[5] = 0x99;
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"configure eth0"});
  CHECK(p.actions[0].settings.mac[5] == 0x99);
  o.fastpath[2].settings.mac = o.links[2].mac;
  o.links[2].xdp_features = kVethReady & ~kNdoXmitSg;
  p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"configure eth0"});
  CHECK_FALSE(p.actions[0].settings.xmit_sg);
}

TEST_CASE("a down link is not attached until it comes up") {
  LinkView l = veth(2, "eth0");
  l.up = false;
  Plan p = routerd::plan(config(), {}, with({l}));
  CHECK(p.actions.empty());
  CHECK(status(p, 2).egress_blocker == "interface is down");
}

TEST_CASE("non-Ethernet and unmatched links are not managed") {
  LinkView lo = veth(1, "eth-lo");
  lo.ethernet = false;
  lo.veth = false;
  Plan p = routerd::plan(config(), {}, with({lo, veth(3, "wan0")}));
  CHECK(p.actions.empty());
  CHECK(status(p, 1).managed_reason == "not an Ethernet device");
  CHECK(status(p, 3).managed_reason == "matches no [[interface]] in the configuration");
}

TEST_CASE("routerctl overrides win over the configuration") {
  const LinkView l = veth(2, "eth0");
  Observed o = with({l, veth(3, "wan0")});
  o.fastpath[2] = running(l);
  routerd::Overrides ov{{"eth0", std::nullopt}, {"wan0", XdpMode::generic}};
  Plan p = routerd::plan(config(), ov, o);
  CHECK(kinds(p) == Kinds{"forget eth0", "attach wan0", "add-egress wan0"});
  CHECK(status(p, 2).managed_reason == "switched off with routerctl");
  CHECK(p.actions[1].mode == XdpMode::generic);
}

TEST_CASE("a failed attach is not retried in the same mode until something changes") {
  Observed o = with({veth(2, "eth0")});
  o.memory.attach_failures[2] = {XdpMode::native, "driver refused"};
  Plan p = routerd::plan(config(), {}, o);
  CHECK(p.actions.empty());
  CHECK(status(p, 2).error == "driver refused");
  CHECK(status(p, 2).egress_blocker == "fast path not attached");
  // Another mode is another attempt.
  p = routerd::plan(config(XdpMode::generic), {}, o);
  CHECK(kinds(p) == Kinds{"attach eth0", "add-egress eth0"});
}

TEST_CASE("a veth's peer is prepared only once it is up (carrier)") {
  // The kernel keeps ndo-xmit off a veth whose peer got GRO while down.
  LinkView l = veth(2, "eth0", kVethNoNapi);
  l.lower_up = false;
  Observed o = with({l});
  o.memory.peers_prepared.clear();
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"attach eth0"});
  CHECK(status(p, 2).egress_blocker == "no carrier");
  o.links[2].lower_up = true;
  o.fastpath[2] = running(l, XdpMode::native, false);
  CHECK(kinds(routerd::plan(config(), {}, o)) == Kinds{"prepare-peer eth0"});
}

TEST_CASE("a veth whose peer cannot be prepared is reported, not retried, not used") {
  // Its frames may carry partial checksums; frames sent to it may vanish.
  const LinkView l = veth(2, "eth0");  // ndo-xmit: GRO on, but maybe TX checksum too
  Observed o = with({l});
  o.memory.peers_prepared.clear();
  o.memory.peer_failures[2] = "cannot reach the namespace";
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p).empty());
  CHECK(status(p, 2).managed);
  CHECK(status(p, 2).error == "cannot reach the namespace");
  CHECK_FALSE(status(p, 2).egress);
  CHECK(status(p, 2).egress_blocker == "veth peer not prepared (GRO on, TX checksum and VLAN offload off)");

  SUBCASE("one in use leaves the DEVMAP first, then the fast path") {
    o.fastpath[2] = running(l);
    CHECK(kinds(routerd::plan(config(), {}, o)) == Kinds{"remove-egress eth0", "forget eth0"});
  }
  SUBCASE("a new peer (the failure forgotten) is prepared, then used") {
    o.memory.peer_failures.clear();
    CHECK(kinds(routerd::plan(config(), {}, o)) ==
          Kinds{"prepare-peer eth0", "attach eth0", "add-egress eth0"});
  }
}

TEST_CASE("removals come first, additions last") {
  LinkView a = veth(2, "eth0"), b = veth(3, "eth1"), c = veth(4, "eth2");
  Observed o = with({a, b, c});
  o.fastpath[2] = running(a);
  o.fastpath[3] = running(b, XdpMode::native, false);
  o.links[2].up = false;
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"remove-egress eth0", "attach eth2", "add-egress eth1",
                          "add-egress eth2"});
}

TEST_CASE("a change in the kernel's checks rewrites the entry") {
  LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l);
  auto changed = [&](auto edit) {
    edit(o.links[2].checks);
    Plan p = routerd::plan(config(), {}, o);
    CHECK(kinds(p) == Kinds{"configure eth0"});
    CHECK(p.actions[0].settings.checks == o.links[2].checks);
    o.fastpath[2].settings.checks = o.links[2].checks;
    CHECK(routerd::plan(config(), {}, o).actions.empty());
  };
  changed([](auto& c) { c.rp_filter = 1; });
  changed([](auto& c) { c.accept_local = true; });
  changed([](auto& c) { c.ipv4_address = false; });
  changed([](auto& c) { c.ipv6_disabled = true; });
  changed([](auto& c) { c.ipv6_forwarding = false; });
}

TEST_CASE("an attach carries the kernel's checks") {
  LinkView l = veth(2, "eth0");
  l.checks.rp_filter = 2;
  l.checks.ipv6_disabled = true;
  Plan p = routerd::plan(config(), {}, with({l}));
  REQUIRE_FALSE(p.actions.empty());
  CHECK(p.actions[0].kind == ActionKind::attach);
  CHECK(p.actions[0].settings.checks == l.checks);
}

TEST_CASE("an interface whose kernel settings were never read is left to the kernel") {
  LinkView l = veth(2, "eth0");
  l.checks_known = false;
  Observed o = with({l});
  Plan p = routerd::plan(config(), {}, o);
  CHECK(p.actions.empty());
  CHECK_FALSE(status(p, 2).managed);
  CHECK(status(p, 2).managed_reason.find("cannot be read") != std::string::npos);
  o.fastpath[2] = running(l);
  CHECK(kinds(routerd::plan(config(), {}, o)) == Kinds{"forget eth0"});
}

TEST_CASE("an interface with tc filters is left to the kernel, attached or not") {
  LinkView l = veth(2, "eth0");
  Observed o = with({l});
  o.fastpath[2] = running(l);
  o.links[2].tc_filters = true;
  Plan p = routerd::plan(config(), {}, o);
  CHECK(kinds(p) == Kinds{"forget eth0"});
  CHECK_FALSE(status(p, 2).managed);
  CHECK(status(p, 2).managed_reason.find("tc filters run on it") == 0);
  o.fastpath.clear();
  CHECK(routerd::plan(config(), {}, o).actions.empty());
}

TEST_CASE("bridge ports are refused, even when a glob or routerctl names them") {
  LinkView br = veth(2, "eth-br"), port = veth(3, "eth1");
  br.veth = false;
  port.master = 2;
  Observed o = with({br, port});
  for (const routerd::Overrides& ov :
       {routerd::Overrides{}, routerd::Overrides{{"eth1", XdpMode::native}}}) {
    Plan p = routerd::plan(config(), ov, o);
    CHECK(kinds(p) == Kinds{"attach eth-br", "add-egress eth-br"});
    CHECK_FALSE(status(p, 3).managed);
    CHECK(status(p, 3).managed_reason ==
          "a port of eth-br: eth-br routes its traffic (manage eth-br instead)");
  }
  // Enslaved while attached: its state goes.
  o.fastpath[3] = running(port);
  CHECK(kinds(routerd::plan(config(), {}, o)) ==
        Kinds{"forget eth1", "attach eth-br", "add-egress eth-br"});
}

TEST_CASE("an interface's status reads back from its control-API form") {
  InterfaceStatus st{7, "eth7", true, "matches \"eth*\" (line 3)", XdpMode::generic,
                     "auto: driver does not advertise native XDP", false, "no carrier",
                     "attach failed"};
  const InterfaceStatus back = routerd::status_from_json(routerd::to_json(st));
  CHECK(back.ifindex == st.ifindex);
  CHECK(back.name == st.name);
  CHECK(back.managed == st.managed);
  CHECK(back.managed_reason == st.managed_reason);
  CHECK(back.mode == st.mode);
  CHECK(back.mode_reason == st.mode_reason);
  CHECK(back.egress == st.egress);
  CHECK(back.egress_blocker == st.egress_blocker);
  CHECK(back.error == st.error);
  // An egress carries no blocker; an unmanaged interface no mode.
  st.egress = true;
  CHECK(routerd::status_from_json(routerd::to_json(st)).egress);
  CHECK_FALSE(routerd::to_json(st).contains("egress_blocker"));
  CHECK_FALSE(routerd::to_json(InterfaceStatus{1, "lo", false, "not an Ethernet device"})
                  .contains("mode"));
}

TEST_CASE("the kernel's policy as the fast path keeps it: a gate only with conntrack's settings") {
  const netlink::ForwardFirewall stateful_v4{{true, true}, {true, false}};
  const netlink::ConntrackSettings ct{true, 432000, 120};
  const fastpath::Policy gated = routerd::fastpath_policy({false, true}, stateful_v4, ct);
  CHECK(gated.ipv4 == fastpath::Policy::Family{false, true, true});
  CHECK(gated.ipv6 == fastpath::Policy::Family{true, true, false});
  CHECK(gated.tcp_liberal);
  CHECK(gated.tcp_established_s == 432000);
  CHECK(gated.udp_stream_s == 120);
  // Unreadable settings: no gate, and nothing of conntrack kept.
  const fastpath::Policy ungated = routerd::fastpath_policy({}, stateful_v4, std::nullopt);
  CHECK(ungated.ipv4 == fastpath::Policy::Family{false, true, false});
  CHECK_FALSE(ungated.tcp_liberal);
  CHECK(ungated.tcp_established_s == 0);
  CHECK(routerd::fastpath_policy({}, {}, ct) == fastpath::Policy{{}, {}, true, 432000, 120});
}
