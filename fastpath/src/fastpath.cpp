// Loading the fast path, attaching it as pinned bpf_links, and keeping its
// interfaces and DEVMAP.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/file.h>
#include <fcntl.h>

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "common/fd.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/per_cpu.h"
#include "fastpath_bpf.skel.h"
#include "fastpath/fastpath.h"
#include "maps.h"
#include "pins.h"
#include "trace_bpf.skel.h"

namespace fastpath {
namespace {

constexpr std::string_view kLog = "fastpath";

struct SkelDeleter {
  void operator()(fastpath_bpf* s) const { fastpath_bpf__destroy(s); }
  void operator()(trace_bpf* s) const { trace_bpf__destroy(s); }
};

std::string ifname(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  if (if_indextoname(ifindex, buf)) return buf;
  return fmt::format("ifindex {}", ifindex);
}

// Replaces whatever is pinned at path by fd.
Result<void> repin(int fd, const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (bpf_obj_pin(fd, path.c_str()) < 0)
    return common::fail_errno(fmt::format("cannot pin {}", path.string()));
  return {};
}

Result<void> make_dirs(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return common::fail(ec.value(),
                        fmt::format("cannot create {}", dir.string()));
  return {};
}

// Makes map use the one pinned at path, if any, after checking its shape.
Result<void> reuse_pinned(bpf_map* map, const std::filesystem::path& path) {
  common::UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) return {};
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) < 0)
    return common::fail_errno(fmt::format("cannot inspect {}", path.string()));
  if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
      info.value_size != bpf_map__value_size(map) ||
      info.max_entries != bpf_map__max_entries(map))
    return common::fail(EINVAL, fmt::format("{} is from another version", path.string()),
                        fmt::format("remove {} and attach again",
                                    path.parent_path().string()));
  if (int err = bpf_map__reuse_fd(map, fd.get()); err)
    return common::fail(err, fmt::format("cannot reuse {}", path.string()));
  return {};
}

Error attach_error(int err, const Interface& iface, XdpMode mode) {
  const std::string& name = iface.name;
  switch (err) {
    case EOPNOTSUPP:
      if (mode == XdpMode::native)
        return {err, fmt::format("driver of {} does not support native XDP", name),
                "use mode generic (or auto)"};
      break;
    case EBUSY:
    case EEXIST:
      return {err, fmt::format("{} already has another XDP program attached", name),
              fmt::format("detach it: ip link set dev {} xdp off", name)};
    case ENODEV:
    case ENXIO:
      return {err, fmt::format("interface {} not found", name), {}};
    case EPERM:
    case EACCES:
      return {err, fmt::format("not permitted to attach XDP to {}", name),
              "run as root (CAP_NET_ADMIN and CAP_BPF)"};
    case EINVAL:
      if (mode == XdpMode::native)
        return {err, fmt::format("driver of {} refused the program in native mode", name),
                "check the MTU and channel settings, or use mode generic"};
      break;
  }
  return {err, fmt::format("cannot attach the fast path to {} in {} mode", name,
                           to_string(mode)), {}};
}

// Changes fields of the one "limits" entry, keeping the others.
template <typename Change>
Result<void> update_limits(int fd, std::string_view what, Change change) {
  uint32_t zero = 0;
  fp_limits lim{};
  if (bpf_map_lookup_elem(fd, &zero, &lim) < 0)
    return common::fail_errno("cannot read the fast path's limits");
  change(lim);
  if (bpf_map_update_elem(fd, &zero, &lim, 0) < 0)
    return common::fail_errno(fmt::format("cannot set {}", what));
  return {};
}


// The cache's size: asked for, else the pinned one's, else the default. A
// pinned cache of another size is left to the program that uses it.
uint32_t cache_entries(bpf_map* map, const std::filesystem::path& path,
                       std::optional<uint32_t> wanted) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  common::UniqueFd pinned(bpf_obj_get(path.c_str()));
  const bool known = pinned && bpf_obj_get_info_by_fd(pinned.get(), &info, &len) == 0;
  const uint32_t entries =
      std::max<uint32_t>(wanted.value_or(known ? info.max_entries : kDefaultFibCacheEntries), 1);
  if (known && info.max_entries != entries) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  bpf_map__set_max_entries(map, entries);
  return entries;
}

}  // namespace

