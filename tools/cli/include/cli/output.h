// One printing layer for text and JSON, as iproute2's json_print: every
// field goes through one call that emits either form, so -j cannot drift
// from the text output.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

enum class Format { text, json, pretty };

class Output {
 public:
  // Writes to sink when flushed or destroyed; nullptr keeps it for render().
  explicit Output(Format format, std::FILE* sink = stdout);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();

  bool json() const { return format_ != Format::text; }

  // Containers: the key is ignored inside arrays and in text.
  void open_object(std::string_view key = {});
  void close_object();
  void open_array(std::string_view key);
  void close_array();

  // A field: JSON gets key: value; text gets fmt::format(text_fmt, value).
  // An empty text_fmt prints nothing in text.
  template <typename T>
  void field(std::string_view key, const T& value, std::string_view text_fmt) {
    if (json()) {
      put(key, nlohmann::ordered_json(value));
    } else if (!text_fmt.empty()) {
      text_ += fmt::format(fmt::runtime(text_fmt), value);
    }
  }
  // Text only: labels, separators, line ends.
  void text(std::string_view s);
  void newline() { text("\n"); }

  // What flush() writes: the text, or the JSON document.
  std::string render() const;
  // The JSON document built so far (for a reply that is not printed).
  const nlohmann::ordered_json& document() const { return root_; }
  // Writes everything to the sink (JSON is written once, complete).
  void flush();

 private:
  void put(std::string_view key, nlohmann::ordered_json value);

  Format format_;
  std::FILE* sink_;
  nlohmann::ordered_json root_;
  std::vector<nlohmann::ordered_json*> stack_;
  std::string text_;
  bool flushed_ = false;
};

}  // namespace cli
