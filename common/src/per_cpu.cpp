#include "common/per_cpu.h"

#include <bpf/libbpf.h>

#include <algorithm>

namespace common {

int possible_cpus() {
  static const int n = std::max(libbpf_num_possible_cpus(), 1);
  return n;
}

}  // namespace common
