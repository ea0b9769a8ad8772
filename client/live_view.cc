#include "client/live_view.h"

namespace mt::client {
namespace {
constexpr const char* kEraseLine = "\r\033[K";
}

std::string LiveView::fitted(std::string line) const {
  // One column spare: a line that fills the terminal exactly may wrap on some terminals.
  if (columns_ > 1 && line.size() >= static_cast<std::size_t>(columns_))
    line.resize(static_cast<std::size_t>(columns_ - 1));
  return line;
}

std::string LiveView::on_event(const pb::CampaignEvent& ev, Clock::time_point now) {
  std::string out;
  const std::string notable = progress_.apply(ev);
  if (!notable.empty()) {
    if (line_on_screen_) out += kEraseLine;
    out += notable + "\n";
    line_on_screen_ = false;
  }
  const auto interval =
      terminal_ ? Clock::duration(kTerminalRedraw) : Clock::duration(kLogInterval);
  // In a terminal a line wiped by a notable line is put back at once.
  const bool due = !drawn_ || now - last_draw_ >= interval || (terminal_ && !line_on_screen_);
  if (!due) return out;
  if (terminal_) {
    out += std::string(line_on_screen_ ? kEraseLine : "") + fitted(progress_.line());
    line_on_screen_ = true;
  } else {
    out += progress_.line() + "\n";
  }
  drawn_ = true;
  last_draw_ = now;
  return out;
}

std::string LiveView::finish() {
  if (!terminal_ || !drawn_) return {};
  std::string out =
      std::string(line_on_screen_ ? kEraseLine : "") + fitted(progress_.line()) + "\n";
  line_on_screen_ = false;
  return out;
}

}  // namespace mt::client
