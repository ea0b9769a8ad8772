#include "cgroup/ops.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#include "common/fs.h"

namespace mt::cgroup {
namespace {

class KernelOps final : public CgroupOps {
 public:
  int make_dir(const std::filesystem::path& dir) override {
    return ::mkdir(dir.c_str(), 0755) == 0 ? 0 : errno;
  }
  int remove_dir(const std::filesystem::path& dir) override {
    return ::rmdir(dir.c_str()) == 0 ? 0 : errno;
  }
  Status write(const std::filesystem::path& file, std::string_view content) override {
    return fs::write_file(file, content);
  }
  int kill_process(pid_t pid) override { return ::kill(pid, SIGKILL) == 0 ? 0 : errno; }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
  const Clock& clock() const override { return clock_; }

 private:
  SteadyClock clock_;
};

}  // namespace

std::shared_ptr<CgroupOps> kernel_ops() {
  static const std::shared_ptr<CgroupOps> ops = std::make_shared<KernelOps>();
  return ops;
}

}  // namespace mt::cgroup
