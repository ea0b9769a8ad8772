#include "client/follow.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>

#include "client/interrupt.h"
#include "client/json_output.h"
#include "client/live_view.h"
#include "common/fs.h"

namespace mt::client {

Failure interrupted(const std::string& what) {
  return {kUnreachable, fmt::format("interrupted: {}", what)};
}

Outcome settle(const std::string& id, const grpc::Status& watch, const pb::Campaign* final_snapshot,
               const std::function<grpc::Status(pb::Campaign*)>& get) {
  if (!watch.ok() && !final_snapshot)
    return Outcome::failed(rpc_failure(watch, "watching campaign " + id));
  pb::Campaign c;
  const grpc::Status st = get(&c);
  if (st.ok()) return Outcome::of(std::move(c));
  if (final_snapshot)
    return Outcome::of(*final_snapshot,
                       fmt::format("memtorturectl: {}; the summary is from the campaign's final "
                                   "snapshot\n",
                                   rpc_failure(st, "getting campaign " + id).message));
  return Outcome::failed(rpc_failure(st, "getting campaign " + id));
}

Outcome follow(DaemonClient& d, const GlobalOptions& g, const std::string& id,
               Interrupt& interrupt) {
  Console& console = *g.console;
  LiveView view(console.err_is_tty(), console.err_columns());
  grpc::Status watch_status;
  {
    grpc::ClientContext ctx;  // no deadline: the stream lasts as long as the campaign
    Interrupt::Tracked tracked(interrupt, &ctx);
    pb::WatchCampaignRequest req;
    req.set_id(id);
    auto reader = d.stub().WatchCampaign(&ctx, req);
    pb::CampaignEvent ev;
    while (reader->Read(&ev))
      if (auto text = view.on_event(ev, LiveView::Clock::now()); !text.empty()) console.err(text);
    console.err(view.finish());
    watch_status = reader->Finish();
  }
  const std::string stopped = fmt::format(
      "stopped following campaign {}; it may still be running (memtorturectl status {})", id, id);
  if (interrupt.cancelled()) return Outcome::failed(interrupted(stopped));
  Outcome out = settle(id, watch_status, view.progress().final_snapshot(), [&](pb::Campaign* c) {
    auto ctx = d.unary_context();
    Interrupt::Tracked tracked(interrupt, ctx.get());
    pb::GetCampaignRequest req;
    req.set_id(id);
    return d.stub().GetCampaign(ctx.get(), req, c);
  });
  if (interrupt.cancelled() && !out.campaign) return Outcome::failed(interrupted(stopped));
  if (g.json && out.campaign && is_final(out.campaign->state())) {
    auto report = d.read_report(id);
    if (auto* text = std::get_if<std::string>(&report))
      out.report_json = std::move(*text);
    else
      out.note += fmt::format("memtorturectl: {}; printing the campaign instead of its report\n",
                              std::get<Failure>(report).message);
  }
  return out;
}

int conclude(const GlobalOptions& g, const Outcome& outcome, const std::string& junit,
             const std::string& suite, const std::string& id) {
  Console& console = *g.console;
  int rc;
  std::string xml;
  if (outcome.campaign) {
    const pb::Campaign& c = *outcome.campaign;
    console.err(outcome.note);
    if (g.json) {
      const std::string& report = outcome.report_json;
      console.out(report.empty() ? dump_json(to_json(c))
                                 : report + (report.back() == '\n' ? "" : "\n"));
    } else {
      console.out("\n" + summary(c));
    }
    rc = exit_code_for(c.state());
    xml = junit_xml(c);
  } else {
    const Failure& f = *outcome.failure;
    console.err(f.printed());
    rc = f.code;
    xml = junit_error_xml(suite, id, f.message);
  }
  if (junit.empty()) return rc;
  errno = 0;
  std::ofstream file(junit, std::ios::binary | std::ios::trunc);
  file << xml;
  file.close();
  if (!file) {
    const int err = errno;
    console.err(fmt::format("memtorturectl: cannot write JUnit XML to {}{}\n", junit,
                            err ? ": " + fs::errno_text(err) : ""));
    return kUnreachable;
  }
  return rc;
}

}  // namespace mt::client
