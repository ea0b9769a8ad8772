#include "campaign/yaml_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "campaign/suggest.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

// Reports a value of the wrong shape (a map, a list, nothing) where a scalar is wanted.
bool is_scalar_or_report(const Field& f, std::string_view expected) {
  if (f.node().IsScalar()) return true;
  f.error(fmt::format("expected {}, got {}", expected, describe(f.node())));
  return false;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Shared by sizes and durations: a whole number >= 0 with a unit, parsed by common/units.h.
// `kind` and `example` make "expected a size such as 256Mi".
template <class T, class Parse>
std::optional<T> read_amount(const Field& f, std::string_view kind, std::string_view example,
                             Parse parse) {
  const std::string expected = fmt::format("{} such as {}", kind, example);
  if (!is_scalar_or_report(f, expected)) return std::nullopt;
  const std::string& text = f.node().Scalar();
  if (!text.empty() && text[0] == '-') {
    f.error(fmt::format("must not be negative, got {}", text));
    return std::nullopt;
  }
  if (text.empty() || text[0] < '0' || text[0] > '9') {
    f.error(fmt::format("expected {}, got '{}'", expected, text));
    return std::nullopt;
  }
  const auto digits_end = text.find_first_not_of("0123456789");
  if (digits_end != std::string::npos && (text[digits_end] == '.' || text[digits_end] == ',')) {
    f.error(fmt::format("expected a whole number with a unit such as {}, got '{}'", example, text));
    return std::nullopt;
  }
  auto parsed = parse(text);
  if (!parsed) {
    f.error(parsed.error().message);
    return std::nullopt;
  }
  return *parsed;
}

}  // namespace

std::string join_words(std::span<const std::string_view> words, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_separator : ", ";
    out += words[i];
  }
  return out;
}

