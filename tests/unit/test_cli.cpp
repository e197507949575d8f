// The ip(8)-style grammar and the shared text/JSON printing layer.
#include <doctest/doctest.h>

#include <array>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/output.h"

namespace {

struct Ctx {};
using Cmd = cli::Command<Ctx>;
int nop(Ctx&, cli::Args&) { return 0; }

const std::array<Cmd, 4> kTable{{
    {"link", "", nop, false},
    {"show", "", nop, true},
    {"set", "", nop, false},
    {"stats", "", nop, false},
}};

}  // namespace

TEST_CASE("commands match by name and by unambiguous prefix") {
  auto m = [](const char* w) { return cli::match<Cmd>(kTable, w); };
  CHECK((*m("link"))->name == "link");
  CHECK((*m("l"))->name == "link");
  CHECK((*m("sho"))->name == "show");
  CHECK((*m("se"))->name == "set");
  CHECK((*m("sta"))->name == "stats");
  CHECK((*m("s"))->name == "show");  // the preferred reading of "s"
  CHECK_FALSE(m("x").has_value());
  CHECK_FALSE(m("").has_value());
  CHECK_FALSE(m("linkx").has_value());
}

TEST_CASE("an abbreviation shared by commands of equal standing is refused") {
  const std::array<Cmd, 2> t{{{"stats", "", nop, false}, {"set", "", nop, false}}};
  auto r = cli::match<Cmd>(t, "s");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().what.find("ambiguous") != std::string::npos);
}

TEST_CASE("keyword arguments") {
  SUBCASE("keywords, abbreviations and a bare device name") {
    cli::Args a({"eth0", "fast", "native"});
    cli::Keywords kw({"dev", "fastpath"});
    REQUIRE(kw.parse(a, "dev"));
    CHECK(kw.get("dev") == "eth0");
    CHECK(kw.get("fastpath") == "native");
  }
  SUBCASE("a keyword without its value") {
    cli::Args a({"dev"});
    cli::Keywords kw({"dev"});
    CHECK_FALSE(kw.parse(a).has_value());
  }
  SUBCASE("an unknown keyword") {
    cli::Args a({"dev", "eth0", "colour", "red"});
    cli::Keywords kw({"dev"});
    CHECK_FALSE(kw.parse(a, "dev").has_value());
  }
  SUBCASE("a keyword given twice") {
    cli::Args a({"dev", "a", "dev", "b"});
    cli::Keywords kw({"dev"});
    CHECK_FALSE(kw.parse(a).has_value());
  }
}

TEST_CASE("text and JSON come from the same calls") {
  auto emit = [](cli::Format f) {
    cli::Output out(f, nullptr);
    out.open_array("links");
    out.open_object();
    out.field("ifname", std::string("eth0"), "{}:");
    out.field("mtu", 1500, " mtu {}");
    out.field("egress", true, "");
    out.newline();
    out.close_object();
    out.close_array();
    return out.render();
  };
  CHECK(emit(cli::Format::text) == "eth0: mtu 1500\n");
  const auto doc = nlohmann::json::parse(emit(cli::Format::json));
  REQUIRE(doc["links"].is_array());
  CHECK(doc["links"][0]["ifname"] == "eth0");
  CHECK(doc["links"][0]["mtu"] == 1500);
  CHECK(doc["links"][0]["egress"] == true);
  CHECK(nlohmann::json::parse(emit(cli::Format::pretty)) == doc);
}
