#include "campaign/suggest.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace mt::campaign {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

int max_typo_distance(std::string_view word) {
  if (word.size() <= 4) return 1;
  if (word.size() <= 10) return 2;
  return 3;
}

}  // namespace

int edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over three rolling rows.
  const std::size_t n = b.size();
  std::vector<int> before(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= n; ++j) {
      const int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  int best_distance = max_typo_distance(word) + 1;
  for (std::string_view c : candidates) {
    const int d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace mt::campaign
