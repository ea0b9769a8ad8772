// type: page_cache — page cache for reclaim to take: one file in the workload's own directory.
//   size:  a size > 0   (required; at most the machine's memory)
//   dirty: true|false   (default false: written once, synced, then read over and over, so its
//                        pages are clean and active; true: rewritten over and over with no sync,
//                        so its pages stay dirty and reclaim must wait for writeback)
#include "campaign/rules.h"
#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"size", "dirty"};

void read(const MapFields& m, Need need, const ParseOptions& options, WorkloadSpec& w) {
  PageCacheSpec pc;
  if (auto f = get(m, "size", need)) {
    const auto size = read_memory_size(*f, options);
    if (size && f->check(*size > 0, "must be greater than 0")) pc.size = *size;
  }
  if (auto f = m.optional("dirty")) assign(pc.dirty, read_bool(*f));
  w.params = pc;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const PageCacheSpec& pc = *w.page_cache();
  out << YAML::Key << "size" << YAML::Value << size_to_string(pc.size);
  out << YAML::Key << "dirty" << YAML::Value << pc.dirty;
}

}  // namespace

extern constinit const WorkloadType kPageCacheType{
    .name = PageCacheSpec::kTypeName,
    .keys = kKeys,
    .read = read,
    .emit = emit,
    .check = nullptr,
    .warn = nullptr,
};

}  // namespace mt::campaign
