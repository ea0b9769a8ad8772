#include "campaign/source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fs.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  return n;
}

}  // namespace

std::optional<Diagnostic> check_text(std::string_view text, const std::string& file_name) {
  if (text.size() > kMaxCampaignBytes)
    return Diagnostic{file_name, 1, 1,
                      fmt::format("is {} bytes; a campaign file may have at most {}", text.size(),
                                  size_to_string(kMaxCampaignBytes))};
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = text[i] == '\0' ? 0 : utf8_length(text, i);
    if (n == 0)
      return Diagnostic{file_name, line, column,
                        fmt::format("is not a UTF-8 text file: byte 0x{:02x} here",
                                    static_cast<unsigned char>(text[i]))};
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return std::nullopt;
}

Result<std::string> read_campaign_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(fmt::format("{}: cannot open: {}", path, fs::errno_text(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(fmt::format("{}: cannot stat: {}", path, fs::errno_text(errno)));
  if (S_ISDIR(st.st_mode)) return make_error(fmt::format("{}: is a directory", path));
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
    return make_error(fmt::format("{}: is not a regular file", path));
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > kMaxCampaignBytes)
    return make_error(fmt::format("{}: is {} bytes; a campaign file may have at most {}", path,
                                  st.st_size, size_to_string(kMaxCampaignBytes)));
  // Pipes and /dev/stdin have no size: read one byte past the limit to tell.
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(fmt::format("{}: cannot read: {}", path, fs::errno_text(errno)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxCampaignBytes)
      return make_error(fmt::format("{}: is larger than {}; a campaign file may have at most {}",
                                    path, size_to_string(kMaxCampaignBytes),
                                    size_to_string(kMaxCampaignBytes)));
  }
  return text;
}

}  // namespace mt::campaign