struct Fastpath::Impl {
  std::filesystem::path dir;
  common::UniqueFd lock;
  std::unique_ptr<fastpath_bpf, SkelDeleter> skel;
  std::unique_ptr<trace_bpf, SkelDeleter> trace;
  std::optional<std::string> cache_unavailable;

  detail::MapFds fds() const {
    return {bpf_map__fd(skel->maps.ifaces),
            bpf_map__fd(skel->maps.stats),
            bpf_map__fd(skel->maps.devmap),
            trace ? bpf_map__fd(trace->maps.egress_stats) : -1,
            bpf_map__fd(skel->maps.local_addrs),
            bpf_map__fd(skel->maps.limits)};
  }
  int prog_fd() const { return bpf_program__fd(skel->progs.xdp_fastpath); }

  Result<void> lock_dir();
  Result<void> load_program(const LoadOptions& options);
  void watch_neighbours();
  Result<void> bump_loader_gen();
  Result<void> adopt_links();
  Result<void> load_trace();
  Result<uint32_t> upsert_iface(const Interface& iface);
  Result<void> zero_slot(uint32_t slot);
  Result<void> retire_egress(uint32_t ifindex);
};

Result<void> Fastpath::Impl::lock_dir() {
  lock.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock)
    return common::fail_errno(fmt::format("cannot open {}", dir.string()));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) < 0)
    return common::fail(errno == EWOULDBLOCK ? EBUSY : errno,
                        "the fast path of this network namespace is in use by "
                        "another process",
                        "use routerd's control socket, or stop the other process");
  return {};
}

Result<void> Fastpath::Impl::load_program(const LoadOptions& options) {
  skel.reset(fastpath_bpf__open());
  if (!skel) return common::fail_errno("cannot open the fast path BPF object");
  auto cookie = common::netns_cookie();
  if (!cookie) return std::unexpected(cookie.error());
  skel->rodata->netns_cookie = *cookie;
  bpf_map* const caches[] = {skel->maps.fib_cache4, skel->maps.fib_cache6};  // as the capacities
  for (size_t f = 0; f < std::size(caches); ++f)
    skel->rodata->fib_cache_capacity[f] =
        cache_entries(caches[f], dir / bpf_map__name(caches[f]), options.fib_cache_entries);
  for (bpf_map* map : {skel->maps.ifaces, skel->maps.ifaces_direct, skel->maps.stats,
                       skel->maps.local_addrs, skel->maps.limits, skel->maps.cache_gen,
                       skel->maps.fib_cache4, skel->maps.fib_cache6}) {
    const auto path = dir / bpf_map__name(map);
    if (int err = bpf_map__set_pin_path(map, path.c_str()); err)
      return common::fail(err, fmt::format("cannot pin {}", path.string()));
  }
  // libbpf 1.1 refuses to reuse a pinned DEVMAP (the kernel adds
  // BPF_F_RDONLY_PROG to its flags, fixed in later libbpf): reuse it here.
  const auto devmap_path = dir / bpf_map__name(skel->maps.devmap);
  if (auto r = reuse_pinned(skel->maps.devmap, devmap_path); !r) return r;
  if (int err = fastpath_bpf__load(skel.get()); err)
    return common::fail(
        err, "cannot load the fast path program",
        err == -EINVAL ? fmt::format("pinned maps may be from another version: "
                                     "remove {} and attach again", dir.string())
                       : std::string("run as root on Linux 6.3 or later with BTF"));
  if (!std::filesystem::exists(devmap_path))
    if (auto r = repin(bpf_map__fd(skel->maps.devmap), devmap_path); !r) return r;
  return repin(prog_fd(), dir / bpf_program__name(skel->progs.xdp_fastpath));
}

