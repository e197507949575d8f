// The text/JSON printing layer.
#include "cli/output.h"

#include <cstdio>

namespace cli {

Output::Output(Format format, std::FILE* sink) : format_(format), sink_(sink) {
  root_ = nlohmann::ordered_json::object();
  stack_.push_back(&root_);
}

Output::~Output() { flush(); }

void Output::put(std::string_view key, nlohmann::ordered_json value) {
  nlohmann::ordered_json& top = *stack_.back();
  if (top.is_array()) top.push_back(std::move(value));
  else top[std::string(key)] = std::move(value);
}

void Output::open_object(std::string_view key) {
  if (!json()) return;
  nlohmann::ordered_json& top = *stack_.back();
  nlohmann::ordered_json* child;
  if (top.is_array()) {
    top.push_back(nlohmann::ordered_json::object());
    child = &top.back();
  } else if (key.empty()) {
    child = &top;  // the root object itself
  } else {
    child = &(top[std::string(key)] = nlohmann::ordered_json::object());
  }
  stack_.push_back(child);
}

void Output::close_object() {
  if (json() && stack_.size() > 1) stack_.pop_back();
}

void Output::open_array(std::string_view key) {
  if (!json()) return;
  nlohmann::ordered_json& top = *stack_.back();
  nlohmann::ordered_json* child;
  if (top.is_array()) {
    top.push_back(nlohmann::ordered_json::array());
    child = &top.back();
  } else {
    child = &(top[std::string(key)] = nlohmann::ordered_json::array());
  }
  stack_.push_back(child);
}

void Output::close_array() { close_object(); }

void Output::text(std::string_view s) {
  if (!json()) text_ += s;
}

std::string Output::render() const {
  if (!json()) return text_;
  return root_.dump(format_ == Format::pretty ? 2 : -1) + "\n";
}

void Output::flush() {
  if (flushed_) return;
  flushed_ = true;
  if (!sink_) return;
  std::fputs(render().c_str(), sink_);
  std::fflush(sink_);
}

}  // namespace cli
