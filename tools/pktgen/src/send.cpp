// xdp-pktgen send: threads of live-frames test runs (or of packet-socket
// sends, where the kernel refuses those) out of one device, a progress
// line a second, a summary at the end.
#include <fmt/core.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/netns.h"
#include "context.h"
#include "netlink/link.h"
#include "netlink/netdev.h"
#include "pktgen/bpf.h"
#include "pktgen/errors.h"
#include "pktgen/options.h"
#include "pktgen/pace.h"
#include "pktgen/packet.h"

namespace pktgen {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

// One thread's part of a whole: count or rate split as evenly as it goes.
uint64_t share(uint64_t whole, uint32_t threads, uint32_t i) {
  return whole / threads + (i < whole % threads ? 1 : 0);
}

struct Run {
  const Generator& gen;
  const PacketSender* packet;  // set: frames go through it, not live frames
  const std::vector<uint8_t>& frame;
  const SendOptions& opt;
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> running{0};
  std::mutex mutex;  // for the two below
  std::optional<common::Error> error;
  Clock::time_point finished;  // when the last sender ended

  void fail(common::Error e) {
    std::lock_guard lock(mutex);
    if (!error) error = std::move(e);
    stop = true;
  }
  Result<GenCounters> counters() const {
    if (packet) return packet->counters();
    return gen.counters();
  }
  Result<void> send(uint32_t thread, uint32_t frames) const {
    if (packet) return packet->send(thread, frames, opt.batch);
    return gen.send(frame, frames, opt.batch);
  }
  void done() {
    std::lock_guard lock(mutex);
    finished = std::max(finished, Clock::now());
    --running;
  }
};

// A sending thread: pinned to its CPU (the test run's own cpu option is for
// other program types), it sends its share in calls the pacer sizes.
void sender(Run& run, uint32_t index, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); err)
    common::log::warn("pktgen", "thread {} cannot be pinned to CPU {}: {}", index, cpu,
                      std::strerror(err));
  const uint32_t n = run.opt.threads;
  const uint64_t count = share(run.opt.count, n, index);
  const auto limit = std::chrono::duration_cast<Pacer::ns>(duration<double>(run.opt.duration));
  Pacer pacer(count, share(run.opt.rate, n, index), limit);
  // Fewer frames than threads: nothing for this one (0 means no limit).
  if (run.opt.count && count == 0) return run.done();
  const auto start = Clock::now();
  uint64_t sent = 0;
  while (!run.stop) {
    const auto before = Clock::now();
    const Pacer::Step step = pacer.next(sent, before - start);
    if (step.done) break;
    if (step.frames == 0) {
      // Sleep in slices, so a stop is seen within 50 ms.
      std::this_thread::sleep_for(std::min<Clock::duration>(step.sleep, std::chrono::milliseconds(50)));
      continue;
    }
    if (auto r = run.send(index, step.frames); !r) {
      run.fail(r.error());
      break;
    }
    pacer.record(step.frames, Clock::now() - before);
    sent += step.frames;
  }
  run.done();
}