// The cache is valid only while every neighbour change is counted: the
// tracepoint programs are attached, and the new links pinned over the old
// ones (the count is shared: for a moment both bump it), before any
// program that uses the cache is. Any of them refused: no cache.
void Fastpath::Impl::watch_neighbours() {
  const auto tdir = detail::trace_dir(dir);
  if (auto r = make_dirs(tdir); !r) {
    cache_unavailable = r.error().message();
    return;
  }
  for (bpf_program* prog : {skel->progs.fp_neigh_update_done, skel->progs.fp_neigh_timer,
                            skel->progs.fp_neigh_release}) {
    const auto path = tdir / bpf_program__name(prog);
    const auto fresh = tdir / (std::string(bpf_program__name(prog)) + "_new");  // no dots on bpffs
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      cache_unavailable = fmt::format("the kernel refused tracepoint {}: {}",
                                      bpf_program__section_name(prog), std::strerror(errno));
      return;
    }
    std::error_code ec;
    std::filesystem::remove(fresh, ec);
    const int err = bpf_link__pin(link, fresh.c_str());
    bpf_link__disconnect(link);
    bpf_link__destroy(link);
    if (err || ::rename(fresh.c_str(), path.c_str()) < 0) {
      cache_unavailable =
          fmt::format("cannot pin {}: {}", path.string(), std::strerror(err ? -err : errno));
      return;
    }
  }
}

Result<void> Fastpath::Impl::bump_loader_gen() {
  const int fd = bpf_map__fd(skel->maps.cache_gen);
  uint32_t key = FP_CACHE_GEN_LOADER;
  uint64_t gen = 0;
  if (bpf_map_lookup_elem(fd, &key, &gen) < 0) return common::fail_errno("cannot read the cache generation");
  ++gen;
  if (bpf_map_update_elem(fd, &key, &gen, 0) < 0)
    return common::fail_errno("cannot invalidate the FIB result cache");
  return {};
}

// Links pinned by an earlier process move to the program just loaded; the
// kernel swaps them atomically, so forwarding never stops.
Result<void> Fastpath::Impl::adopt_links() {
  for (uint32_t ifindex : detail::pinned_links(dir)) {
    const auto path = detail::link_pin(dir, ifindex);
    common::UniqueFd link(bpf_obj_get(path.c_str()));
    if (!link || bpf_link_update(link.get(), prog_fd(), nullptr) < 0) {
      // The device is gone (the link is defunct): drop the pin.
      common::log::info(kLog, "dropping stale link of ifindex {}", ifindex);
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
  return {};
}

// Transmit counters are a diagnostic: the fast path works without them.
Result<void> Fastpath::Impl::load_trace() {
  auto cookie = common::netns_cookie();
  if (!cookie) return std::unexpected(cookie.error());
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.devmap), &info, &len) < 0)
    return common::fail_errno("cannot read the DEVMAP id");

  trace.reset(trace_bpf__open());
  if (!trace) return common::fail_errno("cannot open the trace BPF object");
  trace->rodata->netns_cookie = *cookie;
  trace->rodata->devmap_id = info.id;
  const auto stats_path = dir / bpf_map__name(trace->maps.egress_stats);
  bpf_map__set_pin_path(trace->maps.egress_stats, stats_path.c_str());
  if (int err = trace_bpf__load(trace.get()); err) {
    trace.reset();
    return common::fail(err, "cannot load the transmit tracing program");
  }
  const auto tdir = detail::trace_dir(dir);
  if (auto r = make_dirs(tdir); !r) return r;
  for (bpf_program* prog : {trace->progs.fp_devmap_xmit, trace->progs.fp_redirect_err}) {
    const auto path = tdir / bpf_program__name(prog);
    // The old link goes first: two would count every event twice. Tracing
    // links cannot be detached (EOPNOTSUPP): dropping the pin, their last
    // reference, releases them.
    std::error_code gone;
    std::filesystem::remove(path, gone);
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      int err = errno;
      trace.reset();
      return common::fail(err, fmt::format("cannot attach {}", bpf_program__name(prog)));
    }
    int err = bpf_link__pin(link, path.c_str());
    bpf_link__disconnect(link);  // the pin keeps it; never detach on destroy
    bpf_link__destroy(link);
    if (err) return common::fail(err, fmt::format("cannot pin {}", path.string()));
  }
  return {};
}

