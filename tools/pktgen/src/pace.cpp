// The pacing arithmetic of a sending thread.
#include "pktgen/pace.h"

#include <algorithm>

namespace pktgen {

namespace {
// With a rate, calls carry at least 10 ms worth: fewer calls, each paying
// the dispatcher's grace periods once.
constexpr uint64_t kMinCallsPerSecond = 100;
}  // namespace

Pacer::Pacer(uint64_t limit, uint64_t rate, ns duration)
    : limit_(limit), rate_(rate), duration_(duration) {}

uint32_t Pacer::call_size() const {
  if (speed_ <= 0) return kFirstCall;
  const double frames = speed_ * std::chrono::duration<double>(kCallTarget).count();
  return static_cast<uint32_t>(std::clamp(frames, 1.0, static_cast<double>(kMaxCall)));
}

void Pacer::record(uint32_t frames, ns took) {
  // Calls of one frame skip the dispatcher and say nothing about speed.
  if (frames < 2 || took.count() <= 0) return;
  speed_ = frames / std::chrono::duration<double>(took).count();
}

Pacer::Step Pacer::next(uint64_t sent, ns elapsed) const {
  const uint64_t remaining = limit_ ? (sent >= limit_ ? 0 : limit_ - sent) : UINT64_MAX;
  if (remaining == 0) return {.done = true};
  if (duration_.count() && elapsed >= duration_) return {.done = true};
  uint64_t frames = std::min<uint64_t>(remaining, call_size());
  // Near the end of a duration, a call as long as the time left.
  if (duration_.count() && speed_ > 0) {
    const double left = std::chrono::duration<double>(duration_ - elapsed).count();
    frames = std::min<uint64_t>(frames, std::max<uint64_t>(1, static_cast<uint64_t>(left * speed_)));
  }
  if (rate_ == 0) return {.frames = static_cast<uint32_t>(frames)};

  // Frames the schedule allows by now. A call sends all of them (behind
  // schedule after a call's sleep, that is normal), but at least a burst's
  // worth, or the thread sleeps until a burst is due.
  const uint64_t t = static_cast<uint64_t>(std::max<int64_t>(elapsed.count(), 0));
  const unsigned __int128 allowed = static_cast<unsigned __int128>(rate_) * t / 1000000000u;
  const uint64_t due = allowed > sent ? static_cast<uint64_t>(allowed - sent) : 0;
  const uint64_t burst = std::clamp<uint64_t>(rate_ / kMinCallsPerSecond, 1, frames);
  if (due >= burst) return {.frames = static_cast<uint32_t>(std::min(due, frames))};
  const unsigned __int128 ready =
      (static_cast<unsigned __int128>(sent + burst) * 1000000000u + rate_ - 1) / rate_;
  ns sleep(static_cast<int64_t>(ready - t));
  if (duration_.count()) sleep = std::min(sleep, duration_ - elapsed);
  return {.sleep = std::max(sleep, ns(1))};
}

}  // namespace pktgen
