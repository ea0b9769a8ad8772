// What may be handed to the parser at all: a campaign file is UTF-8 text of at most
// kMaxCampaignBytes. Checked before parsing, in the client before it sends a file and in the
// daemon before it parses one, so that a binary or huge file gets one clear refusal.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "campaign/parse.h"
#include "common/result.h"

namespace mt::campaign {

inline constexpr std::size_t kMaxCampaignBytes = 1U << 20;  // 1 MiB

// Nothing when `text` may be parsed; else why not, at the first offending byte
// ("is not a UTF-8 text file: byte 0xff at line 3, column 7").
std::optional<Diagnostic> check_text(std::string_view text, const std::string& file_name);

// Reads a campaign file. Errors name the file and say what is wrong with it ("is a directory",
// "ENOENT (No such file or directory)", "is 52428800 bytes; a campaign file may have at most
// 1 MiB"); the size is checked before anything is read.
Result<std::string> read_campaign_file(const std::string& path);

}  // namespace mt::campaign
