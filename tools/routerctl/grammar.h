// routerctl's commands as one table: dispatch, usage text, `help` at every
// level and bash completion are all made from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "context.h"

namespace routerctl {

// One argument of a verb: a keyword and its value.
struct Param {
  std::string_view keyword;
  std::string_view meta;                   // NAME, N, ADDRESS; or choices instead
  std::vector<std::string_view> choices;   // the values it takes
  bool required = false;
  bool bare = false;    // given without its keyword (route get ADDRESS)
  bool device = false;  // an interface name
};

struct Verb {
  std::string_view name;  // "": the object takes the arguments itself
  std::vector<Param> params;
  int (*run)(Context&, cli::Args&);
  bool preferred = false;  // wins an abbreviation; the default when none is given
};

struct Object {
  std::string_view name;
  std::vector<Verb> verbs;
  bool preferred = false;
};

const std::vector<Object>& objects();

// "routerctl link set dev NAME fastpath { native | generic | auto | off }"
std::string usage_of(std::string_view object, std::string_view verb = {});
// The verb's keywords, for cli::Keywords, and the one given bare ("" if none).
std::vector<std::string_view> keywords_of(std::string_view object, std::string_view verb = {});
std::string_view bare_of(std::string_view object, std::string_view verb = {});

// The whole usage text (routerctl help, -h).
std::string usage_text();

// Runs the command the words name (object first); `help` anywhere after
// the object prints that object's usage.
int dispatch(Context& ctx, const std::vector<std::string>& words);

// Completion candidates after the words typed so far, the last one being
// completed (possibly empty); options are skipped.
std::vector<std::string> complete(const std::vector<std::string>& words,
                                  std::span<const cli::Option> options);

}  // namespace routerctl
