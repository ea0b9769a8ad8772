// Per-CPU variable offsets from a .data..percpu DATASEC, on a BTF built in memory.
#include "rcu/percpu_offsets.h"

#include <bpf/btf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

namespace mt::rcu {
namespace {

using ::testing::HasSubstr;

using BtfPtr = std::unique_ptr<struct btf, void (*)(struct btf*)>;

// A BTF with a DATASEC `sec` holding each (name, offset) as an int variable.
BtfPtr make_btf(const char* sec, std::vector<std::pair<const char*, int>> vars) {
  BtfPtr b(btf__new_empty(), btf__free);
  const int int_id = btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED);
  std::vector<int> ids;
  for (auto& [name, off] : vars)
    ids.push_back(btf__add_var(b.get(), name, BTF_VAR_GLOBAL_ALLOCATED, int_id));
  btf__add_datasec(b.get(), sec, 1 << 20);
  for (std::size_t i = 0; i < vars.size(); ++i)
    btf__add_datasec_var_info(b.get(), ids[i], vars[i].second, 4);
  return b;
}

TEST(PercpuOffsets, ReadsTheOffsetsOfTheDatasecVariables) {
  auto b = make_btf(
      ".data..percpu",
      {{"this_cpu_off", 86056}, {"krc", 178752}, {"runqueues", 195776}, {"rcu_data", 199616}});
  auto o = percpu_offsets(b.get());
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->runqueues, 195776u);
  EXPECT_EQ(o->rcu_data, 199616u);
  EXPECT_EQ(o->krc, 178752u);
}

TEST(PercpuOffsets, KrcIsOptionalRcuDataIsNot) {
  auto b = make_btf(".data..percpu", {{"runqueues", 100}, {"rcu_data", 200}});
  auto o = percpu_offsets(b.get());
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->krc.has_value());
  auto missing = make_btf(".data..percpu", {{"runqueues", 100}});
  auto e = percpu_offsets(missing.get());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("rcu_data"));
}

TEST(PercpuOffsets, NoDatasecIsAnError) {
  auto b = make_btf(".data", {{"runqueues", 100}, {"rcu_data", 200}});
  auto e = percpu_offsets(b.get());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr(".data..percpu"));
}

}  // namespace
}  // namespace mt::rcu
