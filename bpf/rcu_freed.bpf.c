// SPDX-License-Identifier: GPL-2.0
/* RCU ledger, method 1: what RCU callbacks free, per slab cache, counted as it happens.
 *
 * RCU invokes callbacks from rcu_core() (softirq, or the rcuc kthread), which this kernel
 * brackets with the rcu_utilization tracepoint ("Start RCU core" ... "End RCU core"). A
 * per-CPU flag is set inside the bracket, and the kmem tracepoints add what is freed while it
 * is set: kmem_cache_free objects and s->size by cache, kfree() calls (sized through
 * bpf_get_kmem_cache when the object is a slab object), pages freed.
 *
 * kfree_rcu() objects batched in the per-CPU krc are freed by the kfree_rcu_work workqueue
 * function, outside rcu_core: a second bracket (workqueue_execute_start/end, by the
 * function's address from /proc/kallsyms) catches those, keyed by the worker's thread id
 * because that workqueue is unbound and its worker may move between CPUs. Its objects chained
 * through their rcu_head are freed with kvfree() (the kfree hook sees them), but its pages of
 * pointers go to kfree_bulk(), which has no tracepoint: those are counted when the work starts,
 * by walking the pages it is about to free (krw->bulk_head_free[]) and sizing each pointer with
 * bpf_get_kmem_cache. What kfree_rcu_monitor frees directly (kvfree_rcu_drain_ready(), pages
 * whose grace period had already ended) is not seen.
 *
 * Cost matters: the kmem hooks fire on every free in the system, so the path outside the
 * brackets is one per-CPU lookup and two loads. Everything is per CPU, so nothing is atomic and
 * nothing bounces between CPUs: one per-CPU array element holds the bracket flag, the counters
 * and a direct-mapped table of caches, so a free inside a bracket costs that same lookup, a
 * hash of the cache pointer and a few adds. A hook that fires while the same program already
 * runs on that CPU (an interrupt freeing inside our hook) is dropped by the kernel and counted
 * in the program's recursion_misses, which user space reports. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ledger_abi.h"
#include "ledger_kernel.bpf.h"

char LICENSE[] SEC("license") = "GPL";

extern struct kmem_cache *bpf_get_kmem_cache(__u64 addr) __ksym __weak;

/* Set by user space before load: kfree_rcu_work's address (0 when kallsyms has none, and then
 * the workqueue programs are not loaded). */
const volatile __u64 kfree_rcu_work_fn = 0;

/* The rcu_utilization strings are string literals: their addresses are learnt once by content
 * and compared as pointers after that (the tracepoint also fires on every context switch and
 * scheduler tick, so reading the string each time would cost). */
__u64 start_core_str = 0;
__u64 end_core_str = 0;
__u64 other_str[8] = {};

/* kfree_rcu_work runs in progress anywhere; the hooks look for their thread only when > 0. */
__s64 batch_active = 0;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct freed_cpu);
} state SEC(".maps");

/* Caches that found no slot in their CPU's table. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, LEDGER_FREED_CACHES);
  __type(key, __u64); /* struct kmem_cache * */
  __type(value, struct cache_freed);
} overflow SEC(".maps");

/* Written once per cache, when a CPU first gives it a slot. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LEDGER_FREED_CACHES);
  __type(key, __u64);
  __type(value, struct cache_name);
} cache_names SEC(".maps");

/* Threads running kfree_rcu_work now. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u32);
} batch_threads SEC(".maps");

static const __u32 zero = 0;

enum where { NOWHERE = 0, IN_CORE = 1, IN_BATCH = 2 };

/* The one check every kmem hook makes first; *st is this CPU's state. */
static __always_inline enum where where_now(struct freed_cpu **st) {
  struct freed_cpu *c = bpf_map_lookup_elem(&state, &zero);
  if (!c) return NOWHERE;
  *st = c;
  if (c->in_core) return IN_CORE;
  if (batch_active <= 0) return NOWHERE;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  return bpf_map_lookup_elem(&batch_threads, &tid) ? IN_BATCH : NOWHERE;
}

static __always_inline void remember_name(__u64 key, const struct kmem_cache *s, __u32 size) {
  if (bpf_map_lookup_elem(&cache_names, &key)) return;
  struct cache_name n = {.size = size};
  bpf_probe_read_kernel_str(n.name, sizeof(n.name), s->name);
  bpf_map_update_elem(&cache_names, &key, &n, BPF_NOEXIST);
}