Result<void> Fastpath::Impl::zero_slot(uint32_t slot) {
  auto zero = common::per_cpu_values<fp_stats>();
  if (bpf_map_update_elem(bpf_map__fd(skel->maps.stats), &slot, zero.data(), 0) < 0)
    return common::fail_errno("cannot reset counters");
  return {};
}

// A forgotten device's transmit counts join the departed total: without
// this the map fills with devices long gone (veths come and go) and, full,
// stops counting new ones.
Result<void> Fastpath::Impl::retire_egress(uint32_t ifindex) {
  if (!trace) return {};
  const int fd = bpf_map__fd(trace->maps.egress_stats);
  auto gone = common::per_cpu_values<fp_egress_stats>(), departed = gone;
  uint32_t key = ifindex, total_key = FP_EGRESS_DEPARTED;
  if (bpf_map_lookup_elem(fd, &key, gone.data()) < 0) return {};  // never counted
  bpf_map_lookup_elem(fd, &total_key, departed.data());  // absent: all zero
  for (size_t cpu = 0; cpu < gone.size(); ++cpu) common::add_counters(departed[cpu], gone[cpu]);
  if (bpf_map_update_elem(fd, &total_key, departed.data(), 0) < 0 ||
      bpf_map_delete_elem(fd, &key) < 0)
    return common::fail_errno(fmt::format("cannot retire the transmit counters of {}",
                                          ifname(ifindex)));
  return {};
}

// The interface's entry in "ifaces": its MAC, flags and counter slot.
Result<uint32_t> Fastpath::Impl::upsert_iface(const Interface& iface) {
  const int fd = bpf_map__fd(skel->maps.ifaces);
  fp_iface v{};
  uint32_t key = iface.ifindex;
  const bool known = bpf_map_lookup_elem(fd, &key, &v) == 0;
  if (!known) {
    std::set<uint32_t> used;
    uint32_t k = 0, *prev = nullptr;
    std::vector<uint32_t> keys;
    while (bpf_map_get_next_key(fd, prev, &k) == 0) {
      keys.push_back(k);
      prev = &keys.back();
    }
    for (uint32_t other : keys) {
      fp_iface o{};
      if (bpf_map_lookup_elem(fd, &other, &o) == 0) used.insert(o.slot);
    }
    uint32_t slot = 1;
    while (used.count(slot)) ++slot;
    if (slot >= FP_MAX_SLOTS)
      return common::fail(ENOSPC, fmt::format("too many fast-path interfaces (at most {})",
                                              FP_MAX_SLOTS - 1));
    if (auto r = zero_slot(slot); !r) return std::unexpected(r.error());
    v.slot = slot;
  }
  std::copy(iface.settings.mac.begin(), iface.settings.mac.end(), v.mac);
  v.flags = detail::iface_flags(iface.settings.xmit_sg, iface.settings.checks);
  if (bpf_map_update_elem(fd, &key, &v, 0) < 0)
    return common::fail_errno(fmt::format("cannot configure {}", iface.name));
  if (key < FP_IFINDEX_DIRECT &&
      bpf_map_update_elem(bpf_map__fd(skel->maps.ifaces_direct), &key, &v, 0) < 0)
    return common::fail_errno(fmt::format("cannot configure {}", iface.name));
  // Cached answers passed the interface's old source checks.
  if (auto r = bump_loader_gen(); !r) return std::unexpected(r.error());
  return v.slot;
}

Fastpath::Fastpath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Fastpath::Fastpath(Fastpath&&) noexcept = default;
Fastpath& Fastpath::operator=(Fastpath&&) noexcept = default;
Fastpath::~Fastpath() = default;

