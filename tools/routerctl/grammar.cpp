// The command table and what is made from it.
#include "grammar.h"

#include <fmt/core.h>
#include <net/if.h>

#include <algorithm>

namespace routerctl {
namespace {

int help(Context&, cli::Args&) {
  fmt::print("{}", usage_text());
  return cli::kExitOk;
}

const Param kDev{"dev", "NAME", {}, false, false, true};

const std::vector<Object> kObjects{
    {"link",
     {{"show", {kDev}, link_show, true},
      {"set",
       {{"dev", "NAME", {}, true, false, true},
        {"fastpath", {}, {"native", "generic", "auto", "off"}, true}},
       link_set}},
     true},
    {"route",
     {{"get",
       {{"to", "ADDRESS", {}, true, true},
        {"iif", "NAME", {}, true, false, true},
        {"from", "ADDRESS"},
        {"proto", {}, {"udp", "tcp", "icmp"}},
        {"sport", "N"},
        {"dport", "N"},
        {"ttl", "N"},
        {"size", "N"}},
       route_get,
       true}}},
    {"stats", {{"", {kDev}, stats}}, true},
    {"monitor", {{"", {kDev, {"count", "N"}}, monitor}}},
    {"fastpath", {{"show", {}, fastpath_show, true}, {"unload", {}, fastpath_unload}}},
    {"daemon", {{"status", {}, daemon_status, true}}},
    {"help", {{"", {}, help}}},
};

const Object* find_object(std::string_view name) {
  for (const Object& o : kObjects)
    if (o.name == name) return &o;
  return nullptr;
}

const Verb* find_verb(const Object& o, std::string_view name) {
  for (const Verb& v : o.verbs)
    if (v.name == name) return &v;
  return nullptr;
}

std::string param_usage(const Param& p) {
  std::string value(p.meta);
  if (!p.choices.empty()) {
    value = "{ ";
    for (size_t i = 0; i < p.choices.size(); ++i)
      value += fmt::format("{}{}", i ? " | " : "", p.choices[i]);
    value += " }";
  }
  const std::string text = p.bare ? value : fmt::format("{} {}", p.keyword, value);
  return p.required ? text : "[" + text + "]";
}

std::string line(const Object& o, const Verb& v) {
  std::string s = fmt::format("routerctl {}", o.name);
  if (!v.name.empty()) s += fmt::format(" {}", v.name);
  for (const Param& p : v.params) s += " " + param_usage(p);
  return s;
}

// Matches word against names (exact, or an unambiguous or preferred prefix).
template <typename T>
const T* match(const std::vector<T>& items, std::string_view word, std::string& error) {
  std::vector<cli::Command<Context>> table;
  for (const T& t : items) table.push_back({t.name, {}, {}, t.preferred});
  auto m = cli::match<cli::Command<Context>>(table, word);
  if (!m) {
    error = m.error().what;
    return nullptr;
  }
  return &items[static_cast<size_t>(*m - table.data())];
}

std::vector<std::string> device_names() {
  std::vector<std::string> out;
  if (struct if_nameindex* names = if_nameindex()) {
    for (struct if_nameindex* n = names; n->if_index; ++n) out.emplace_back(n->if_name);
    if_freenameindex(names);
  }
  return out;
}

}  // namespace

const std::vector<Object>& objects() { return kObjects; }

std::string usage_of(std::string_view object, std::string_view verb) {
  const Object* o = find_object(object);
  if (!o) return "routerctl help";
  if (const Verb* v = find_verb(*o, verb)) return line(*o, *v);
  std::string all;
  for (const Verb& v : o->verbs) all += (all.empty() ? "" : "\n") + line(*o, v);
  return all;
}

std::vector<std::string_view> keywords_of(std::string_view object, std::string_view verb) {
  std::vector<std::string_view> out;
  if (const Object* o = find_object(object))
    if (const Verb* v = find_verb(*o, verb))
      for (const Param& p : v->params) out.push_back(p.keyword);
  return out;
}

std::string_view bare_of(std::string_view object, std::string_view verb) {
  if (const Object* o = find_object(object))
    if (const Verb* v = find_verb(*o, verb))
      for (const Param& p : v->params)
        if (p.bare || p.device) return p.keyword;
  return {};
}

std::string usage_text() {
  std::string names;
  for (const Object& o : kObjects) names += fmt::format("{}{}", names.empty() ? "" : " | ", o.name);
  std::string text = fmt::format(
      "Usage: routerctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
      "OBJECT := {{ {} }}\n"
      "OPTIONS := {{ -j[son] | -p[retty] | -s[tatistics] | -d[ebug] |\n"
      "             --pin-dir DIR | -S[ocket] PATH | -h[elp] | -V[ersion] }}\n\n",
      names);
  for (const Object& o : kObjects)
    if (o.name != "help")
      for (const Verb& v : o.verbs) text += "  " + line(o, v) + "\n";
  return text;
}

int dispatch(Context& ctx, const std::vector<std::string>& words) {
  std::string error;
  const Object* o = match(kObjects, words.front(), error);
  if (!o) return usage_error(error, "routerctl help");
  // `routerctl OBJECT help` (or help anywhere after it) at every level.
  if (std::find(words.begin() + 1, words.end(), "help") != words.end()) {
    std::string usage = usage_of(o->name);
    for (size_t at = 0; (at = usage.find('\n', at)) != std::string::npos; at += 8)
      usage.replace(at, 1, "\n       ");
    fmt::print("Usage: {}\n", usage);
    return cli::kExitOk;
  }
  cli::Args args(std::vector<std::string>(words.begin() + 1, words.end()));
  const Verb* v = &o->verbs.front();
  if (!v->name.empty()) {
    if (args.empty()) {
      const auto d = std::find_if(o->verbs.begin(), o->verbs.end(),
                                  [](const Verb& x) { return x.preferred; });
      if (d == o->verbs.end())
        return usage_error(fmt::format("{} needs a command", o->name), usage_of(o->name));
      v = &*d;
    } else if (!(v = match(o->verbs, args.next(), error))) {
      return usage_error(error, usage_of(o->name));
    }
  }
  return v->run(ctx, args);
}

std::vector<std::string> complete(const std::vector<std::string>& typed,
                                  std::span<const cli::Option> options) {
  std::vector<std::string> words;  // the non-option words before the last
  const std::string cur = typed.empty() ? "" : typed.back();
  for (size_t i = 0; i + 1 < typed.size(); ++i) {
    if (typed[i].starts_with("-")) {
      const std::string_view name = std::string_view(typed[i]).substr(typed[i].find_first_not_of('-'));
      for (const cli::Option& o : options)
        if (o.takes_value && o.name.starts_with(name) && !name.empty()) ++i;
      continue;
    }
    words.push_back(typed[i]);
  }
  std::vector<std::string> out;
  if (words.empty()) {
    if (cur.starts_with("-"))
      for (const cli::Option& o : options) out.push_back(fmt::format("-{}", o.name));
    else
      for (const Object& o : kObjects) out.emplace_back(o.name);
    return out;
  }
  std::string error;
  const Object* o = match(kObjects, words[0], error);
  if (!o) return out;
  size_t next = 1;
  const Verb* v = &o->verbs.front();
  if (!v->name.empty()) {
    if (words.size() == 1) {
      for (const Verb& x : o->verbs) out.emplace_back(x.name);
      out.emplace_back("help");
      return out;
    }
    if (!(v = match(o->verbs, words[1], error))) return out;
    next = 2;
  }
  // After a keyword: its value.
  if (words.size() > next) {
    for (const Param& p : v->params)
      if (p.keyword == words.back() && words.size() - next) {
        if (p.device) return device_names();
        for (std::string_view c : p.choices) out.emplace_back(c);
        return out;
      }
  }
  for (const Param& p : v->params)
    if (!p.bare && std::find(words.begin() + next, words.end(), p.keyword) == words.end())
      out.emplace_back(p.keyword);
  return out;
}

}  // namespace routerctl