void print_summary(const Context& ctx, const SendOptions& o, const netlink::Link& link,
                   const GenCounters& c, Via via, bool traced, double wall_seconds) {
  const FrameSpec& f = o.frame;
  const uint32_t frame_len = f.wire_size - kFcsLen;
  // From the first transmit to the last, when the tracepoint saw them: the
  // wall time also holds loading and each call's set-up and tear-down.
  const double seconds =
      traced && c.last_ns > c.first_ns ? (c.last_ns - c.first_ns) / 1e9 : wall_seconds;
  cli::Output out(ctx.format);
  out.open_object();
  out.field("frames", c.frames, "sent {} frames");
  out.field("bytes", c.frames * frame_len, " ({} bytes)");
  out.field("dev", link.name, " on {}");
  out.field("seconds", seconds, " in {:.3f} s");
  out.field("pps", seconds > 0 ? static_cast<uint64_t>(c.frames / seconds) : 0, ": {} pps");
  out.field("wall_seconds", wall_seconds, " ({:.3f} s wall)\n");
  out.field("family", std::string(f.src.family == Family::ipv4 ? "ipv4" : "ipv6"), "");
  out.field("proto", std::string(f.proto == Proto::udp ? "udp" : "tcp"), "");
  out.text(fmt::format("    {} {}, ", to_string(f.src.family), to_string(f.proto)));
  out.field("size", f.wire_size, "{}-byte frames");
  out.field("frame_len", frame_len, " ({} + FCS), ");
  out.field("flows", f.flows, "{} flow");
  out.text(f.flows == 1 ? "" : "s");
  out.field("vary", std::string(to_string(f.vary)), f.flows == 1 ? "" : " by {}");
  out.field("threads", o.threads, ", {} thread");
  out.text(o.threads == 1 ? "" : "s");
  if (o.rate) out.field("rate", o.rate, ", rate {} pps");
  out.newline();
  const char* how = via == Via::live         ? "    via live frames\n"
                    : o.via == Via::automatic ? "    via a packet socket: the kernel refuses "
                                                "live-frames test runs\n"
                                              : "    via a packet socket\n";
  out.field("via", std::string(to_string(via)), how);
  if (traced) {
    out.open_object("xmit");
    out.field("transmitted", c.xmit_ok, "    transmitted {}");
    out.field("queue_full", c.xmit_full, ", dropped {} (device queue full)");
    out.field("refused", c.xmit_refused, ", refused {}\n");
    out.close_object();
  }
}

common::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::fail_errno(fmt::format("cannot read {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return common::fail_errno(fmt::format("cannot read {}", path));
  return text.str();
}

// Refuses devices the frames could not leave through.
common::Result<void> check_device(const netlink::Link& link, const FrameSpec& frame) {
  if (!link.ethernet)
    return common::fail(EINVAL, fmt::format("{} is not an Ethernet device", link.name),
                        "xdp-pktgen sends Ethernet frames");
  if (!link.up)
    return common::fail(ENETDOWN, fmt::format("{} is down", link.name),
                        fmt::format("ip link set dev {} up", link.name));
  // Frames larger than the MTU are dropped by the driver without a trace.
  if (frame.wire_size - kFcsLen - 14 > link.mtu)
    return common::fail(EMSGSIZE, fmt::format("size {} exceeds the MTU of {} ({})",
                                              frame.wire_size, link.name, link.mtu),
                        "use a smaller size");
  return {};
}

// Refuses devices live frames could not leave through: a packet socket
// hands the driver an skb, which every Ethernet device takes.
common::Result<void> check_live(const netlink::Link& link) {
  // Unknown features (an old kernel) are no reason to refuse.
  if (auto features = netlink::xdp_features(link.ifindex);
      features && !features->has(netlink::xdp_act::ndo_xmit))
    return common::fail(
        EOPNOTSUPP, fmt::format("{} cannot transmit XDP frames (no ndo-xmit)", link.name),
        link.is_veth() ? "a veth sends XDP frames only while its peer has NAPI: attach an "
                         "XDP program to the peer (xdp-pktgen sink) or run "
                         "ethtool -K PEER gro on"
                       : "its driver does not support XDP redirects");
  return {};
}

// Starts the senders and watches them: signals, the duration, a progress
// line a second. Returns the wall time until the last one finished.
double supervise(const Context& ctx, Run& run, const std::vector<int>& cpus) {
  const SendOptions& o = run.opt;
  run.running = o.threads;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < o.threads; ++i)
    threads.emplace_back(sender, std::ref(run), i, cpus[i]);
  auto last_tick = start;
  uint64_t last_frames = 0;
  while (run.running > 0) {
    if (wait_signal(50)) run.stop = true;
    const auto now = Clock::now();
    // The pacers end their calls at the duration; this is the backstop.
    if (o.duration && duration<double>(now - start).count() >= o.duration + 1) run.stop = true;
    if (now - last_tick < std::chrono::seconds(1) || !ctx.progress()) continue;
    if (auto c = run.counters(); c) {
      fmt::print(stderr, "{:6.1f} s  sent {:>12}  {:>9.0f} pps\n",
                 duration<double>(now - start).count(), c->frames,
                 (c->frames - last_frames) / duration<double>(now - last_tick).count());
      last_frames = c->frames;
    }
    last_tick = now;
  }
  for (auto& t : threads) t.join();
  return duration<double>(run.finished - start).count();
}

}  // namespace

