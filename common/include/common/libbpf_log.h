// libbpf's messages through the project logger, demoted one level (its
// warnings are mostly feature probes that may fail): for every program
// that uses libbpf.
#pragma once

namespace common {

void route_libbpf_logs();

}  // namespace common
