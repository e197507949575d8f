// What the benchmark's small tools share: -j anywhere on the command line,
// ip(8)-style keywords after it, and errors reported with their hint.
#pragma once

#include <fmt/core.h>

#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/output.h"
#include "common/error.h"

namespace bench {

struct ToolArgs {
  cli::Format format = cli::Format::text;
  std::vector<std::string> words;  // the keywords and their values
};

inline ToolArgs split_args(int argc, char** argv) {
  ToolArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view w = argv[i];
    if (w == "-j" || w == "-json" || w == "--json")
      a.format = cli::Format::json;
    else
      a.words.emplace_back(w);
  }
  return a;
}

// Prints "TOOL: what" and the hint; returns exit_code.
inline int report(std::string_view tool, const common::Error& e,
                  int exit_code = cli::kExitFailure) {
  fmt::print(stderr, "{}: {}\n", tool, e.message());
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
  return exit_code;
}

inline int usage(std::string_view tool, const common::Error& e, std::string_view text) {
  fmt::print(stderr, "{}: {}\nUsage: {}\n", tool, e.what, text);
  return cli::kExitUsage;
}

}  // namespace bench
