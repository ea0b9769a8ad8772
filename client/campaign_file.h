// A campaign file as the client reads it, before it parses or sends it: one refusal with a
// clear reason for what is not a campaign file at all (missing, a directory, over
// campaign::kMaxCampaignBytes, not UTF-8 text).
#pragma once

#include <optional>
#include <string>

#include "campaign/parse.h"

namespace mt::client {

// Reads `path` into *text. Nothing when it may be parsed; else why not, as a Diagnostic whose
// line and column are 0 when the problem is the file itself ("is a directory", "cannot open:
// ENOENT (No such file or directory)", "is 2097152 bytes; ...") and point at the first bad
// byte for text that is not UTF-8.
std::optional<campaign::Diagnostic> read_campaign_text(const std::string& path, std::string* text);

// "file:line:col: message", or "file: message" when the diagnostic has no position.
std::string diagnostic_text(const campaign::Diagnostic& d);

}  // namespace mt::client
