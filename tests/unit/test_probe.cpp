// xdp-probe's report: which disagreements are mismatches, the JSON keys the
// README documents, and the text table's layout.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netlink/xdp_act.h"
#include "probe/report.h"

namespace {

using probe::Outcome;
using probe::Trial;
namespace act = netlink::xdp_act;

const Trial kYes{Outcome::yes, 0, "accepted"};
const Trial kNo{Outcome::no, EOPNOTSUPP, "refused"};

// A veth as the probe sees it on this machine: everything tried and taken.
probe::DeviceReport veth() {
  probe::DeviceReport r;
  r.ifindex = 7;
  r.name = "eth-h1";
  r.kind = "veth";
  r.mtu = 1500;
  r.has_driver = true;
  r.driver = "veth";
  r.driver_version = "1.0";
  r.advertised = act::basic | act::redirect | act::rx_sg | act::ndo_xmit;
  r.where = probe::Where::scratch;
  r.where_detail = "tried on a fresh veth (mtu 1500) in a private network namespace";
  r.trials = {kYes, kYes, kYes, kYes, kYes};
  return r;
}

const probe::Row& row(const std::vector<probe::Row>& rows, std::string_view feature) {
  for (const auto& r : rows)
    if (r.feature == feature) return r;
  FAIL("no row " << feature);
  return rows.front();
}

std::string render(cli::Format f, const std::vector<probe::DeviceReport>& reports) {
  cli::Output out(f, nullptr);
  probe::print(out, reports);
  return out.render();
}

}  // namespace

TEST_CASE("advertised and detected that agree are no mismatch") {
  CHECK(probe::mismatches(veth()) == 0);
  auto r = veth();
  r.advertised = 0;
  r.trials = {kNo, kYes, kNo, kNo, kNo};
  CHECK(probe::mismatches(r) == 0);
}

TEST_CASE("a device that does not advertise basic but takes a native program is flagged") {
  auto r = veth();
  r.advertised = act::ndo_xmit | act::rx_sg;
  const auto rows = probe::rows(r);
  CHECK(row(rows, "basic").mismatch);
  CHECK(row(rows, "basic").trial == "native");
  CHECK(probe::mismatches(r) == 1);
}

TEST_CASE("advertising ndo-xmit while the redirect test fails is flagged") {
  auto r = veth();
  r.kind = "";  // a NIC: no known reason
  r.trials.redirect = {Outcome::no, ENXIO, "ndo_xdp_xmit refused the frame"};
  const auto& x = row(probe::rows(r), "ndo-xmit");
  CHECK(x.mismatch);
  CHECK(x.trial == "redirect");
  CHECK(x.note.empty());
}

TEST_CASE("rx-sg is compared with xdp.frags at a jumbo MTU") {
  auto r = veth();
  r.trials.frags_jumbo = kNo;
  CHECK(row(probe::rows(r), "rx-sg").mismatch);
  r.advertised = *r.advertised & ~act::rx_sg;
  CHECK_FALSE(row(probe::rows(r), "rx-sg").mismatch);
}

TEST_CASE("trials that did not decide, and unknown advertisements, flag nothing") {
  for (Outcome o : {Outcome::busy, Outcome::skipped, Outcome::failed}) {
    auto r = veth();
    r.advertised = 0;
    const Trial t{o, 0, "not tried"};
    r.trials = {t, t, t, t, t};
    CHECK(probe::mismatches(r) == 0);
  }
  auto r = veth();
  r.advertised.reset();
  r.trials = {kNo, kNo, kNo, kNo, kNo};
  CHECK(probe::mismatches(r) == 0);
  CHECK_FALSE(row(probe::rows(r), "basic").advertised.has_value());
}

TEST_CASE("a veth's missing ndo-xmit comes with the reason") {
  auto r = veth();
  r.advertised = act::basic | act::redirect | act::rx_sg;  // peer without NAPI
  const auto& x = row(probe::rows(r), "ndo-xmit");
  CHECK(x.mismatch);
  CHECK(x.note.find("peer has NAPI") != std::string::npos);
  r.trials.native = {Outcome::no, ERANGE, "veth: Peer MTU is too large to set XDP"};
  CHECK(row(probe::rows(r), "basic").note.find("fits a page") != std::string::npos);
}

TEST_CASE("features without a trial, and trials without a feature, are listed") {
  const auto rows = probe::rows(veth());
  REQUIRE(rows.size() == 9);
  for (std::string_view f : {"redirect", "ndo-xmit-sg", "xsk-zerocopy", "hw-offload"}) {
    CHECK(row(rows, f).detected == nullptr);
    CHECK_FALSE(row(rows, f).mismatch);
  }
  CHECK(row(rows, "redirect").advertised == true);
  CHECK(row(rows, "hw-offload").advertised == false);
  CHECK_FALSE(row(rows, "generic").advertised.has_value());
  CHECK_FALSE(row(rows, "frags").advertised.has_value());
}

