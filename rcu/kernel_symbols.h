// Kernel text symbols from /proc/kallsyms (this kernel lists text only: no
// CONFIG_KALLSYMS_ALL). The ledger needs a few addresses up front (_stext/_etext, where module
// text lies, rcu_free_sheaf, kfree_rcu_work) and, after each walk, the names of the callback
// functions it met: a handful of addresses, resolved in one pass over the file and cached.
// Pure parsing is split from the reading so tests run on fixture text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mt::rcu {

struct KallsymsLine {
  std::uint64_t addr = 0;
  char type = 0;  // 't', 'T', 'W', ...
  std::string_view name;
  std::string_view module;  // without brackets; empty for the kernel image
};

// One line ("ffffffff81000000 T _stext" or "... t fn\t[mod]"); nullopt when malformed.
std::optional<KallsymsLine> parse_kallsyms_line(std::string_view line);
bool is_text_type(char type);

struct TextLayout {
  std::uint64_t stext = 0, etext = 0;                        // the kernel image's text
  std::uint64_t module_lo = 0, module_hi = 0;                // loaded modules' text (0 when none)
  std::map<std::string, std::uint64_t, std::less<>> wanted;  // each wanted name found
};

// Reads the layout and the addresses of `wanted` (text symbols of the kernel image) from
// kallsyms text. Error when _stext/_etext are missing or every address is 0 (kptr_restrict
// hides them from this process).
Result<TextLayout> parse_text_layout(std::string_view kallsyms,
                                     const std::vector<std::string>& wanted);
Result<TextLayout> read_text_layout(const std::filesystem::path& kallsyms,
                                    const std::vector<std::string>& wanted);

// Names for `addrs`: the nearest text symbol at or below each one ("fn", or "fn+0x10" inside
// it); addresses below every symbol are left out.
std::map<std::uint64_t, std::string> resolve_symbols(std::string_view kallsyms,
                                                     const std::vector<std::uint64_t>& addrs);

// resolve_symbols over a file (/proc/kallsyms): one read for all of `addrs`. An unreadable
// file resolves nothing.
std::map<std::uint64_t, std::string> resolve_symbols_in(const std::filesystem::path& kallsyms,
                                                        const std::vector<std::uint64_t>& addrs);

}  // namespace mt::rcu