SourcePos position_of(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

bool is_whole_number(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// --- Field ------------------------------------------------------------------------------------

std::string Field::written() const {
  return value_.IsScalar() ? value_.Scalar() : describe(value_);
}

void Field::error(std::string_view message) const {
  diagnostics_->error(pos_, path_, message);
}

bool Field::check(bool ok, std::string_view message) const {
  if (!ok) error(fmt::format("{}, got {}", message, written()));
  return ok;
}

// --- MapFields --------------------------------------------------------------------------------

MapFields::MapFields(const YAML::Node& node, std::string path, ReadContext& cx)
    : path_(std::move(path)), pos_(position_of(node.Mark())), cx_(&cx) {
  // yaml-cpp's iterator hands out each pair as a temporary: bind it here (its lifetime is then
  // the loop body's), never to `it->first`, which dangles.
  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    const SourcePos key_pos = position_of(key.Mark());
    if (!key.IsScalar()) {
      cx.diagnostics.error(key_pos, path_,
                           fmt::format("expected a key name, got {}", describe(key)));
      continue;
    }
    if (const Key* first = find(key.Scalar())) {
      cx.diagnostics.error(key_pos, path_of(key.Scalar()),
                           fmt::format("duplicate key (first given at line {})", first->pos.line));
      continue;
    }
    const YAML::Node& value = pair.second;
    index_.emplace(key.Scalar(), keys_.size());
    keys_.push_back(Key{key.Scalar(), key_pos, value});
    const SourcePos value_pos = value.IsNull() ? key_pos : position_of(value.Mark());
    cx.value_pos[path_of(key.Scalar())] = value_pos;
  }
}

std::string MapFields::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const MapFields::Key* MapFields::find(std::string_view key) const {
  const auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &keys_[it->second];
}

std::optional<Field> MapFields::optional(std::string_view key) const {
  const Key* k = find(key);
  if (k == nullptr) return std::nullopt;
  std::string path = path_of(key);
  return Field(path, k->value, cx_->value_pos.at(path), cx_->diagnostics);
}

std::vector<std::string> MapFields::names() const {
  std::vector<std::string> out;
  for (const Key& k : keys_) out.push_back(k.name);
  return out;
}

std::optional<Field> MapFields::required(std::string_view key) const {
  auto field = optional(key);
  if (!field) cx_->diagnostics.error(pos_, path_of(key), "required key is missing");
  return field;
}

void MapFields::reject_unknown(std::span<const std::string_view> known,
                               const Explain& misplaced) const {
  for (const Key& k : keys_) {
    if (std::find(known.begin(), known.end(), k.name) != known.end()) continue;
    std::string message;
    if (auto why = misplaced ? misplaced(k.name) : std::nullopt) {
      message = *why;
    } else if (auto guess = closest_match(k.name, known)) {
      message = fmt::format("unknown key; did you mean '{}'?", *guess);
    } else {
      message = fmt::format("unknown key (expected {})", join_words(known, " or "));
    }
    cx_->diagnostics.error(k.pos, path_of(k.name), message);
  }
}

// --- value readers ----------------------------------------------------------------------------

std::optional<std::string> read_text(const Field& f) {
  if (f.node().IsNull()) return std::string();
  if (!is_scalar_or_report(f, "text")) return std::nullopt;
  return f.node().Scalar();
}

std::optional<std::string> read_name(const Field& f) {
  if (!is_scalar_or_report(f, "a name")) return std::nullopt;
  const std::string& name = f.node().Scalar();
  if (name.empty()) {
    f.error("must not be empty");
    return std::nullopt;
  }
  if (name.size() > kMaxNameLength) {
    f.error(fmt::format("must be at most {} characters, got {}", kMaxNameLength, name.size()));
    return std::nullopt;
  }
  if (!std::all_of(name.begin(), name.end(), is_name_char)) {
    f.error(fmt::format("may only contain letters, digits, '_', '.' and '-', got '{}'", name));
    return std::nullopt;
  }
  if (name == "." || name == "..") {
    f.error("must not be '.' or '..'");
    return std::nullopt;
  }
  return name;
}

std::optional<std::int64_t> read_integer(const Field& f, std::int64_t min, std::int64_t max) {
  if (!is_scalar_or_report(f, "a whole number")) return std::nullopt;
  const std::string& text = f.node().Scalar();
  if (!is_whole_number(text)) {
    f.error(fmt::format("expected a whole number, got '{}'", text));
    return std::nullopt;
  }
  // Out of range of int64 counts as out of [min, max] too.
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const bool in_range = ec == std::errc() && n >= min && n <= max;
  const std::string range = max == std::numeric_limits<std::int64_t>::max()
                                ? fmt::format("must be at least {}", min)
                                : fmt::format("must be between {} and {}", min, max);
  if (!f.check(in_range, range)) return std::nullopt;
  return n;
}

std::optional<double> read_number(const Field& f, double min, double max) {
  if (!is_scalar_or_report(f, "a number")) return std::nullopt;
  const std::string& text = f.node().Scalar();
  double x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(x)) {
    f.error(fmt::format("expected a number, got '{}'", text));
    return std::nullopt;
  }
  if (!f.check(x >= min && x <= max, fmt::format("must be between {} and {}", min, max)))
    return std::nullopt;
  return x;
}

std::optional<bool> read_bool(const Field& f) {
  if (!is_scalar_or_report(f, "true or false")) return std::nullopt;
  const std::string& text = f.node().Scalar();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  f.error(fmt::format("expected true or false, got '{}'", text));
  return std::nullopt;
}

std::optional<std::uint64_t> read_size(const Field& f) {
  return read_amount<std::uint64_t>(f, "a size", "256Mi",
                                    [](std::string_view t) { return parse_size(t); });
}

std::optional<milliseconds> read_duration(const Field& f) {
  return read_amount<milliseconds>(f, "a duration", "20s or 100ms",
                                   [](std::string_view t) { return parse_duration(t); });
}

std::optional<std::size_t> read_choice(const Field& f, std::string_view what,
                                       std::span<const std::string_view> names) {
  if (!is_scalar_or_report(f, fmt::format("a {} ({})", what, join_words(names, " or "))))
    return std::nullopt;
  const std::string& text = f.node().Scalar();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == text) return i;
  // The list is short enough to be the suggestion ("tcp_socket" is no typo of "udp_socket").
  f.error(fmt::format("unknown {} '{}' (expected {})", what, text, join_words(names, " or ")));
  return std::nullopt;
}

}  // namespace mt::campaign
