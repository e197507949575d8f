// routerctl fastpath: the fast path of this network namespace as a whole.
#include <fmt/core.h>
#include <unistd.h>

#include <array>

#include "context.h"
#include "grammar.h"
#include "fastpath/fastpath.h"

namespace routerctl {

int fastpath_show(Context& ctx, cli::Args& args) {
  if (!args.empty()) return usage_error("unexpected argument", usage_of("fastpath", "show"));
  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto pinned = fastpath::PinnedState::open(*dir);
  cli::Output out(ctx.format);
  out.open_object();
  out.field("pin_dir", dir->string(), "pin directory {}\n");
  out.field("loaded", pinned.has_value(), pinned ? "loaded\n" : "not loaded\n");
  if (pinned) {
    auto snap = pinned->snapshot();
    if (!snap) return report(snap.error());
    size_t attached = 0, egress = 0;
    for (const auto& s : snap->interfaces) {
      attached += s.attached;
      egress += s.egress;
    }
    out.field("attached", attached, "attached to {} interfaces");
    out.field("egress", egress, ", {} egress devices\n");
  }
  return cli::kExitOk;
}

int fastpath_unload(Context& ctx, cli::Args& args) {
  if (!args.empty()) return usage_error("unexpected argument", usage_of("fastpath", "unload"));
  if (::geteuid() != 0)
    return report({EPERM, "unloading the fast path needs root", "run it with sudo"});
  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto removed = fastpath::Fastpath::unload(*dir);
  if (!removed) return report(removed.error());
  cli::Output out(ctx.format);
  out.open_object();
  out.field("unloaded", *removed, *removed ? "fast path unloaded\n" : "fast path was not loaded\n");
  return cli::kExitOk;
}

}  // namespace routerctl
