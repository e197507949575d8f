// Per-CPU map values: one value a possible CPU, as the kernel hands them
// out, and their sum for structs made only of __u64 counters (every
// counter struct in the ABI headers).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace common {

// libbpf's count of possible CPUs (at least 1), read once.
int possible_cpus();

// A buffer for one key's values.
template <typename T>
std::vector<T> per_cpu_values() {
  static_assert(sizeof(T) % 8 == 0, "the kernel rounds per-CPU values up to 8 bytes");
  return std::vector<T>(possible_cpus());
}

// into += from, counter by counter. T holds __u64 counters only.
template <typename T>
void add_counters(T& into, const T& from) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(uint64_t) == 0);
  std::array<uint64_t, sizeof(T) / sizeof(uint64_t)> a, b;
  std::memcpy(a.data(), &into, sizeof(T));
  std::memcpy(b.data(), &from, sizeof(T));
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  std::memcpy(&into, a.data(), sizeof(T));
}

// All CPUs' counters added up.
template <typename T>
T sum_counters(std::span<const T> values) {
  T total{};
  for (const T& v : values) add_counters(total, v);
  return total;
}

}  // namespace common