int cmd_send(Context& ctx, cli::Args& args) {
  const std::vector<int> cpus = allowed_cpus();
  auto parsed = parse_send(args, static_cast<uint32_t>(cpus.size()));
  if (!parsed) return usage_error(parsed.error(), kSendUsage);
  SendOptions& o = *parsed;
  if (!o.dst_file.empty()) {
    auto text = read_file(o.dst_file);
    if (!text) return report(text.error());
    if (auto ok = apply_dst_list(o, *text); !ok)
      return usage_error({ok.error().code, fmt::format("{}: {}", o.dst_file, ok.error().what),
                          ok.error().hint},
                         kSendUsage);
  }
  auto link = netlink::link_by_name(o.dev);
  if (!link) return report(link.error());
  if (auto ok = check_device(*link, o.frame); !ok) return report(ok.error());
  if (!o.src_mac_given) o.frame.src_mac = link->mac;

  auto tmpl = build_template(o.frame);
  if (!tmpl) return usage_error(tmpl.error(), kSendUsage);
  auto cookie = common::netns_cookie();
  if (!cookie) return report(cookie.error());
  tmpl->settings.ifindex = link->ifindex;
  tmpl->settings.netns_cookie = *cookie;
  auto gen = Generator::load(tmpl->settings, link->name, tmpl->dsts);
  if (!gen) return report(gen.error());
  Via via = o.via;
  if (via == Via::automatic) {
    auto live = gen->live_frames_permitted();
    if (!live) return report(live.error());
    via = *live ? Via::live : Via::packet;
  }
  std::optional<PacketSender> packet;
  if (via == Via::live) {
    if (auto ok = check_live(*link); !ok) return report(ok.error());
  } else {
    // Every flow's frame, once: the socket sends them as they are.
    std::vector<uint8_t> frames;
    frames.reserve(static_cast<size_t>(o.frame.flows) * tmpl->frame.size());
    for (uint32_t flow = 0; flow < o.frame.flows; ++flow) {
      const std::vector<uint8_t> f = build_frame(o.frame, flow);
      frames.insert(frames.end(), f.begin(), f.end());
    }
    auto sender = PacketSender::open(link->ifindex, link->name, o.threads, std::move(frames),
                                     static_cast<uint32_t>(tmpl->frame.size()));
    if (!sender) return report(sender.error());
    packet = std::move(*sender);
  }

  block_stop_signals();
  Run run{*gen, packet ? &*packet : nullptr, tmpl->frame, o};
  const double seconds = supervise(ctx, run, cpus);
  auto counters = run.counters();
  if (!counters) return report(counters.error());
  print_summary(ctx, o, *link, *counters, via, packet || gen->traces_xmit(), seconds);
  if (run.error) return report(*run.error);
  if (counters->xmit_refused)
    return report(xmit_refused_error(-counters->xmit_err, link->name, counters->xmit_refused));
  if (counters->xmit_full)
    common::log::warn("pktgen",
                      "{} dropped {} frames: its queue was full (send with one thread, "
                      "or give the device one queue per thread)",
                      link->name, counters->xmit_full);
  return cli::kExitOk;
}

}  // namespace pktgen
