#include "cgroup/layout.h"

#include <fmt/format.h>

#include <optional>

#include "common/fs.h"
#include "common/text.h"

namespace mt::cgroup {
namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string unescape_octal(std::string_view s) {
  auto oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i >= 4 && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Super options of a cgroup v1 mount that are not controllers.
bool is_controller_option(std::string_view opt) {
  if (opt.empty() || opt.find('=') != std::string_view::npos)
    return false;  // name=, release_agent=
  for (std::string_view flag : {"rw", "ro", "none", "noprefix", "clone_children", "xattr",
                                "cpuset_v2_mode", "favordynmods", "nofavordynmods"}) {
    if (opt == flag) return false;
  }
  return true;
}

std::filesystem::path under_root(const std::filesystem::path& root,
                                 const std::filesystem::path& mount_point) {
  return (root / mount_point.relative_path()).lexically_normal();
}

}  // namespace

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::v1:
      return "v1";
    case Mode::v2:
      return "v2";
    case Mode::hybrid:
      return "hybrid";
  }
  return "?";
}

Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  int line_no = 0;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // id parent major:minor root mount_point options [optional...] - fstype source super_options
    // Fields are separated by single spaces; the source may be an empty field.
    auto w = split(line, ' ');
    std::size_t dash = 0;
    for (std::size_t i = 6; i < w.size(); ++i) {
      if (w[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0)
      return make_error(
          fmt::format("mountinfo line {}: no ' - ' separator after the 6 fixed fields", line_no));
    if (dash + 3 >= w.size())
      return make_error(fmt::format(
          "mountinfo line {}: expected 'fstype source super_options' after ' - '", line_no));
    MountEntry e;
    e.mount_point = unescape_octal(w[4]);
    if (!e.mount_point.is_absolute())
      return make_error(
          fmt::format("mountinfo line {}: mount point '{}' is not absolute", line_no, w[4]));
    e.fs_type = std::string(w[dash + 1]);
    e.super_options = std::string(w[dash + 3]);
    out.push_back(std::move(e));
  }
  return out;
}

Result<Layout> detect_layout(const DetectOptions& options) {
  auto text = fs::read_file(options.mountinfo);
  if (!text) return text.error();
  auto mounts = parse_mountinfo(*text);
  if (!mounts)
    return make_error(fmt::format("{}: {}", options.mountinfo.string(), mounts.error().message));

  bool v1_controllers = false;
  std::optional<std::filesystem::path> v1_memory;
  std::optional<std::filesystem::path> cgroup2;
  std::string cgroup2_controllers;
  for (const MountEntry& m : *mounts) {
    if (m.fs_type == "cgroup") {
      for (std::string_view opt : split(m.super_options, ',')) {
        if (!is_controller_option(opt)) continue;
        v1_controllers = true;
        if (opt == "memory" && !v1_memory) v1_memory = under_root(options.root, m.mount_point);
      }
    } else if (m.fs_type == "cgroup2" && !cgroup2) {
      cgroup2 = under_root(options.root, m.mount_point);
    }
  }

  bool memory_on_v2 = false;
  if (cgroup2) {
    auto controllers = fs::read_line(*cgroup2 / "cgroup.controllers");
    if (controllers) {
      cgroup2_controllers = *controllers;
      for (std::string_view c : words(*controllers)) memory_on_v2 |= c == "memory";
    } else {
      cgroup2_controllers = "unreadable: " + controllers.error().message;
    }
  }

  Layout layout;
  layout.mode = v1_controllers ? (cgroup2 ? Mode::hybrid : Mode::v1) : Mode::v2;
  layout.unified_root = cgroup2.value_or(std::filesystem::path());
  if (v1_memory) {
    layout.memory_root = *v1_memory;
    layout.memory_v2 = false;
  } else if (memory_on_v2) {
    layout.memory_root = *cgroup2;
    layout.memory_v2 = true;
  } else if (!v1_controllers && !cgroup2) {
    return make_error(
        fmt::format("no cgroup file system is mounted (no 'cgroup' or 'cgroup2' "
                    "entry in {}), so there is no memory controller",
                    options.mountinfo.string()));
  } else {
    std::string v2_part =
        cgroup2 ? fmt::format(
                      "the cgroup2 mount at {} does not list memory in cgroup.controllers "
                      "('{}')",
                      cgroup2->string(), cgroup2_controllers)
                : std::string("there is no cgroup2 mount");
    return make_error(fmt::format(
        "no memory controller: no cgroup v1 mount has 'memory' in its options in {}, and {}",
        options.mountinfo.string(), v2_part));
  }
  return layout;
}

}  // namespace mt::cgroup