Result<Fastpath> Fastpath::load(const std::filesystem::path& pin_dir,
                                const LoadOptions& options) {
  if (auto r = detail::prepare_bpffs(pin_dir); !r) return std::unexpected(r.error());
  if (auto r = make_dirs(detail::links_dir(pin_dir)); !r)
    return std::unexpected(r.error());
  auto impl = std::make_unique<Impl>();
  impl->dir = pin_dir;
  if (auto r = impl->lock_dir(); !r) return std::unexpected(r.error());
  if (auto r = impl->load_program(options); !r) return std::unexpected(r.error());
  impl->watch_neighbours();
  if (impl->cache_unavailable) {
    common::log::warn(kLog, "FIB result cache off: {}", *impl->cache_unavailable);
    if (auto r = update_limits(bpf_map__fd(impl->skel->maps.limits), "the FIB result cache",
                               [](fp_limits& lim) { lim.fib_cache = 0; });
        !r)
      return std::unexpected(r.error());
  }
  if (auto r = impl->adopt_links(); !r) return std::unexpected(r.error());
  if (auto r = impl->load_trace(); !r)
    common::log::warn(kLog, "transmit counters unavailable: {}", r.error().message());
  return Fastpath(std::move(impl));
}

Result<XdpMode> Fastpath::attach(const Interface& iface, XdpMode mode) {
  const auto path = detail::link_pin(impl_->dir, iface.ifindex);
  const int ifaces_fd = bpf_map__fd(impl_->skel->maps.ifaces);
  uint32_t key = iface.ifindex;
  fp_iface known{};
  const bool was_known = bpf_map_lookup_elem(ifaces_fd, &key, &known) == 0;
  if (auto slot = impl_->upsert_iface(iface); !slot)
    return std::unexpected(slot.error());
  // A refused attach leaves no trace of the interface behind.
  auto forget_new = [&](Error e) -> Result<XdpMode> {
    if (!was_known) {
      bpf_map_delete_elem(ifaces_fd, &key);
      const fp_iface none{};
      if (key < FP_IFINDEX_DIRECT)
        bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.ifaces_direct), &key, &none, 0);
    }
    return std::unexpected(std::move(e));
  };

  std::optional<XdpMode> current;
  if (auto attached = xdp_attachment(iface.ifindex)) current = attached->xdp_mode;
  if (common::UniqueFd link(bpf_obj_get(path.c_str())); link) {
    if (current && (mode == XdpMode::automatic || mode == *current) &&
        bpf_link_update(link.get(), impl_->prog_fd(), nullptr) == 0)
      return *current;
    // Another mode was asked for: the kernel forwards during the switch.
    bpf_link_detach(link.get());
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }

  auto try_mode = [&](XdpMode m) -> Result<common::UniqueFd> {
    LIBBPF_OPTS(bpf_link_create_opts, opts,
                .flags = m == XdpMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
    int fd = bpf_link_create(impl_->prog_fd(), static_cast<int>(iface.ifindex),
                             BPF_XDP, &opts);
    if (fd < 0) return std::unexpected(attach_error(-fd, iface, m));
    return common::UniqueFd(fd);
  };
  XdpMode used = mode == XdpMode::generic ? XdpMode::generic : XdpMode::native;
  auto link = try_mode(used);
  if (!link && mode == XdpMode::automatic && link.error().code != EBUSY &&
      link.error().code != EEXIST) {
    common::log::info(kLog, "{}: native XDP refused ({}), using generic",
                      iface.name, link.error().message());
    used = XdpMode::generic;
    link = try_mode(used);
  }
  if (!link) return forget_new(link.error());
  if (auto r = repin(link->get(), path); !r) return forget_new(r.error());
  return used;
}

Result<void> Fastpath::detach(uint32_t ifindex) {
  const auto path = detail::link_pin(impl_->dir, ifindex);
  common::UniqueFd link(bpf_obj_get(path.c_str()));
  if (!link) return {};
  // Detach even if some other process still holds the link open.
  if (bpf_link_detach(link.get()) < 0 && errno != ENOLINK)
    return common::fail_errno(fmt::format("cannot detach from {}", ifname(ifindex)));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return {};
}

