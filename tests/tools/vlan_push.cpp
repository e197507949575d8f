// Test tool: VLAN tags delivered out of band. Attaches vlan_push.bpf.c to
// a device's TC egress (clsact): its IPv4 frames leave tagged the way a
// VLAN device's do on a lower with VLAN transmit offload. The filter stays
// once the tool exits.
//
//   vlan-push DEV VID   attach, tagging with VID
//   vlan-push DEV off   remove the clsact qdisc (and so the filter)
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <net/if.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "vlan_push_bpf.skel.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: vlan-push DEV {{ VID | off }}\n");
    return 2;
  }
  const unsigned ifindex = if_nametoindex(argv[1]);
  if (!ifindex) {
    fmt::print(stderr, "vlan-push: Cannot find device \"{}\"\n", argv[1]);
    return 1;
  }
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
              .attach_point = BPF_TC_EGRESS);
  if (std::string_view(argv[2]) == "off") {
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    if (int err = bpf_tc_hook_destroy(&hook); err && err != -ENOENT) {
      fmt::print(stderr, "vlan-push: cannot remove clsact from {}: {}\n", argv[1],
                 std::strerror(-err));
      return 1;
    }
    return 0;
  }
  const int vid = std::atoi(argv[2]);
  if (vid < 1 || vid > 4094) {
    fmt::print(stderr, "vlan-push: VID must be 1..4094, not \"{}\"\n", argv[2]);
    return 2;
  }
  std::unique_ptr<vlan_push_bpf, decltype(&vlan_push_bpf__destroy)> skel(
      vlan_push_bpf__open(), vlan_push_bpf__destroy);
  if (!skel) return fmt::print(stderr, "vlan-push: cannot open the BPF object\n"), 1;
  skel->rodata->vid = static_cast<__u16>(vid);
  if (int err = vlan_push_bpf__load(skel.get()); err)
    return fmt::print(stderr, "vlan-push: cannot load: {}\n", std::strerror(-err)), 1;
  if (int err = bpf_tc_hook_create(&hook); err && err != -EEXIST)
    return fmt::print(stderr, "vlan-push: no clsact on {}: {}\n", argv[1], std::strerror(-err)), 1;
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(skel->progs.vlan_push));
  if (int err = bpf_tc_attach(&hook, &opts); err)
    return fmt::print(stderr, "vlan-push: cannot attach: {}\n", std::strerror(-err)), 1;
  return 0;
}
