// What the fuzz targets share: a property check that stops the run where libFuzzer sees it.
#pragma once

#include <cstdio>
#include <string_view>

namespace mt::fuzz {

// A broken property is a finding: say which, with what (printed as text), and trap so that
// libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n==fuzz== property broken: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

}  // namespace mt::fuzz
