// "Did you mean ...?": the known word closest to a misspelt one, when it is a likely typo.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace mt::campaign {

// Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one
// each, ignoring letter case ("thraeds" -> "threads" is 1).
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a typo (1 edit for words of up to
// 4 letters, 2 up to 10, 3 beyond); the first in `candidates` wins a tie.
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

}  // namespace mt::campaign
