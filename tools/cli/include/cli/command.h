// The object–verb grammar of ip(8): commands in tables, matched by name or
// unambiguous prefix, keyword arguments, exit codes 0/1/2.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace cli {

// iproute2's exit codes: 1 for a usage error, 2 when the system refused.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitFailure = 2;

// The words after the command, consumed front to back.
class Args {
 public:
  explicit Args(std::vector<std::string> words) : words_(std::move(words)) {}
  bool empty() const { return pos_ >= words_.size(); }
  const std::string& peek() const { return words_[pos_]; }
  std::string next() { return words_[pos_++]; }
  size_t remaining() const { return words_.size() - pos_; }

 private:
  std::vector<std::string> words_;
  size_t pos_ = 0;
};

template <typename Context>
struct Command {
  std::string_view name;
  std::string_view usage;  // one line, after the command's name
  std::function<int(Context&, Args&)> run;
  bool preferred = false;  // wins an abbreviation shared with others
};

// Finds the command named word, or the one it abbreviates. A prefix of
// several names picks the one marked `preferred` (as `s` means `show`, the
// harmless reading); otherwise it is ambiguous and refused.
template <typename C>
common::Result<const C*> match(std::span<const C> table, std::string_view word) {
  std::vector<const C*> prefixed;
  for (const C& c : table) {
    if (c.name == word) return &c;
    if (!word.empty() && c.name.starts_with(word)) prefixed.push_back(&c);
  }
  if (prefixed.size() == 1) return prefixed.front();
  if (prefixed.empty())
    return common::fail(EINVAL, "unknown command \"" + std::string(word) + "\"");
  std::string names;
  const C* preferred = nullptr;
  int n_preferred = 0;
  for (const C* c : prefixed) {
    names += names.empty() ? "" : ", ";
    names += c->name;
    if (c->preferred) {
      preferred = c;
      ++n_preferred;
    }
  }
  if (n_preferred == 1) return preferred;
  return common::fail(EINVAL, "\"" + std::string(word) + "\" is ambiguous: " + names);
}

// A global option: -x, -name or --name, matched by unambiguous prefix.
struct Option {
  std::string_view name;
  bool takes_value = false;  // consumes the next word
  bool preferred = false;    // wins a shared abbreviation (-p is --pretty)
};

struct CommandLine {
  std::vector<std::pair<const Option*, std::string>> options;  // with values
  std::vector<std::string> words;                              // the rest
};

// Splits argv into options and words. With options_anywhere, "-x" may come
// after words too ("sink dev X -j"; no keyword value starts with '-');
// otherwise options end at the first word or "--", as in ip(8).
common::Result<CommandLine> split_command_line(int argc, char** argv,
                                               std::span<const Option> table,
                                               bool options_anywhere);

// Keyword arguments ("dev NAME mode native"): each keyword, matched by name
// or unambiguous prefix, takes the next word as its value.
class Keywords {
 public:
  explicit Keywords(std::vector<std::string_view> known) : known_(std::move(known)) {}
  // Consumes all words; a word that is not a keyword becomes the value of
  // `bare` (e.g. `link show eth0` means `dev eth0`), if given.
  common::Result<void> parse(Args& args, std::string_view bare = {});
  std::optional<std::string> get(std::string_view keyword) const;

 private:
  std::vector<std::string_view> known_;
  std::vector<std::pair<std::string_view, std::string>> values_;
};

}  // namespace cli
