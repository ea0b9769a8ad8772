// The RCU knobs a campaign sets for its whole run (`kernel:` in the campaign file): set at setup
// through rcu::Knobs (each change journaled and fsynced before it is made), put back at
// teardown: at the campaign's end, on stop, on error and on the daemon's SIGTERM; after a crash,
// by the next daemon from the journal. The report says, per knob, the value before, the value
// asked for and the value in force (the kernel may clamp), and whether all were put back.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "campaign/spec.h"
#include "daemon/campaign_part.h"
#include "rcu/knobs.h"

namespace mt::daemon {

class KernelKnobsPart final : public CampaignPart {
 public:
  KernelKnobsPart(std::filesystem::path sys_root, std::filesystem::path journal,
                  std::vector<campaign::KnobSetting> settings)
      : sys_(std::move(sys_root)),
        journal_(std::move(journal)),
        settings_(std::move(settings)),
        knobs_(std::make_unique<rcu::Knobs>(sys_, rcu::KnobJournal(journal_))) {}
  std::string_view name() const override { return "kernel"; }
  // The campaign's knob layer, for the parts that change knobs while it runs (reactions): one
  // journal, and everything put back at this part's teardown, after theirs.
  rcu::Knobs* knobs() { return knobs_.get(); }
  Status setup(PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

 private:
  struct Applied {
    std::string name, before, asked, in_force;
  };
  std::filesystem::path sys_;
  std::filesystem::path journal_;
  std::vector<campaign::KnobSetting> settings_;
  std::unique_ptr<rcu::Knobs> knobs_;
  std::vector<Applied> applied_;
  bool restored_ = false;
  std::string error_;
};

}  // namespace mt::daemon
