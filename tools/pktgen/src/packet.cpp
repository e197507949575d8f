// xdp-pktgen's packet-socket sender.
#include "pktgen/packet.h"

#include <fmt/core.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

#include "common/fd.h"
#include "common/packet_socket.h"
#include "pktgen/options.h"

namespace pktgen {
namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + ts.tv_nsec;
}

// One thread's socket, cursor and counters; the counters are read by the
// supervising thread while the sender runs.
struct alignas(64) Lane {
  common::UniqueFd fd;
  uint32_t next_flow = 0;
  mmsghdr msgs[kMaxBatch]{};
  iovec iovs[kMaxBatch]{};
  std::atomic<uint64_t> frames{0}, ok{0}, full{0}, first_ns{0}, last_ns{0};
};

}  // namespace

struct PacketSender::Impl {
  std::string dev;
  std::vector<uint8_t> frames;
  uint32_t frame_len = 0;
  uint32_t flows = 0;
  std::vector<Lane> lanes;  // one per thread
};

PacketSender::PacketSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PacketSender::PacketSender(PacketSender&&) noexcept = default;
PacketSender& PacketSender::operator=(PacketSender&&) noexcept = default;
PacketSender::~PacketSender() = default;

Result<PacketSender> PacketSender::open(uint32_t ifindex, std::string dev, uint32_t threads,
                                        std::vector<uint8_t> frames, uint32_t frame_len) {
  auto impl = std::make_unique<Impl>();
  impl->frame_len = frame_len;
  impl->flows = frame_len ? static_cast<uint32_t>(frames.size() / frame_len) : 0;
  if (impl->flows == 0) return common::fail(EINVAL, "no frames to send");
  impl->frames = std::move(frames);
  impl->dev = std::move(dev);
  impl->lanes = std::vector<Lane>(threads);
  for (Lane& lane : impl->lanes) {
    auto fd = common::packet_socket(ifindex);
    if (!fd) return std::unexpected(fd.error());
    lane.fd = std::move(*fd);
    const int one = 1;
    if (::setsockopt(lane.fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
      return common::fail_errno("cannot make the packet socket bypass the qdisc");
    for (uint32_t i = 0; i < kMaxBatch; ++i) {
      lane.iovs[i].iov_len = frame_len;
      lane.msgs[i].msg_hdr.msg_iov = &lane.iovs[i];
      lane.msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }
  return PacketSender(std::move(impl));
}

Result<void> PacketSender::send(uint32_t thread, uint64_t frames, uint32_t batch) const {
  Lane& lane = impl_->lanes[thread];
  const uint32_t flows = impl_->flows;
  batch = std::clamp<uint32_t>(batch, 1, kMaxBatch);
  while (frames > 0) {
    const auto n = static_cast<uint32_t>(std::min<uint64_t>(frames, batch));
    uint32_t flow = lane.next_flow;
    for (uint32_t i = 0; i < n; ++i) {
      lane.iovs[i].iov_base = impl_->frames.data() + static_cast<size_t>(flow) * impl_->frame_len;
      flow = flow + 1 == flows ? 0 : flow + 1;
    }
    const int sent = ::sendmmsg(lane.fd.get(), lane.msgs, n, 0);
    // Taken: sent. Then one more is done with: the one that failed (a
    // shorter count means the next message failed; the kernel drops its
    // error, and a full queue is the only one that goes on).
    uint32_t done = 0;
    if (sent < 0) {
      if (errno != ENOBUFS)
        return common::fail_errno(fmt::format("cannot send on {}", impl_->dev),
                                  errno == ENETDOWN ? fmt::format("ip link set dev {} up", impl_->dev)
                                                    : std::string());
      done = 1;
      lane.full.fetch_add(1, std::memory_order_relaxed);
    } else {
      done = static_cast<uint32_t>(sent);
      if (done) {
        const uint64_t t = now_ns();
        if (!lane.first_ns.load(std::memory_order_relaxed))
          lane.first_ns.store(t, std::memory_order_relaxed);
        lane.last_ns.store(t, std::memory_order_relaxed);
        lane.ok.fetch_add(done, std::memory_order_relaxed);
      }
      if (done < n) {
        ++done;
        lane.full.fetch_add(1, std::memory_order_relaxed);
      }
    }
    lane.frames.fetch_add(done, std::memory_order_relaxed);
    lane.next_flow = static_cast<uint32_t>((lane.next_flow + done) % flows);
    frames -= done;
  }
  return {};
}

GenCounters PacketSender::counters() const {
  GenCounters c;
  for (const Lane& lane : impl_->lanes) {
    c.frames += lane.frames.load(std::memory_order_relaxed);
    c.xmit_ok += lane.ok.load(std::memory_order_relaxed);
    c.xmit_full += lane.full.load(std::memory_order_relaxed);
    const uint64_t first = lane.first_ns.load(std::memory_order_relaxed);
    if (first && (!c.first_ns || first < c.first_ns)) c.first_ns = first;
    c.last_ns = std::max<uint64_t>(c.last_ns, lane.last_ns.load(std::memory_order_relaxed));
  }
  return c;
}

}  // namespace pktgen
