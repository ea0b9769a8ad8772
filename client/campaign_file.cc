#include "client/campaign_file.h"

#include <fmt/format.h>

#include "campaign/source.h"

namespace mt::client {

std::optional<campaign::Diagnostic> read_campaign_text(const std::string& path, std::string* text) {
  auto read = campaign::read_campaign_file(path);
  if (!read) {
    // read_campaign_file's messages are "<path>: <what>"; the Diagnostic keeps them apart.
    std::string message = read.error().message;
    if (const std::string prefix = path + ": "; message.starts_with(prefix))
      message.erase(0, prefix.size());
    return campaign::Diagnostic{path, 0, 0, std::move(message)};
  }
  if (auto bad = campaign::check_text(*read, path)) return bad;
  *text = std::move(*read);
  return std::nullopt;
}

std::string diagnostic_text(const campaign::Diagnostic& d) {
  if (d.line <= 0) return fmt::format("{}: {}", d.file, d.message);
  return d.str();
}

}  // namespace mt::client
