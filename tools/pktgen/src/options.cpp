// Parsing xdp-pktgen's keyword arguments into checked options.
#include "pktgen/options.h"

#include <fmt/core.h>

#include <cctype>
#include <charconv>
#include <cmath>

namespace pktgen {
namespace {

using common::fail;
using common::Result;

Result<uint64_t> parse_uint(std::string_view keyword, std::string_view text, uint64_t min,
                            uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return fail(EINVAL, fmt::format("invalid {} \"{}\"", keyword, text));
  if (v < min || v > max)
    return fail(EINVAL, fmt::format("{} {} out of range {}-{}", keyword, text, min, max));
  return v;
}

Result<uint16_t> parse_port(std::string_view keyword, std::string_view text) {
  auto v = parse_uint(keyword, text, 0, 65535);
  if (!v) return std::unexpected(v.error());
  return static_cast<uint16_t>(*v);
}

template <typename T>
Result<T> parse_enum(std::string_view keyword, std::string_view text, T a,
                     std::string_view a_name, T b, std::string_view b_name) {
  if (text == a_name) return a;
  if (text == b_name) return b;
  return fail(EINVAL, fmt::format("invalid {} \"{}\" (expected {} or {})", keyword, text,
                                  a_name, b_name));
}

Result<Vary> parse_vary(std::string_view text) {
  for (Vary v : {Vary::sport, Vary::src, Vary::dst})
    if (text == to_string(v)) return v;
  return fail(EINVAL, fmt::format("invalid vary \"{}\" (expected sport, src or dst)", text));
}

// Applies one keyword's value to the options.
Result<void> apply_send(SendOptions& o, std::string_view k, const std::string& v,
                        uint32_t cpus) {
  FrameSpec& f = o.frame;
  auto set = [](auto& field, auto parsed) -> Result<void> {
    if (!parsed) return std::unexpected(parsed.error());
    field = static_cast<std::remove_reference_t<decltype(field)>>(*parsed);
    return {};
  };
  if (k == "dev") {
    o.dev = v;
    return {};
  }
  if (k == "src") return set(f.src, parse_ip(v));
  if (k == "dst") return set(f.dst, parse_ip(v));
  if (k == "dst-file") {
    o.dst_file = v;
    f.vary = Vary::dst;
    return {};
  }
  if (k == "src-mac") {
    o.src_mac_given = true;
    return set(f.src_mac, parse_mac(v));
  }
  if (k == "dst-mac") return set(f.dst_mac, parse_mac(v));
  if (k == "proto") return set(f.proto, parse_enum(k, v, Proto::udp, "udp", Proto::tcp, "tcp"));
  if (k == "sport") return set(f.sport, parse_port(k, v));
  if (k == "dport") return set(f.dport, parse_port(k, v));
  if (k == "size") return set(f.wire_size, parse_uint(k, v, 0, UINT32_MAX));  // range: build_template
  if (k == "ttl") return set(f.ttl, parse_uint(k, v, 1, 255));
  if (k == "flows") {
    o.flows_given = true;
    return set(f.flows, parse_uint(k, v, 1, PG_MAX_FLOWS));
  }
  if (k == "vary") return set(f.vary, parse_vary(v));
  if (k == "count") return set(o.count, parse_count(k, v));
  if (k == "duration") return set(o.duration, parse_seconds(k, v));
  if (k == "rate") return set(o.rate, parse_count(k, v));
  if (k == "threads") return set(o.threads, parse_uint(k, v, 1, cpus));
  if (k == "batch") return set(o.batch, parse_uint(k, v, 1, kMaxBatch));
  if (k == "via") {
    for (Via via : {Via::automatic, Via::live, Via::packet})
      if (v == to_string(via)) {
        o.via = via;
        return {};
      }
    return fail(EINVAL, fmt::format("invalid via \"{}\" (expected auto, live or packet)", v));
  }
  return fail(EINVAL, fmt::format("unknown argument \"{}\"", k));
}

}  // namespace

std::string_view to_string(Via v) {
  switch (v) {
    case Via::automatic: return "auto";
    case Via::live: return "live";
    case Via::packet: return "packet";
  }
  return "?";
}

Result<uint64_t> parse_count(std::string_view keyword, std::string_view text) {
  uint64_t mult = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k': case 'K': mult = 1000; break;
      case 'M': mult = 1000000; break;
      case 'G': mult = 1000000000; break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      v > UINT64_MAX / mult)
    return fail(EINVAL, fmt::format("invalid {} \"{}\"", keyword, text),
                "a whole number, optionally with k, M or G (1000s)");
  return v * mult;
}