/* The verifier allows no arithmetic (the hash below) on a kernel pointer; stored into a map
 * value and loaded back it is a plain number. Per CPU, so concurrent CPUs do not collide. */
static __always_inline __u64 as_number(struct freed_cpu *st, const void *p) {
  st->scratch = (__u64)p;
  return *(volatile __u64 *)&st->scratch;
}

/* This CPU's counters for cache s: a slot of the direct-mapped table (a few probes), else
 * the overflow hash. */
static __always_inline struct cache_freed *cell_for(struct freed_cpu *st, __u64 key,
                                                    const struct kmem_cache *s, __u32 size) {
  __u64 h = (key >> 6) * 0x9E3779B97F4A7C15ull;
  __u32 base = (__u32)(h >> 56);
  for (int i = 0; i < LEDGER_FREED_PROBES; i++) {
    struct freed_slot *slot = &st->slots[(base + i) & (LEDGER_FREED_SLOTS - 1)];
    if (slot->cache == key) return &slot->f;
    if (slot->cache == 0) {
      slot->cache = key;
      remember_name(key, s, size);
      return &slot->f;
    }
  }
  struct cache_freed *v = bpf_map_lookup_elem(&overflow, &key);
  if (v) return v;
  struct cache_freed fresh = {};
  bpf_map_update_elem(&overflow, &key, &fresh, BPF_NOEXIST);
  remember_name(key, s, size);
  return bpf_map_lookup_elem(&overflow, &key);
}

static __always_inline void add_object(struct freed_cpu *st, const struct kmem_cache *s,
                                       enum where w, int is_kfree) {
  __u32 size = s->size;
  struct cache_freed *v = cell_for(st, as_number(st, s), s, size);
  if (!v) {
    st->totals.dropped++;
    return;
  }
  v->objects++;
  v->bytes += size;
  if (is_kfree) v->kfree_objects++;
  if (w == IN_BATCH) {
    v->batch_objects++;
    v->batch_bytes += size;
  }
}

/* Compares the first bytes of a kernel string with a literal of at most 15 characters. */
static __always_inline int str_is(const char *kstr, const char *lit, int len) {
  char buf[16] = {};
  if (bpf_probe_read_kernel(buf, len + 1, kstr)) return 0;
  for (int i = 0; i < len + 1 && i < 16; i++)
    if (buf[i] != lit[i]) return 0;
  return 1;
}

SEC("tp_btf/rcu_utilization")
int BPF_PROG(on_rcu_utilization, const char *s) {
  __u64 p = (__u64)s;
  int start;
  if (p == start_core_str) {
    start = 1;
  } else if (p == end_core_str) {
    start = 0;
  } else {
    for (int i = 0; i < 8; i++)
      if (other_str[i] == p) return 0;
    if (str_is(s, "Start RCU core", 14)) {
      start_core_str = p;
      start = 1;
    } else if (str_is(s, "End RCU core", 12)) {
      end_core_str = p;
      start = 0;
    } else {
      for (int i = 0; i < 8; i++) {
        if (other_str[i] == 0) {
          other_str[i] = p;
          break;
        }
      }
      return 0;
    }
  }
  struct freed_cpu *st = bpf_map_lookup_elem(&state, &zero);
  if (!st) return 0;
  st->in_core = start;
  if (start) st->totals.core_runs++;
  return 0;
}

SEC("tp_btf/kmem_cache_free")
int BPF_PROG(on_kmem_cache_free, unsigned long call_site, const void *ptr,
             const struct kmem_cache *s) {
  struct freed_cpu *st = 0;
  enum where w = where_now(&st);
  if (w == NOWHERE || !st || !s) return 0;
  add_object(st, s, w, 0);
  return 0;
}

