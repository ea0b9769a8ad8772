// mmap: map 16 anonymous pages, touch one, unmap. Each unmap frees maple tree nodes and a
// vm_area_struct; on 6.18 both caches have SLUB RCU sheaves, so they are freed through
// kfree_rcu -> rcu_free_sheaf (mm/slub.c), which the ledger's method 2 counts (method 1 sees no
// tracepoint on that return path).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

constexpr std::size_t kPages = 16;

class MmapOp final : public FloodOp {
 public:
  explicit MmapOp(std::size_t page) : page_(page) {}
  int operator()() override {
    void* p = ::mmap(nullptr, kPages * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (p == MAP_FAILED) return errno;
    static_cast<volatile char*>(p)[0] = 1;
    return ::munmap(p, kPages * page_) == 0 ? 0 : errno;
  }

 private:
  std::size_t page_;
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext&) {
  const long page = ::sysconf(_SC_PAGESIZE);
  return std::unique_ptr<FloodOp>(
      std::make_unique<MmapOp>(page > 0 ? static_cast<std::size_t>(page) : 4096));
}

}  // namespace

extern constinit const FloodKind kMmapFlood{
    .name = "mmap",
    .summary = "mmap 16 anonymous pages, touch one, munmap: maple nodes and the vma are freed "
               "through SLUB's RCU sheaves (mm/slub.c, rcu_free_sheaf) on 6.18",
    .needs_dir = false,
    .make_op = make_op,
};

}  // namespace mt::workloads
