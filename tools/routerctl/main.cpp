// routerctl: the ip(8)-style command for the XDP fast path.
#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>

#include "common/log.h"
#include "context.h"
#include "grammar.h"
#include "fastpath/fastpath.h"
#include "routerd/control.h"

namespace routerctl {

int report(const common::Error& e, int exit_code) {
  fmt::print(stderr, "routerctl: {}\n", e.message());
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
  return exit_code;
}

int usage_error(const std::string& what, std::string_view usage) {
  std::string lines(usage);
  for (size_t at = 0; (at = lines.find('\n', at)) != std::string::npos; at += 8)
    lines.replace(at, 1, "\n       ");
  fmt::print(stderr, "routerctl: {}\nUsage: {}\n", what, lines);
  return cli::kExitUsage;
}

common::Result<std::filesystem::path> pin_dir(const Context& ctx) {
  if (!ctx.pin_dir.empty()) return ctx.pin_dir;
  // routerd may pin elsewhere (its pin_dir setting): ask it first.
  if (auto status = daemon_request(ctx, {{"command", "status"}});
      status && status->value("ok", false) && status->contains("pin_dir"))
    return std::filesystem::path(status->at("pin_dir").get<std::string>());
  return fastpath::default_pin_dir();
}

common::Result<nlohmann::json> daemon_request(const Context& ctx, const nlohmann::json& req) {
  std::filesystem::path path = ctx.socket;
  if (path.empty()) {
    auto p = routerd::control::default_socket_path();
    if (!p) return std::unexpected(p.error());
    path = *p;
  }
  return routerd::control::request(path, req);
}

bool daemon_absent(const common::Error& e) {
  return e.code == ENOENT || e.code == ECONNREFUSED;
}

}  // namespace routerctl

namespace {

const std::array<cli::Option, 8> kOptions{{
    {"json"},
    {"pretty", false, true},
    {"statistics"},
    {"debug"},
    {"help"},
    {"Version"},
    {"pin-dir", true},
    {"Socket", true},
}};

// Applies one global option; returns an exit code when the program is done.
std::optional<int> apply_option(routerctl::Context& ctx, const cli::Option& opt,
                                 const std::string& value) {
  using namespace routerctl;
  if (opt.name == "json") ctx.format = cli::Format::json;
  else if (opt.name == "pretty") ctx.format = cli::Format::pretty;
  else if (opt.name == "statistics") ctx.statistics = true;
  else if (opt.name == "debug") common::log::set_level(common::log::Level::debug);
  else if (opt.name == "pin-dir") ctx.pin_dir = value;
  else if (opt.name == "Socket") ctx.socket = value;
  else if (opt.name == "Version") {
    fmt::print("routerctl 0.1.0\n");
    return cli::kExitOk;
  } else {
    fmt::print("{}", routerctl::usage_text());
    return cli::kExitOk;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace routerctl;
  Context ctx;
  // For the bash completion: the candidates after the words given.
  if (argc > 1 && std::string_view(argv[1]) == "complete") {
    for (const std::string& c : complete({argv + 2, argv + argc}, kOptions)) fmt::print("{}\n", c);
    return cli::kExitOk;
  }
  // Options come before the object, as in ip(8).
  auto line = cli::split_command_line(argc, argv, kOptions, false);
  if (!line) return usage_error(line.error().what, "routerctl help");
  for (const auto& [opt, value] : line->options)
    if (auto done = apply_option(ctx, *opt, value)) return *done;
  const auto& words = line->words;
  fastpath::route_libbpf_logs();
  if (words.empty()) {
    fmt::print(stderr, "{}", usage_text());
    return cli::kExitUsage;
  }
  return dispatch(ctx, words);
}
