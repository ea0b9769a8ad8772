/* The kernel structures the RCU ledger reads, as CO-RE "flavours": local definitions with only
 * the fields used, matched by name (the ___ledger suffix is dropped) against the running
 * kernel's BTF when libbpf loads the object. They do not depend on what the build machine's
 * vmlinux.h has, so an optional field (lazy_len needs CONFIG_RCU_LAZY, nocb_bypass needs
 * CONFIG_RCU_NOCB_CPU, krc needs CONFIG_KVFREE_RCU_BATCHED, slab_sheaf is 6.18+) compiles
 * everywhere and is tested with bpf_core_field_exists / bpf_core_type_exists before use.
 * These are kernel internals (kernel/rcu/tree.h, include/linux/rcu_segcblist.h,
 * mm/slab_common.c, mm/slub.c), not ABI: every address derived from them is checked at open. */
#ifndef MT_BPF_LEDGER_KERNEL_BPF_H
#define MT_BPF_LEDGER_KERNEL_BPF_H

#define LEDGER_PAI __attribute__((preserve_access_index))

struct rcu_segcblist___ledger {
  struct callback_head *head;
  struct callback_head **tails[LEDGER_NSEGS];
  long seglen[LEDGER_NSEGS];
  unsigned char flags;
} LEDGER_PAI;

/* cblist.len is an atomic_long_t with CONFIG_RCU_NOCB_CPU and a long without: the flavour
 * whose type matches is the one bpf_core_field_exists reports. */
struct rcu_segcblist___atomic_len {
  struct {
    long counter;
  } len;
} LEDGER_PAI;
struct rcu_segcblist___plain_len {
  long len;
} LEDGER_PAI;

struct rcu_cblist___ledger {
  long len;
} LEDGER_PAI;

struct rcu_node___ledger {
  struct rcu_node___ledger *parent;
  int grplo;
  int grphi;
} LEDGER_PAI;

struct rcu_data___ledger {
  struct rcu_node___ledger *mynode;
  struct rcu_segcblist___ledger cblist;
  unsigned long n_cbs_invoked;
  unsigned long barrier_seq_snap;
  long lazy_len;
  struct rcu_cblist___ledger nocb_bypass;
  struct task_struct *nocb_cb_kthread;
  int cpu;
} LEDGER_PAI;

/* The root rcu_node is rcu_state.node[0], at the start of struct rcu_state. */
struct rcu_state___ledger {
  unsigned long barrier_sequence;
  const char *name;
} LEDGER_PAI;

struct rq___ledger {
  int cpu;
} LEDGER_PAI;

struct slab_sheaf___ledger {
  struct kmem_cache *cache;
  unsigned int size;
} LEDGER_PAI;

struct kvfree_rcu_bulk_data___ledger {
  struct list_head list;
  unsigned long nr_records;
  void *records[0];
} LEDGER_PAI;

struct kfree_rcu_cpu___ledger;

struct rcu_work___ledger {
  struct work_struct work;
} LEDGER_PAI;

struct kfree_rcu_cpu_work___ledger {
  struct rcu_work___ledger rcu_work;
  struct callback_head *head_free;
  struct list_head bulk_head_free[2];
  struct kfree_rcu_cpu___ledger *krcp;
} LEDGER_PAI;

struct kfree_rcu_cpu___ledger {
  struct callback_head *head;
  struct {
    int counter;
  } head_count;
  struct list_head bulk_head[2];
  struct {
    int counter;
  } bulk_count[2];
  struct kfree_rcu_cpu_work___ledger krw_arr[2];
  bool initialized;
} LEDGER_PAI;

/* Within the ledger, one CPU id bound the verifier can see. */
static __always_inline int ledger_cpu_ok(__u32 cpu) {
  return cpu < LEDGER_MAX_CPUS;
}

#endif