Result<double> parse_seconds(std::string_view keyword, std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
      v <= 0 || v > 1e6)
    return fail(EINVAL, fmt::format("invalid {} \"{}\"", keyword, text),
                "seconds, e.g. 5 or 0.5");
  return v;
}

Result<SendOptions> parse_send(cli::Args& args, uint32_t available_cpus) {
  static const std::vector<std::string_view> kKeywords{
      "dev",  "src",   "dst",   "dst-file", "src-mac",  "dst-mac", "proto", "sport",
      "dport", "size", "ttl",   "flows",    "vary",     "count",   "duration", "rate",
      "threads", "batch", "via"};
  cli::Keywords kw(kKeywords);
  if (auto r = kw.parse(args); !r) return std::unexpected(r.error());
  SendOptions o;
  bool size_given = false;
  for (std::string_view k : kKeywords) {
    const auto v = kw.get(k);
    if (!v) continue;
    size_given |= k == "size";
    if (auto r = apply_send(o, k, *v, available_cpus); !r) {
      if (k == "threads")
        r.error().hint = fmt::format("this process may run on {} CPUs", available_cpus);
      return std::unexpected(r.error());
    }
  }
  // vary (applied after dst-file) may only repeat what dst-file implies.
  if (auto vary = kw.get("vary"); vary && kw.get("dst-file") && *vary != "dst")
    return fail(EINVAL, fmt::format("vary {} with dst-file: the destinations vary", *vary));
  if (kw.get("dst") && kw.get("dst-file"))
    return fail(EINVAL, "\"dst\" and \"dst-file\" exclude each other");
  if (o.frame.vary == Vary::dst && !kw.get("dst-file"))
    return fail(EINVAL, "vary dst needs dst-file", "a file of addresses, one a line");
  for (std::string_view required : {"dev", "src", "dst-mac"})
    if (!kw.get(required))
      return fail(EINVAL, fmt::format("\"{}\" is required", required));
  if (!kw.get("dst") && !kw.get("dst-file"))
    return fail(EINVAL, "\"dst\" or \"dst-file\" is required");
  if (!size_given)  // the smallest frame, 64 bytes unless the headers need more
    o.frame.wire_size = min_wire_size(o.frame.src.family, o.frame.proto);
  if (o.rate && o.rate < o.threads)
    return fail(EINVAL, fmt::format("rate {} is below one frame per second per thread",
                                    o.rate));
  // Checks sizes, families and flow ranges now, so every mistake in the
  // command line is a usage error before anything is loaded. The
  // destinations of a dst-file are checked when they are read.
  FrameSpec now = o.frame;
  if (now.vary == Vary::dst) {
    now.vary = Vary::sport;
    now.sport = 0;
    now.dst = now.src;
  }
  if (auto t = build_template(now); !t) return std::unexpected(t.error());
  return o;
}

Result<std::vector<IpAddress>> parse_dst_list(std::string_view text) {
  std::vector<IpAddress> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.empty()) continue;
    auto ip = parse_ip(line);
    if (!ip) return fail(EINVAL, fmt::format("line {}: {}", line_no, ip.error().what));
    if (out.size() == PG_MAX_FLOWS)
      return fail(EINVAL, fmt::format("more than {} destinations", PG_MAX_FLOWS));
    out.push_back(*ip);
  }
  if (out.empty()) return fail(EINVAL, "no destination addresses");
  return out;
}

Result<void> apply_dst_list(SendOptions& o, std::string_view text) {
  auto dsts = parse_dst_list(text);
  if (!dsts) return std::unexpected(dsts.error());
  FrameSpec& f = o.frame;
  f.vary = Vary::dst;
  f.dsts = std::move(*dsts);
  f.dst = f.dsts.front();
  if (!o.flows_given) f.flows = static_cast<uint32_t>(f.dsts.size());
  if (auto t = build_template(f); !t) return std::unexpected(t.error());
  return {};
}

Result<SinkOptions> parse_sink(cli::Args& args) {
  cli::Keywords kw({"dev", "duration", "count", "idle"});
  if (auto r = kw.parse(args, "dev"); !r) return std::unexpected(r.error());
  SinkOptions o;
  const auto dev = kw.get("dev");
  if (!dev) return fail(EINVAL, "\"dev\" is required");
  o.dev = *dev;
  if (auto d = kw.get("duration")) {
    auto v = parse_seconds("duration", *d);
    if (!v) return std::unexpected(v.error());
    o.duration = *v;
  }
  if (auto c = kw.get("count")) {
    auto v = parse_count("count", *c);
    if (!v) return std::unexpected(v.error());
    o.count = *v;
  }
  if (auto i = kw.get("idle")) {
    auto v = parse_seconds("idle", *i);
    if (!v) return std::unexpected(v.error());
    o.idle = *v;
  }
  return o;
}

}  // namespace pktgen
