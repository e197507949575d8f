// The report's rows, mismatches and printing.
#include "probe/report.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "netlink/xdp_act.h"

namespace probe {
namespace {

namespace act = netlink::xdp_act;

std::string_view feature_name(uint64_t bit) {
  for (auto [b, name] : act::names)
    if (b == bit) return name;
  return "?";
}

std::optional<bool> advertises(const DeviceReport& r, uint64_t bit) {
  if (!r.advertised) return std::nullopt;
  return (*r.advertised & bit) != 0;
}

bool decided(const Trial& t) { return t.outcome == Outcome::yes || t.outcome == Outcome::no; }

Row compared(const DeviceReport& r, uint64_t bit, std::string_view trial_name,
             const Trial& trial) {
  Row row{feature_name(bit), advertises(r, bit), trial_name, &trial, false, {}};
  row.mismatch = row.advertised && decided(trial) && *row.advertised != (trial.outcome == Outcome::yes);
  if (!row.mismatch) return row;
  // Known reasons, so a reader does not hunt for a bug that is none.
  if (bit == act::ndo_xmit && r.kind == "veth" && !*row.advertised)
    row.note = "a veth advertises ndo-xmit only while its peer has NAPI (GRO or an XDP "
               "program on the peer); the copy's peer had an XDP program";
  else if (bit == act::basic && r.kind == "veth" && trial.err == ERANGE)
    row.note = "a veth takes a program without xdp.frags only while its peer's MTU fits "
               "a page (about 3.5 KB)";
  return row;
}

std::string errno_name(int err) {
  if (err == 0) return {};
  const char* name = strerrorname_np(err);
  return name ? name : fmt::format("errno {}", err);
}

// A yes/no/- column: JSON gets true, false or null.
void yes_no(cli::Output& out, std::string_view key, std::optional<bool> v, std::string_view fmt) {
  if (out.json()) {
    if (v) out.field(key, *v, "");
    else out.field(key, nullptr, "");
    return;
  }
  out.text(fmt::format(fmt::runtime(fmt), v ? (*v ? "yes" : "no") : "-"));
}

void print_row(cli::Output& out, const Row& row) {
  out.open_object();
  out.text(row.mismatch ? "    ! " : "      ");
  out.field("feature", row.feature, "{:<14}");
  yes_no(out, "advertised", row.advertised, "{:<12}");
  if (out.json()) out.field("trial", row.trial.empty() ? nullptr : nlohmann::ordered_json(row.trial), "");
  // Untested rows carry the same keys, empty, so every row reads alike.
  static const Trial untested{};
  const Trial& t = row.detected ? *row.detected : untested;
  out.field("detected", std::string(row.detected ? to_string(t.outcome) : "not_tested"),
            row.detected ? "{:<10}" : "-");
  out.field("detail", t.detail, "{}");
  const std::string name = errno_name(t.err);
  out.field("errno", name, name.empty() ? "" : " ({})");
  out.field("mismatch", row.mismatch, "");
  out.newline();
  if (!row.note.empty()) out.field("note", row.note, "        note: {}\n");
  out.close_object();
}

void print_device(cli::Output& out, const DeviceReport& r) {
  out.open_object();
  out.field("ifname", r.name, "{}");
  out.field("ifindex", r.ifindex, " (ifindex {}):");
  out.field("kind", r.kind.empty() ? std::string("device") : r.kind, " {}");
  out.field("mtu", r.mtu, ", mtu {}");
  if (r.has_driver) {
    out.open_object("driver");
    out.field("name", r.driver, ", driver {}");
    out.field("version", r.driver_version, " {}");
    out.field("firmware", r.firmware, r.firmware.empty() || r.firmware == "N/A" ? "" : " firmware {}");
    out.field("bus_info", r.bus_info, r.bus_info.empty() || r.bus_info == "N/A" ? "" : " bus {}");
    out.close_object();
  } else {
    if (out.json()) out.field("driver", nullptr, "");
    out.field("driver_error", r.driver_error, ", driver unknown ({})");
  }
  out.open_object("xdp");
  out.field("mode", r.xdp_mode, ", xdp {}");
  out.field("prog_id", r.xdp_prog_id, r.xdp_prog_id ? " (prog id {})" : "");
  out.close_object();
  out.newline();

  out.field("detected_on", std::string(to_string(r.where)), "");
  out.field("detected_on_detail", r.where_detail, "    {}\n");
  if (r.advertised) {
    out.open_array("advertised");
    for (auto [bit, name] : act::names)
      if (*r.advertised & bit) out.field("", name, "");
    out.close_array();
  } else {
    if (out.json()) out.field("advertised", nullptr, "");
    out.field("advertised_error", r.advertised_error, "    advertised features unknown: {}\n");
  }
  out.field("xdp_zc_max_segs", r.zc_max_segs, r.zc_max_segs ? "    xdp-zc-max-segs {}\n" : "");

  out.text("      feature       advertised  detected\n");
  out.open_array("features");
  for (const Row& row : rows(r)) print_row(out, row);
  out.close_array();
  const size_t n = mismatches(r);
  out.field("mismatches", n, n ? "    {} mismatch(es), marked !\n" : "");
  out.close_object();
}

}  // namespace

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::yes: return "yes";
    case Outcome::no: return "no";
    case Outcome::busy: return "busy";
    case Outcome::skipped: return "skipped";
    case Outcome::failed: return "failed";
  }
  return "?";
}

std::string_view to_string(Where w) {
  switch (w) {
    case Where::scratch: return "scratch";
    case Where::live: return "live";
    case Where::nowhere: return "none";
  }
  return "?";
}

std::vector<Row> rows(const DeviceReport& r) {
  const Trials& t = r.trials;
  std::vector<Row> out{
      compared(r, act::basic, "native", t.native),
      compared(r, act::ndo_xmit, "redirect", t.redirect),
      compared(r, act::rx_sg, "frags_jumbo", t.frags_jumbo),
  };
  // Advertised, but nothing here tries them.
  for (uint64_t bit : {act::redirect, act::ndo_xmit_sg, act::xsk_zerocopy, act::hw_offload})
    out.push_back({feature_name(bit), advertises(r, bit), {}, nullptr, false, {}});
  // Tried, but nothing advertises them.
  out.push_back({"generic", std::nullopt, "generic", &t.generic, false, {}});
  out.push_back({"frags", std::nullopt, "frags", &t.frags, false, {}});
  return out;
}

size_t mismatches(const DeviceReport& r) {
  size_t n = 0;
  for (const Row& row : rows(r)) n += row.mismatch;
  return n;
}

void print(cli::Output& out, std::span<const DeviceReport> reports) {
  out.open_array("interfaces");
  size_t total = 0;
  for (const DeviceReport& r : reports) {
    print_device(out, r);
    total += mismatches(r);
  }
  out.close_array();
  out.field("mismatches", total, "");
}

}  // namespace probe