Result<void> Fastpath::configure(const Interface& iface) {
  if (auto slot = impl_->upsert_iface(iface); !slot) return std::unexpected(slot.error());
  return {};
}

namespace {

// Places every address within FP_LOCAL_PROBES slots of its hash; false if
// this salt leaves one out.
bool fill_local_table(const std::set<uint32_t>& addrs, uint32_t salt, fp_local_addrs& t) {
  t = {};
  t.salt = salt;
  for (uint32_t a : addrs) {
    const uint32_t h = FP_LOCAL_SLOT(a, salt);
    bool placed = false;
    for (uint32_t i = 0; i < FP_LOCAL_PROBES && !placed; ++i) {
      uint32_t& s = t.slot[(h + i) & (FP_LOCAL_SLOTS - 1)];
      if (!s) s = a, placed = true;
    }
    if (!placed) return false;
  }
  return true;
}

}  // namespace

Result<void> Fastpath::set_local_addresses(std::span<const uint32_t> addresses) {
  std::set<uint32_t> addrs;  // host order, as the program compares them
  for (uint32_t be : addresses)
    if (be) addrs.insert(ntohl(be));
  const int limits_fd = bpf_map__fd(impl_->skel->maps.limits);
  const int table_fd = bpf_map__fd(impl_->skel->maps.local_addrs);
  uint32_t zero = 0;
  fp_limits lim{};
  if (bpf_map_lookup_elem(limits_fd, &zero, &lim) < 0)
    return common::fail_errno("cannot read the fast path's limits");
  const uint32_t current = lim.local_slot & 1, next = current ^ 1;
  auto table = std::make_unique<fp_local_addrs>();
  const bool fits = addrs.size() <= FP_MAX_LOCAL_ADDRS;
  if (fits) {
    // The salt in use first: most changes leave it good.
    if (bpf_map_lookup_elem(table_fd, &current, table.get()) < 0)
      return common::fail_errno("cannot read the local addresses");
    uint32_t salt = table->salt;
    while (!fill_local_table(addrs, salt, *table)) salt = salt * 1103515245u + 12345u;
  } else {
    table->unknown = 1;  // fail safe: the kernel checks every source
  }
  // Written into the entry nobody reads, then made current in one store.
  if (bpf_map_update_elem(table_fd, &next, table.get(), 0) < 0)
    return common::fail_errno("cannot record the local addresses");
  lim.local_slot = next;
  if (bpf_map_update_elem(limits_fd, &zero, &lim, 0) < 0)
    return common::fail_errno("cannot switch to the new local addresses");
  // A cached answer passed the check against the table before.
  if (auto r = impl_->bump_loader_gen(); !r) return r;
  if (!fits)
    return common::fail(ENOSPC,
                        fmt::format("{} local IPv4 addresses, the fast path holds {}: it "
                                    "hands every IPv4 source to the kernel to check",
                                    addrs.size(), FP_MAX_LOCAL_ADDRS),
                        "remove addresses: IPv4 takes the fast path again at "
                        "FP_MAX_LOCAL_ADDRS or fewer");
  return {};
}


Result<void> Fastpath::set_full_source_check(bool full) {
  if (auto r = update_limits(bpf_map__fd(impl_->skel->maps.limits), "the source check",
                             [&](fp_limits& lim) { lim.full_source_check = full; });
      !r)
    return r;
  return impl_->bump_loader_gen();  // cached answers passed the old check
}

namespace {

uint64_t lease_end() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // bpf_ktime_get_coarse_ns's clock
  return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ull + now.tv_nsec +
         std::chrono::nanoseconds(kFibCacheLease).count();
}

}  // namespace

