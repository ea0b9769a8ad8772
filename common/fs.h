// The one place that reads and writes kernel files (sysfs, procfs, cgroupfs). Callers pass full
// paths built from injected roots, so everything above this runs on fixture trees in tests.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::fs {

// Whole file; the error names the path and errno text.
Result<std::string> read_file(const std::filesystem::path& path);
// Calls on_line(line) for each line of the file (without its newline), reading it in 64 KiB
// blocks: for big files (/proc/kallsyms is 5+ MB) that need not be held whole.
Status for_each_line(const std::filesystem::path& path,
                     const std::function<void(std::string_view)>& on_line);
// First line without the newline, trimmed.
Result<std::string> read_line(const std::filesystem::path& path);
Result<std::uint64_t> read_u64(const std::filesystem::path& path);
// One write(2) of `content` (kernel files want a single write). O_WRONLY, no O_CREAT unless
// `create` is set (then O_CREAT|O_TRUNC, mode 0644).
Status write_file(const std::filesystem::path& path, std::string_view content, bool create = false);
// Appends `content` (created 0600 when missing, never through a symlink) and fsyncs the file
// before returning: for journals whose line must be on disk before what it records happens.
Status append_synced(const std::filesystem::path& path, std::string_view content);
// fsync of a directory, so that a file made, renamed or removed in it stays so after a crash.
Status sync_directory(const std::filesystem::path& dir);
// errno text as "ENOENT (No such file or directory)".
std::string errno_text(int err);

}  // namespace mt::fs
