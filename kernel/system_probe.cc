#include "kernel/system_probe.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "kernel/memory_files.h"

namespace mt::kernel {


bool status_has_capability(std::string_view text, int cap) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    auto hex = line.substr(7);
    hex.erase(0, hex.find_first_not_of(" \t"));
    std::uint64_t mask = 0;
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), mask, 16);
    if (ec != std::errc()) return false;
    return cap < 64 && (mask >> cap) & 1;
  }
  return false;
}

std::string find_in_path(const std::string& name, const std::string& path_env) {
  std::istringstream in(path_env);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    auto p = std::filesystem::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

namespace {

std::string first_line_of_command(const std::string& cmd) {
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return {};
  std::array<char, 8192> buf{};
  std::string out;
  if (std::fgets(buf.data(), buf.size(), f)) out = buf.data();
  ::pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

SystemProbe probe_system(const ProbeOptions& o) {
  SystemProbe p;
  utsname u{};
  if (::uname(&u) == 0) p.kernel_release = u.release;
  p.cpus = std::thread::hardware_concurrency();
  if (auto total = read_mem_total(o.proc / "meminfo")) p.memory_total_bytes = *total;
  p.psi_available = fs::read_file(o.proc / "pressure/memory").ok();
  if (auto status = fs::read_file(o.proc / "self/status"))
    p.cap_sys_resource = status_has_capability(*status, 24 /* CAP_SYS_RESOURCE */);
  const char* env = std::getenv("PATH");
  p.stress_ng_path = find_in_path("stress-ng", o.path_env.empty() ? (env ? env : "") : o.path_env);
  if (!p.stress_ng_path.empty() && o.run_stress_ng) {
    p.stress_ng_version = first_line_of_command(p.stress_ng_path + " --version 2>&1");
    std::istringstream names(first_line_of_command(p.stress_ng_path + " --stressors 2>/dev/null"));
    for (std::string name; names >> name;) p.stress_ng_stressors.push_back(name);
  }
  return p;
}

}  // namespace mt::kernel