Result<void> Fastpath::set_fib_cache(bool ipv4, bool ipv6, bool gated) {
  if ((ipv4 || ipv6) && impl_->cache_unavailable)
    return common::fail(EOPNOTSUPP,
                        fmt::format("the FIB result cache is unavailable: {}",
                                    *impl_->cache_unavailable),
                        "set fib_cache_entries = 0 in routerd.conf");
  // Entries from an earlier time on may predate changes since.
  if (auto r = impl_->bump_loader_gen(); !r) return r;
  return update_limits(bpf_map__fd(impl_->skel->maps.limits), "the FIB result cache",
                       [&](fp_limits& lim) {
                         lim.fib_cache = (ipv4 ? FP_CACHE_IPV4 : 0u) | (ipv6 ? FP_CACHE_IPV6 : 0u) |
                                         (gated ? 0u : FP_CACHE_UNGATED);
                         lim.ipv6_cache_until_ns = ipv6 ? lease_end() : 0;
                       });
}

Result<void> Fastpath::renew_fib_cache_lease() {
  return update_limits(bpf_map__fd(impl_->skel->maps.limits), "the IPv6 cache lease",
                       [&](fp_limits& lim) {
                         if (lim.fib_cache & FP_CACHE_IPV6) lim.ipv6_cache_until_ns = lease_end();
                       });
}

const std::optional<std::string>& Fastpath::fib_cache_unavailable() const {
  return impl_->cache_unavailable;
}

Result<void> Fastpath::invalidate_fib_cache() { return impl_->bump_loader_gen(); }

Result<void> Fastpath::set_policy(const Policy& p) {
  const uint32_t flags =
      (p.ipv4.xfrm ? FP_POLICY_XFRM4 : 0u) | (p.ipv6.xfrm ? FP_POLICY_XFRM6 : 0u) |
      (p.ipv4.netfilter ? FP_POLICY_NF4 : 0u) | (p.ipv6.netfilter ? FP_POLICY_NF6 : 0u) |
      (p.ipv4.conntrack_gate ? FP_POLICY_CT4 : 0u) |
      (p.ipv6.conntrack_gate ? FP_POLICY_CT6 : 0u) | (p.tcp_liberal ? FP_POLICY_CT_TCP : 0u);
  auto ms = [](uint32_t s) { return static_cast<uint32_t>(std::min<uint64_t>(s * 1000ull, UINT32_MAX)); };
  return update_limits(bpf_map__fd(impl_->skel->maps.limits), "the kernel policy flags",
                       [&](fp_limits& lim) {
                         lim.policy = flags;
                         lim.ct_tcp_timeout_ms = ms(p.tcp_established_s);
                         lim.ct_udp_timeout_ms = ms(p.udp_stream_s);
                       });
}

Result<void> Fastpath::set_mtu_ceilings(uint32_t ipv4, uint32_t ipv6) {
  return update_limits(bpf_map__fd(impl_->skel->maps.limits), "the route MTU ceilings",
                       [&](fp_limits& lim) {
                         lim.ipv4_mtu_ceiling = ipv4;
                         lim.ipv6_mtu_ceiling = ipv6;
                       });
}

Result<void> Fastpath::add_egress(const Interface& iface) {
  if (auto slot = impl_->upsert_iface(iface); !slot)
    return std::unexpected(slot.error());
  uint32_t key = iface.ifindex;
  bpf_devmap_val val{};
  val.ifindex = iface.ifindex;
  // The kernel resolves the ifindex in this process's network namespace.
  if (bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.devmap), &key, &val, 0) < 0)
    return common::fail_errno(fmt::format("cannot add {} to the DEVMAP", iface.name));
  return {};
}

Result<void> Fastpath::remove_egress(uint32_t ifindex) {
  uint32_t key = ifindex;
  if (bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.devmap), &key) < 0 &&
      errno != ENOENT)
    return common::fail_errno(
        fmt::format("cannot remove {} from the DEVMAP", ifname(ifindex)));
  return {};
}

Result<void> Fastpath::forget(uint32_t ifindex) {
  if (auto r = remove_egress(ifindex); !r) return r;
  if (auto r = detach(ifindex); !r) return r;
  uint32_t key = ifindex;
  if (key < FP_IFINDEX_DIRECT) {
    const fp_iface none{};
    bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.ifaces_direct), &key, &none, 0);
  }
  if (bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.ifaces), &key) < 0 &&
      errno != ENOENT)
    return common::fail_errno(fmt::format("cannot forget {}", ifname(ifindex)));
  return impl_->retire_egress(ifindex);
}