TEST_CASE("JSON carries the documented keys") {
  auto busy = veth();
  busy.name = "eth0";
  busy.kind = "";
  busy.has_driver = false;
  busy.driver_error = "cannot read the driver of eth0";
  busy.advertised.reset();
  busy.advertised_error = "no netdev family";
  busy.xdp_mode = "native";
  busy.xdp_prog_id = 42;
  busy.where = probe::Where::live;
  const Trial t{Outcome::busy, 0, "an XDP program is attached"};
  busy.trials = {t, t, t, t, t};
  auto mismatched = veth();
  mismatched.advertised = act::rx_sg | act::ndo_xmit;  // basic missing

  const auto j = nlohmann::json::parse(render(cli::Format::json, {veth(), busy, mismatched}));
  CHECK(j.at("mismatches") == 1);
  const auto& list = j.at("interfaces");
  REQUIRE(list.size() == 3);
  const auto& v = list[0];
  for (const char* key : {"ifname", "ifindex", "kind", "mtu", "driver", "xdp", "detected_on",
                          "detected_on_detail", "advertised", "xdp_zc_max_segs", "features",
                          "mismatches"})
    CHECK_MESSAGE(v.contains(key), key);
  CHECK(v["driver"] == nlohmann::json{{"name", "veth"}, {"version", "1.0"},
                                      {"firmware", ""}, {"bus_info", ""}});
  CHECK(v["xdp"] == nlohmann::json{{"mode", "none"}, {"prog_id", 0}});
  CHECK(v["detected_on"] == "scratch");
  CHECK(v["advertised"] == nlohmann::json{"basic", "redirect", "ndo-xmit", "rx-sg"});
  REQUIRE(v["features"].size() == 9);
  for (const auto& f : v["features"])
    for (const char* key : {"feature", "advertised", "trial", "detected", "detail", "errno",
                            "mismatch"})
      CHECK_MESSAGE(f.contains(key), key);
  CHECK(v["features"][0]["feature"] == "basic");
  CHECK(v["features"][0]["trial"] == "native");
  CHECK(v["features"][0]["detected"] == "yes");
  CHECK(v["features"][3]["trial"].is_null());
  CHECK(v["features"][3]["detected"] == "not_tested");
  CHECK(v["features"][7]["advertised"].is_null());

  const auto& b = list[1];
  CHECK(b["kind"] == "device");
  CHECK(b["driver"].is_null());
  CHECK(b["driver_error"] == "cannot read the driver of eth0");
  CHECK(b["advertised"].is_null());
  CHECK(b["advertised_error"] == "no netdev family");
  CHECK(b["xdp"]["mode"] == "native");
  CHECK(b["xdp"]["prog_id"] == 42);
  CHECK(b["detected_on"] == "live");
  CHECK(b["features"][0]["detected"] == "busy");
  CHECK(b["mismatches"] == 0);

  const auto& m = list[2];
  CHECK(m["mismatches"] == 1);
  CHECK(m["features"][0]["mismatch"] == true);
  CHECK(m["features"][0]["advertised"] == false);
}

TEST_CASE("the text table: a header per device, aligned columns, mismatches marked") {
  auto r = veth();
  r.advertised = act::basic | act::redirect | act::rx_sg;
  r.trials.native = {Outcome::no, EOPNOTSUPP, "native attach refused: no"};
  const std::string text = render(cli::Format::text, {r});
  const std::string expected =
      "eth-h1 (ifindex 7): veth, mtu 1500, driver veth 1.0, xdp none\n"
      "    tried on a fresh veth (mtu 1500) in a private network namespace\n"
      "      feature       advertised  detected\n"
      "    ! basic         yes         no        native attach refused: no (EOPNOTSUPP)\n"
      "    ! ndo-xmit      no          yes       accepted\n"
      "        note: a veth advertises ndo-xmit only while its peer has NAPI (GRO or an XDP "
      "program on the peer); the copy's peer had an XDP program\n"
      "      rx-sg         yes         yes       accepted\n"
      "      redirect      yes         -\n"
      "      ndo-xmit-sg   no          -\n"
      "      xsk-zerocopy  no          -\n"
      "      hw-offload    no          -\n"
      "      generic       -           yes       accepted\n"
      "      frags         -           yes       accepted\n"
      "    2 mismatch(es), marked !\n";
  CHECK(text == expected);
}
