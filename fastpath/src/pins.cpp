// Where pinned state lives: the bpffs, the per-namespace directory, and the
// read-only view tools use.
#include "pins.h"

#include <bpf/bpf.h>
#include <fmt/core.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/netns.h"
#include "fastpath/fastpath.h"
#include "maps.h"

namespace fastpath::detail {
namespace {

const std::filesystem::path kStandardBpffs = "/sys/fs/bpf";

bool is_bpffs(const std::filesystem::path& p) {
  struct statfs st {};
  return ::statfs(p.c_str(), &st) == 0 &&
         static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC;
}

// ip netns exec gives a command its own mount namespace with a fresh /sys,
// so a bpffs mounted there would vanish with the command, and pins with it.
// Seen from here: our mount namespace is not our parent's (or, if the
// parent cannot be read, not init's).
bool private_mount_namespace() {
  struct stat self {}, other {};
  if (::stat("/proc/self/ns/mnt", &self) < 0) return false;
  const std::string parent = fmt::format("/proc/{}/ns/mnt", ::getppid());
  if (::stat(parent.c_str(), &other) == 0) return self.st_ino != other.st_ino;
  if (::stat("/proc/1/ns/mnt", &other) == 0) return self.st_ino != other.st_ino;
  return false;
}

std::filesystem::path existing_ancestor(std::filesystem::path p) {
  std::error_code ec;
  while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
  return p;
}

std::string hidden_hint() {
  return "ip netns exec hides /sys/fs/bpf: run with "
         "nsenter --net=/run/netns/NAME instead";
}

}  // namespace

common::Result<void> prepare_bpffs(const std::filesystem::path& pin_dir) {
  if (is_bpffs(existing_ancestor(pin_dir))) return {};
  const bool standard = pin_dir.string().starts_with(kStandardBpffs.string());
  if (!standard)
    return common::fail(ENOTSUP,
                        fmt::format("{} is not on a bpffs", pin_dir.string()),
                        "mount one: mount -t bpf bpf DIR");
  if (private_mount_namespace())
    return common::fail(ENOENT, "bpffs is not mounted at /sys/fs/bpf here",
                        hidden_hint());
  if (::mount("bpf", kStandardBpffs.c_str(), "bpf", 0, "mode=0700") < 0)
    return common::fail_errno("cannot mount bpffs at /sys/fs/bpf",
                              "mount it: mount -t bpf bpf /sys/fs/bpf");
  return {};
}

common::Error missing_state(const std::filesystem::path& pin_dir) {
  if (!is_bpffs(existing_ancestor(pin_dir)))
    return common::Error{
        ENOENT, fmt::format("bpffs is not mounted at {}",
                            existing_ancestor(pin_dir).string()),
        private_mount_namespace() ? hidden_hint()
                                  : "the fast path is not loaded: attach it "
                                    "with routerctl link set dev NAME fastpath auto"};
  return common::Error{
      ENOENT, "the fast path is not loaded in this network namespace",
      "attach it: routerctl link set dev NAME fastpath auto"};
}

}  // namespace fastpath::detail

namespace fastpath {

Result<std::filesystem::path> default_pin_dir(
    const std::filesystem::path& bpffs) {
  auto cookie = common::netns_cookie();
  if (!cookie) return std::unexpected(cookie.error());
  return bpffs / "xdp-router" / fmt::format("netns-{}", *cookie);
}

struct PinnedState::Impl {
  std::filesystem::path dir;
  common::UniqueFd ifaces, stats, devmap, egress_stats, local_addrs, limits, program;

  detail::MapFds fds() const {
    return {ifaces.get(), stats.get(), devmap.get(), egress_stats.get(), local_addrs.get(),
            limits.get()};
  }
};

PinnedState::PinnedState(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PinnedState::PinnedState(PinnedState&&) noexcept = default;
PinnedState& PinnedState::operator=(PinnedState&&) noexcept = default;
PinnedState::~PinnedState() = default;

Result<PinnedState> PinnedState::open(const std::filesystem::path& pin_dir) {
  const auto& names = detail::PinNames::get();
  auto impl = std::make_unique<Impl>();
  impl->dir = pin_dir;
  auto get = [&](const std::string& name, common::UniqueFd& out,
                 bool required) -> Result<void> {
    int fd = bpf_obj_get((pin_dir / name).c_str());
    if (fd < 0 && required) {
      if (errno == ENOENT) return std::unexpected(detail::missing_state(pin_dir));
      return common::fail_errno(
          fmt::format("cannot open {}", (pin_dir / name).string()),
          "run as root");
    }
    out.reset(fd);
    return {};
  };
  for (auto [name, fd, required] :
       {std::tuple{&names.ifaces, &impl->ifaces, true},
        std::tuple{&names.stats, &impl->stats, true},
        std::tuple{&names.devmap, &impl->devmap, true},
        std::tuple{&names.egress_stats, &impl->egress_stats, false},
        std::tuple{&names.local_addrs, &impl->local_addrs, false},
        std::tuple{&names.limits, &impl->limits, false},
        std::tuple{&names.program, &impl->program, false}}) {
    if (auto r = get(*name, *fd, required); !r) return std::unexpected(r.error());
  }
  return PinnedState(std::move(impl));
}

Result<Snapshot> PinnedState::snapshot() const {
  return detail::read_snapshot(impl_->fds(), impl_->dir);
}

int PinnedState::program_fd() const { return impl_->program.get(); }

}  // namespace fastpath
