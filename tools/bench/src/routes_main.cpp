// bench-routes: writes a random route table as `ip -batch` lines and the
// destinations drawn from it as an xdp-pktgen dst-file.
#include <chrono>
#include <fstream>

#include "bench/routes.h"
#include "pktgen/options.h"
#include "tool.h"

namespace {

constexpr std::string_view kTool = "bench-routes";
constexpr std::string_view kUsage =
    "bench-routes family { ipv4 | ipv6 } routes N via NEXT_HOP batch FILE dst-file FILE\n"
    "        [ dests N ] [ seed N ] [ -j ]";

common::Result<void> write_file(const std::string& path, auto&& write) {
  std::ofstream out(path);
  if (out) write(out);
  out.close();
  if (!out) return common::fail_errno(fmt::format("cannot write {}", path));
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bench;
  ToolArgs args = split_args(argc, argv);
  cli::Args words(args.words);
  cli::Keywords kw({"family", "routes", "via", "batch", "dst-file", "dests", "seed"});
  if (auto r = kw.parse(words); !r) return usage(kTool, r.error(), kUsage);
  for (std::string_view required : {"family", "routes", "via", "batch", "dst-file"})
    if (!kw.get(required))
      return usage(kTool, {EINVAL, fmt::format("\"{}\" is required", required)}, kUsage);
  const std::string family_name = *kw.get("family");
  if (family_name != "ipv4" && family_name != "ipv6")
    return usage(kTool, {EINVAL, fmt::format("invalid family \"{}\"", family_name)}, kUsage);
  const Family family = family_name == "ipv4" ? Family::ipv4 : Family::ipv6;
  auto routes = pktgen::parse_count("routes", *kw.get("routes"));
  auto dests = pktgen::parse_count("dests", kw.get("dests").value_or("1"));
  auto seed = pktgen::parse_count("seed", kw.get("seed").value_or("1"));
  for (const auto* r : {&routes, &dests, &seed})
    if (!*r) return usage(kTool, r->error(), kUsage);
  if (*routes > kMaxRoutes || *dests > 65536)
    return usage(kTool, {EINVAL, "at most 4M routes and 65536 destinations"}, kUsage);

  const auto start = std::chrono::steady_clock::now();
  auto table = make_route_table(family, static_cast<uint32_t>(*routes),
                                static_cast<uint32_t>(*dests), *seed);
  if (!table) return usage(kTool, table.error(), kUsage);
  const std::string via = *kw.get("via");
  if (auto r = write_file(*kw.get("batch"), [&](std::ostream& o) { write_batch(o, *table, via); });
      !r)
    return report(kTool, r.error());
  if (auto r = write_file(*kw.get("dst-file"), [&](std::ostream& o) { write_dests(o, *table); });
      !r)
    return report(kTool, r.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  cli::Output out(args.format);
  out.open_object();
  out.field("family", family_name, "{}: ");
  out.field("routes", table->prefixes.size(), "{} routes");
  out.field("prefix_len", int(table->prefix_len), " /{}");
  out.field("via", via, " via {}, ");
  out.field("dests", table->dests.size(), "{} destinations");
  out.field("seconds", seconds, " ({:.2f} s)\n");
  out.close_object();
  return cli::kExitOk;
}
