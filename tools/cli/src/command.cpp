// Keyword arguments of the ip(8)-style grammar.
#include "cli/command.h"

namespace cli {

common::Result<CommandLine> split_command_line(int argc, char** argv,
                                               std::span<const Option> table,
                                               bool options_anywhere) {
  CommandLine out;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (!options_done && word == "--") {
      options_done = true;
      continue;
    }
    if (options_done || word.size() < 2 || word[0] != '-') {
      out.words.emplace_back(word);
      options_done = options_done || !options_anywhere;
      continue;
    }
    word.remove_prefix(word.starts_with("--") ? 2 : 1);
    auto opt = match<Option>(table, word);
    if (!opt) return common::fail(EINVAL, "unknown option \"" + std::string(argv[i]) + "\"");
    std::string value;
    if ((*opt)->takes_value) {
      if (i + 1 >= argc)
        return common::fail(EINVAL, std::string(argv[i]) + " needs a value");
      value = argv[++i];
    }
    out.options.emplace_back(*opt, std::move(value));
  }
  return out;
}

common::Result<void> Keywords::parse(Args& args, std::string_view bare) {
  while (!args.empty()) {
    const std::string word = args.next();
    std::string_view hit;
    int hits = 0;
    for (std::string_view k : known_) {
      if (k == word) {
        hit = k;
        hits = 1;
        break;
      }
      if (k.starts_with(word)) {
        hit = k;
        ++hits;
      }
    }
    if (hits > 1) return common::fail(EINVAL, "\"" + word + "\" is ambiguous");
    if (hits == 0) {
      if (bare.empty() || get(bare))
        return common::fail(EINVAL, "unknown argument \"" + word + "\"");
      values_.emplace_back(bare, word);
      continue;
    }
    if (args.empty())
      return common::fail(EINVAL, "\"" + std::string(hit) + "\" needs a value");
    if (get(hit)) return common::fail(EINVAL, "\"" + std::string(hit) + "\" given twice");
    values_.emplace_back(hit, args.next());
  }
  return {};
}

std::optional<std::string> Keywords::get(std::string_view keyword) const {
  for (const auto& [k, v] : values_)
    if (k == keyword) return v;
  return std::nullopt;
}

}  // namespace cli