namespace {

// Detaches links (even ones other processes hold open) and removes pins.
Result<void> remove_state(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& sub : {detail::links_dir(dir), detail::trace_dir(dir)})
    for (const auto& entry : std::filesystem::directory_iterator(sub, ec))
      if (common::UniqueFd link(bpf_obj_get(entry.path().c_str())); link)
        bpf_link_detach(link.get());
  std::filesystem::remove_all(dir, ec);
  if (ec) return common::fail(ec.value(), fmt::format("cannot remove {}", dir.string()));
  return {};
}

}  // namespace

Result<void> Fastpath::destroy() { return remove_state(impl_->dir); }

Result<bool> Fastpath::unload(const std::filesystem::path& pin_dir) {
  if (!std::filesystem::exists(pin_dir)) return false;
  common::UniqueFd lock(::open(pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) < 0)
    return common::fail(EBUSY,
                        "the fast path of this network namespace is in use by "
                        "another process",
                        "stop that process (routerd?) first");
  if (auto r = remove_state(pin_dir); !r) return std::unexpected(r.error());
  return true;
}

namespace {

// Whether one of dir's XDP links still has its device (a link whose device
// went away, with its namespace, says ifindex 0).
bool has_live_link(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(detail::links_dir(dir), ec)) {
    common::UniqueFd link(bpf_obj_get(entry.path().c_str()));
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    if (!link || bpf_obj_get_info_by_fd(link.get(), &info, &len) < 0 || info.xdp.ifindex)
      return true;  // unreadable counts as live: never remove what may be used
  }
  return false;
}

}  // namespace

size_t Fastpath::collect_orphans(const std::filesystem::path& pin_dir) {
  constexpr std::string_view kPrefix = "netns-";
  std::vector<std::pair<std::filesystem::path, uint64_t>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pin_dir.parent_path(), ec)) {
    const std::string name = entry.path().filename();
    if (entry.path() == pin_dir || !name.starts_with(kPrefix) || name.size() == kPrefix.size() ||
        !std::all_of(name.begin() + kPrefix.size(), name.end(), ::isdigit))
      continue;
    found.emplace_back(entry.path(), std::stoull(name.substr(kPrefix.size())));
  }
  if (found.empty()) return 0;
  const std::set<uint64_t> live = common::live_netns_cookies();
  size_t removed = 0;
  for (const auto& [dir, cookie] : found) {
    if (live.count(cookie) || has_live_link(dir)) continue;
    common::UniqueFd lock(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) continue;  // held: in use
    if (auto r = remove_state(dir); !r) {
      common::log::warn(kLog, "{}", r.error().message());
      continue;
    }
    common::log::info(kLog, "removed {}: the fast path of a network namespace that is gone",
                      dir.string());
    ++removed;
  }
  return removed;
}

Result<Snapshot> Fastpath::snapshot() const {
  return detail::read_snapshot(impl_->fds(), impl_->dir);
}

int Fastpath::program_fd() const { return impl_->prog_fd(); }
const std::filesystem::path& Fastpath::pin_dir() const { return impl_->dir; }
bool Fastpath::counts_transmit() const { return impl_->trace != nullptr; }

Result<TestRun> test_run(int prog_fd, std::span<const uint8_t> frame,
                         uint32_t ingress_ifindex, uint32_t repeat) {
  TestRun out;
  out.output.resize(frame.size() + 256);
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(frame.size());
  ctx.ingress_ifindex = ingress_ifindex;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_out = out.output.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.output.size()),
              .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
              .repeat = static_cast<int>(repeat));
  if (int err = bpf_prog_test_run_opts(prog_fd, &opts); err)
    return common::fail(err, fmt::format("cannot run the program on a {}-byte frame",
                                         frame.size()));
  out.action = opts.retval;
  out.output.resize(opts.data_size_out);
  out.duration_ns = opts.duration;
  return out;
}

}  // namespace fastpath
