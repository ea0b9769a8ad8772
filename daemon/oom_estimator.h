// How soon a cgroup reaches OOM if it goes on as it does: the growth of the memory that reclaim
// cannot take back (usage minus reclaimable; see daemon/parts/oom_proximity_part.h for what
// counts as reclaimable) over a sliding window, by the Theil-Sen estimator (the median of the
// slopes between pairs of points), so that noise and a few outliers do not move it. Only pairs
// at least half the window apart are used: a sawtooth shorter than that (grow, free a part, grow)
// is averaged over rather than read off its rising edge. ETA = (limit - unreclaimable) / growth,
// with an interval from the 25th and 75th percentile slopes. No ETA while the memory is not
// growing: three quarters of the slopes (the 25th percentile) must show growth of at least
// `min_growth`, over at least `min_span` of data, and the rise over the window must stand out of
// the noise (3 times the robust spread of the points around the fitted line, 1.4826 x MAD), or
// noise on a flat line would read as growth. Pure: fed points by the caller, unit-tested on synthetic series.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

namespace mt::daemon {

struct OomEstimate {
  double growth_bytes_per_s = 0;  // Theil-Sen slope over the window (0 with too few points)
  double headroom_bytes = 0;      // limit - unreclaimable, at the newest point
  std::optional<double> eta_s;    // seconds to OOM; none while not growing
  std::optional<double> eta_low_s, eta_high_s;  // from the 75th and 25th percentile slopes
};

class OomEstimator {
 public:
  struct Options {
    double window_s = 5.0;
    double min_growth_bytes_per_s = 256.0 * 1024;  // slower than this is "not growing"
    std::size_t min_points = 5;
    double min_span_s = 1.0;
  };
  OomEstimator() = default;
  explicit OomEstimator(Options options) : opt_(options) {}

  // A point at time `t_s` (seconds, increasing); `unreclaimable` and `limit` in bytes.
  OomEstimate add(double t_s, double unreclaimable, double limit);
  // Forgets the window (after an OOM kill: what was growing may have been the victim).
  void reset() { window_.clear(); }

 private:
  struct Point {
    double t_s, bytes;
  };
  Options opt_;
  std::deque<Point> window_;
};

}  // namespace mt::daemon