SEC("tp_btf/kfree")
int BPF_PROG(on_kfree, unsigned long call_site, const void *ptr) {
  struct freed_cpu *st = 0;
  enum where w = where_now(&st);
  if (w == NOWHERE || !st || (__u64)ptr < 4096) return 0; /* NULL and ZERO_SIZE_PTR */
  st->totals.kfree_calls++;
  struct kmem_cache *s = bpf_get_kmem_cache((__u64)ptr);
  if (s)
    add_object(st, s, w, 1);
  else
    st->totals.kfree_unsized++;
  return 0;
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(on_mm_page_free, struct page *page, unsigned int order) {
  struct freed_cpu *st = 0;
  enum where w = where_now(&st);
  if (w == NOWHERE || !st) return 0;
  __u64 n = 1ull << (order & 31);
  st->totals.pages += n;
  if (w == IN_BATCH) st->totals.batch_pages += n;
  return 0;
}

/* A walk of the pointer pages on one of krw->bulk_head_free[]: one record per step. */
struct bulk_walk {
  __u64 list; /* the list_head the pages hang from */
  __u64 page; /* current struct kvfree_rcu_bulk_data, or the list head before the first */
  __u32 idx, nr;
  __u32 channel; /* 0: slab objects (kfree_bulk), 1: vmalloc'ed (vfree) */
  __u32 done;
};

static long bulk_step(__u32 i, struct bulk_walk *b) {
  struct freed_cpu *st = bpf_map_lookup_elem(&state, &zero);
  if (!st) return 1;
  if (b->idx >= b->nr) {
    __u64 next;
    if (bpf_probe_read_kernel(&next, sizeof(next), (void *)b->page)) return 1;
    if (!next || next == b->list || next == b->page) {
      b->done = 1;
      return 1;
    }
    b->page = next; /* list is the page's first member */
    struct kvfree_rcu_bulk_data___ledger *page = (void *)next;
    unsigned long nr = BPF_CORE_READ(page, nr_records);
    if (nr > 4096) return 1; /* a page holds ~500: garbage */
    b->nr = nr;
    b->idx = 0;
    return 0;
  }
  __u64 off = bpf_core_field_offset(struct kvfree_rcu_bulk_data___ledger, records);
  __u64 ptr;
  if (bpf_probe_read_kernel(&ptr, sizeof(ptr), (void *)(b->page + off + 8ull * b->idx))) return 1;
  b->idx++;
  st->totals.batch_records++;
  struct kmem_cache *s = b->channel == 0 && ptr ? bpf_get_kmem_cache(ptr) : 0;
  if (s)
    add_object(st, s, IN_BATCH, 1);
  else
    st->totals.batch_unsized++;
  return 0;
}

static __always_inline void walk_bulk(struct freed_cpu *st, __u64 list, __u32 channel) {
  struct bulk_walk b = {.list = list, .page = list, .channel = channel};
  bpf_loop(1 << 16, bulk_step, &b, 0);
  if (!b.done) st->totals.batch_truncated++;
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(on_work_start, struct work_struct *work) {
  if (!kfree_rcu_work_fn || (__u64)BPF_CORE_READ(work, func) != kfree_rcu_work_fn) return 0;
  /* work is &krw->rcu_work.work; the pages it will hand to kfree_bulk()/vfree() are on
   * krw->bulk_head_free[] until it takes them, under the krc lock, in a moment. */
  struct freed_cpu *st = bpf_map_lookup_elem(&state, &zero);
  if (st && bpf_core_type_exists(struct kfree_rcu_cpu_work___ledger)) {
    __u64 krw = as_number(st, work) -
                bpf_core_field_offset(struct kfree_rcu_cpu_work___ledger, rcu_work) -
                bpf_core_field_offset(struct rcu_work___ledger, work);
    struct kfree_rcu_cpu_work___ledger *k = (void *)krw;
    {
      walk_bulk(st, (__u64)&k->bulk_head_free[0], 0);
      walk_bulk(st, (__u64)&k->bulk_head_free[1], 1);
    }
  }
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u32 one = 1;
  if (bpf_map_update_elem(&batch_threads, &tid, &one, BPF_NOEXIST) == 0)
    __sync_fetch_and_add(&batch_active, 1);
  if (st) st->totals.batch_runs++;
  return 0;
}

/* The function argument cannot be read from a tp_btf program (a function pointer is not a
 * BTF-typed argument) and the work item may be gone by now: the thread says whether its
 * kfree_rcu_work ended. */
SEC("tp_btf/workqueue_execute_end")
int BPF_PROG(on_work_end, struct work_struct *work) {
  if (batch_active <= 0) return 0;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  if (bpf_map_delete_elem(&batch_threads, &tid) == 0) __sync_fetch_and_add(&batch_active, -1);
  return 0;
}
