// The live view of a followed campaign on stderr: notable lines (OOM kills, failed criteria,
// logs) at once, and the progress line. In a terminal the line is redrawn in place at most
// every kTerminalRedraw (a campaign sampling every 10 ms sends ~200 events a second); else it
// is printed as a new line every kLogInterval.
#pragma once

#include <chrono>
#include <string>

#include "client/render.h"

namespace mt::client {

class LiveView {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kTerminalRedraw{250};
  static constexpr std::chrono::milliseconds kLogInterval{1000};

  // `columns`: the terminal's width (the line is cut to fit, so that redrawing in place works;
  // 0 = unknown, not cut).
  LiveView(bool terminal, int columns = 0) : terminal_(terminal), columns_(columns) {}

  // Folds the event in; what to write to stderr now (maybe nothing).
  std::string on_event(const pb::CampaignEvent& ev, Clock::time_point now);
  // At the end of the stream: the line in its last state, ended (terminal only).
  std::string finish();
  const Progress& progress() const { return progress_; }

 private:
  std::string fitted(std::string line) const;
  const bool terminal_;
  const int columns_;
  Progress progress_;
  bool drawn_ = false;  // something is printed (terminal: a line on screen; else: a line at all)
  bool line_on_screen_ = false;
  Clock::time_point last_draw_{};
};

}  // namespace mt::client
