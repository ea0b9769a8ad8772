// SPDX-License-Identifier: GPL-2.0
/* RCU ledger, method 2: what is waiting in RCU right now, read from the kernel's own per-CPU
 * structures (struct rcu_data's callback list, struct kfree_rcu_cpu's batches).
 *
 * This kernel has no data symbols in kallsyms, so the per-CPU addresses are derived: the
 * vmlinux BTF's .data..percpu DATASEC gives each per-CPU variable's offset (user space reads
 * it), and record_rq learns each CPU's struct rq address from a scheduler tracepoint; that
 * CPU's rcu_data is then rq - off(runqueues) + off(rcu_data). validate reads back what makes
 * those addresses believable (rdp->cpu, the root rcu_node's rcu_state.name, krc's
 * back-pointers) before user space trusts them.
 *
 * The other programs are raw_tp programs that are never attached: user space runs them with
 * BPF_PROG_TEST_RUN when it wants a reading. read_counts reads the counters (cheap, every
 * sample); walk_callbacks walks one CPU's callback list and sizes each callback's object with
 * bpf_get_kmem_cache; walk_krc walks one CPU's kfree_rcu() batches. The walks read lists that
 * the kernel changes under them, with bpf_probe_read_kernel (a stale pointer reads garbage or
 * faults, never crashes), bounded by the lengths the kernel keeps, and stop at the first
 * callback whose function is not kernel text. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ledger_abi.h"
#include "ledger_kernel.bpf.h"

char LICENSE[] SEC("license") = "GPL";

extern struct kmem_cache *bpf_get_kmem_cache(__u64 addr) __ksym __weak;

/* ---- set by user space ---------------------------------------------------------------- */
__u32 nr_cpu_ids = 0;             /* CPU ids 0 .. nr_cpu_ids-1 are read */
__u64 rdp_addr[LEDGER_MAX_CPUS];  /* per-CPU struct rcu_data, 0 when unknown */
__u64 krc_addr[LEDGER_MAX_CPUS];  /* per-CPU struct kfree_rcu_cpu, 0 when unknown/absent */
__u64 text_lo = 0, text_hi = 0;   /* _stext .. _etext */
__u64 mod_lo = 0, mod_hi = 0;     /* module text, when modules are loaded (else 0) */
__u64 sheaf_fn = 0;               /* rcu_free_sheaf, 0 when absent */
__u64 walk_cap = 1 << 20;         /* callbacks walked per CPU at most */

/* ---- record_rq ------------------------------------------------------------------------ */
__u64 rq_addr[LEDGER_MAX_CPUS];
__u32 rq_seen = 0;

/* ---- validate ------------------------------------------------------------------------- */
struct cpu_check checks[LEDGER_MAX_CPUS];
char flavour[32];         /* rcu_state.name read from CPU 0's root node */
__u32 krc_present = 0;    /* struct kfree_rcu_cpu is in this kernel's BTF */
__u32 lazy_present = 0;   /* rcu_data.lazy_len */
__u32 bypass_present = 0; /* rcu_data.nocb_bypass */
__u32 sheaf_present = 0;  /* struct slab_sheaf */

/* ---- read_counts ---------------------------------------------------------------------- */
struct cpu_counts counts[LEDGER_MAX_CPUS];
__u64 barrier_sequence = 0; /* rcu_state.barrier_sequence */

/* ---- walk_callbacks / walk_krc -------------------------------------------------------- */
struct walk_slot walk_table[LEDGER_WALK_SLOTS];
__u64 walk_overflow_callbacks = 0;
__u64 walk_overflow_bytes = 0;

struct walk_cpu walk_cpus[LEDGER_MAX_CPUS];

struct krc_place krc_places[LEDGER_MAX_CPUS][LEDGER_KRC_WHERE];

/* -------------------------------------------------------------------------------------- */

static __always_inline int in_text(__u64 fn) {
  return (fn >= text_lo && fn < text_hi) || (mod_lo && fn >= mod_lo && fn < mod_hi);
}

static __always_inline __u32 cache_size(struct kmem_cache *s) {
  return BPF_CORE_READ(s, size);
}

/* The verifier allows no arithmetic on the untrusted pointer bpf_get_kmem_cache returns; a
 * value stored into a global and loaded back is a plain number that can be hashed. */
__u64 pointer_scratch = 0;

static __always_inline __u64 as_number(const void *p) {
  pointer_scratch = (__u64)p;
  return *(volatile __u64 *)&pointer_scratch;
}

/* Adds to the (func, cache) slot, creating it (and reading the cache's name) on first use. */
static __always_inline void table_add(__u64 func, struct kmem_cache *s, __u64 callbacks,
                                      __u64 objects, __u64 bytes) {
  __u64 cache = as_number(s);
  __u64 h = (func * 0x9E3779B97F4A7C15ull) ^ (cache >> 6) ^ (cache * 0xBF58476D1CE4E5B9ull);
  h ^= h >> 29;
  for (int i = 0; i < LEDGER_WALK_PROBES; i++) {
    __u32 idx = (__u32)(h + i) & (LEDGER_WALK_SLOTS - 1);
    struct walk_slot *slot = &walk_table[idx];
    if (slot->used && (slot->func != func || slot->cache != cache)) continue;
    if (!slot->used) {
      slot->used = 1;
      slot->func = func;
      slot->cache = cache;
      if (s) {
        slot->object_size = cache_size(s);
        bpf_probe_read_kernel_str(slot->name, sizeof(slot->name), BPF_CORE_READ(s, name));
      }
    }
    slot->callbacks += callbacks;
    slot->objects += objects;
    slot->bytes += bytes;
    return;
  }
  walk_overflow_callbacks += callbacks;
  walk_overflow_bytes += bytes;
}

SEC("tp_btf/sched_update_nr_running_tp")
int BPF_PROG(record_rq, struct rq *rq, int change) {
  /* The rq may be another CPU's (load balancing moves tasks from a remote rq): key by the
   * rq's own cpu field, not by the CPU this runs on. */
  int cpu = BPF_CORE_READ((struct rq___ledger *)rq, cpu);
  if (cpu < 0 || !ledger_cpu_ok(cpu)) return 0;
  if (rq_addr[cpu]) return 0;
  rq_addr[cpu] = (__u64)rq;
  __sync_fetch_and_add(&rq_seen, 1);
  return 0;
}

static long validate_cpu(__u32 cpu, void *unused) {
  if (!ledger_cpu_ok(cpu)) return 1;
  struct cpu_check *c = &checks[cpu];
  c->rq_cpu = -1;
  c->rdp_cpu = -1;
  if (rq_addr[cpu]) {
    int v;
    if (bpf_core_read(&v, sizeof(v), &((struct rq___ledger *)rq_addr[cpu])->cpu))
      c->read_errors++;
    else
      c->rq_cpu = v;
  }
  struct rcu_data___ledger *rdp = (void *)rdp_addr[cpu];
  if (!rdp) return 0;
  int v;
  if (bpf_core_read(&v, sizeof(v), &rdp->cpu)) {
    c->read_errors++;
    return 0;
  }
  c->rdp_cpu = v;
  struct rcu_node___ledger *node = BPF_CORE_READ(rdp, mynode);
  c->mynode = (__u64)node;
  if (!node) return 0;
  c->grplo = BPF_CORE_READ(node, grplo);
  c->grphi = BPF_CORE_READ(node, grphi);
  for (int level = 0; level < 8 && node; level++) {
    struct rcu_node___ledger *parent = BPF_CORE_READ(node, parent);
    if (!parent) {
      c->root = (__u64)node;
      break;
    }
    node = parent;
  }
  struct kfree_rcu_cpu___ledger *krcp = (void *)krc_addr[cpu];
  if (krcp && bpf_core_type_exists(struct kfree_rcu_cpu___ledger)) {
    c->krc_back[0] = (__u64)BPF_CORE_READ(krcp, krw_arr[0].krcp);
    c->krc_back[1] = (__u64)BPF_CORE_READ(krcp, krw_arr[1].krcp);
    c->krc_initialized = BPF_CORE_READ(krcp, initialized);
  }
  return 0;
}

SEC("raw_tp")
int validate(void *ctx) {
  krc_present = bpf_core_type_exists(struct kfree_rcu_cpu___ledger);
  lazy_present = bpf_core_field_exists(((struct rcu_data___ledger *)0)->lazy_len);
  bypass_present = bpf_core_field_exists(((struct rcu_data___ledger *)0)->nocb_bypass);
  sheaf_present = bpf_core_type_exists(struct slab_sheaf___ledger);
  __u32 n = nr_cpu_ids < LEDGER_MAX_CPUS ? nr_cpu_ids : LEDGER_MAX_CPUS;
  bpf_loop(n, validate_cpu, NULL, 0);
  __u64 root = checks[0].root;
  if (root) {
    const char *name = BPF_CORE_READ((struct rcu_state___ledger *)root, name);
    bpf_probe_read_kernel_str(flavour, sizeof(flavour), name);
  }
  return 0;
}

static __always_inline long read_len(struct rcu_data___ledger *rdp) {
  if (bpf_core_field_exists(((struct rcu_segcblist___atomic_len *)0)->len.counter))
    return BPF_CORE_READ((struct rcu_segcblist___atomic_len *)&rdp->cblist, len.counter);
  return BPF_CORE_READ((struct rcu_segcblist___plain_len *)&rdp->cblist, len);
}

static long count_cpu(__u32 cpu, void *unused) {
  if (!ledger_cpu_ok(cpu)) return 1;
  struct cpu_counts *c = &counts[cpu];
  struct rcu_data___ledger *rdp = (void *)rdp_addr[cpu];
  if (!rdp) return 0;
  c->len = read_len(rdp);
  for (int s = 0; s < LEDGER_NSEGS; s++) c->seglen[s] = BPF_CORE_READ(rdp, cblist.seglen[s]);
  c->cblist_flags = BPF_CORE_READ(rdp, cblist.flags);
  c->n_cbs_invoked = BPF_CORE_READ(rdp, n_cbs_invoked);
  c->barrier_seq_snap = BPF_CORE_READ(rdp, barrier_seq_snap);
  c->lazy_len = bpf_core_field_exists(rdp->lazy_len) ? BPF_CORE_READ(rdp, lazy_len) : -1;
  if (bpf_core_field_exists(rdp->nocb_bypass)) {
    c->bypass_len = BPF_CORE_READ(rdp, nocb_bypass.len);
    c->nocb_cb_kthread = (__u64)BPF_CORE_READ(rdp, nocb_cb_kthread);
  } else {
    c->bypass_len = -1;
  }
  struct kfree_rcu_cpu___ledger *krcp = (void *)krc_addr[cpu];
  if (krcp && bpf_core_type_exists(struct kfree_rcu_cpu___ledger)) {
    c->krc_head_count = BPF_CORE_READ(krcp, head_count.counter);
    c->krc_bulk_count[0] = BPF_CORE_READ(krcp, bulk_count[0].counter);
    c->krc_bulk_count[1] = BPF_CORE_READ(krcp, bulk_count[1].counter);
  } else {
    c->krc_head_count = -1;
  }
  return 0;
}

SEC("raw_tp")
int read_counts(void *ctx) {
  __u32 n = nr_cpu_ids < LEDGER_MAX_CPUS ? nr_cpu_ids : LEDGER_MAX_CPUS;
  bpf_loop(n, count_cpu, NULL, 0);
  __u64 root = checks[0].root;
  if (root) barrier_sequence = BPF_CORE_READ((struct rcu_state___ledger *)root, barrier_sequence);
  return 0;
}

/* ---- the callback list ---------------------------------------------------------------- */

struct cb_walk {
  __u64 cur; /* next callback to read */
  __u32 cpu;
  __u32 stop;
};

static long walk_step(__u32 i, struct cb_walk *w) {
  if (!ledger_cpu_ok(w->cpu)) return 1;
  struct walk_cpu *r = &walk_cpus[w->cpu];
  if (!w->cur) {
    w->stop = LEDGER_WALK_NULL;
    return 1;
  }
  struct callback_head h;
  if (bpf_probe_read_kernel(&h, sizeof(h), (void *)w->cur)) {
    w->stop = LEDGER_WALK_FAULT;
    return 1;
  }
  __u64 fn = (__u64)h.func;
  struct kmem_cache *s = 0;
  __u64 objects = 1, bytes = 0;
  if (fn == sheaf_fn && sheaf_fn && bpf_core_type_exists(struct slab_sheaf___ledger)) {
    /* A SLUB RCU sheaf: one callback frees a whole sheaf of objects (the rcu_head is at the
     * start of struct slab_sheaf). */
    struct slab_sheaf___ledger *sheaf = (void *)w->cur;
    s = BPF_CORE_READ(sheaf, cache);
    objects = BPF_CORE_READ(sheaf, size);
    if (objects > 4096) objects = 0; /* garbage: a sheaf holds tens */
    r->sheaves++;
  } else if (fn && fn < 4096) {
    /* Old-style kfree_rcu(): func is the rcu_head's offset in its object. */
    s = bpf_get_kmem_cache(w->cur - fn);
  } else if (in_text(fn)) {
    s = bpf_get_kmem_cache(w->cur);
  } else {
    w->stop = LEDGER_WALK_BAD_FUNC;
    return 1;
  }
  if (s)
    bytes = objects * cache_size(s);
  else
    r->unsized++;
  table_add(fn, s, 1, objects, bytes);
  r->walked++;
  r->objects += objects;
  r->bytes += bytes;
  w->cur = (__u64)h.next;
  return 0;
}

/* ctx->args[0]: the CPU whose list to walk. Starts after the DONE segment (those callbacks are
 * being invoked right now) and walks the wait, next_ready and next segments. */
SEC("raw_tp")
int walk_callbacks(struct bpf_raw_tracepoint_args *ctx) {
  __u32 cpu = ctx->args[0];
  if (!ledger_cpu_ok(cpu)) return 1;
  struct walk_cpu *r = &walk_cpus[cpu];
  __builtin_memset(r, 0, sizeof(*r));
  struct rcu_data___ledger *rdp = (void *)rdp_addr[cpu];
  if (!rdp) return 1;
  for (int s = 0; s < LEDGER_NSEGS; s++) r->seglen[s] = BPF_CORE_READ(rdp, cblist.seglen[s]);
  r->len = read_len(rdp);
  long expected = r->seglen[1] + r->seglen[2] + r->seglen[3];
  if (expected <= 0) {
    r->stop = LEDGER_WALK_END;
    return 0;
  }
  r->expected = expected;
  struct callback_head **done_tail = BPF_CORE_READ(rdp, cblist.tails[0]);
  struct cb_walk w = {.cpu = cpu};
  if (!done_tail || bpf_probe_read_kernel(&w.cur, sizeof(w.cur), done_tail)) {
    r->stop = LEDGER_WALK_FAULT;
    return 0;
  }
  __u64 n = (__u64)expected;
  int capped = 0;
  if (n > walk_cap) {
    n = walk_cap;
    capped = 1;
  }
  if (n > (1 << 23)) n = 1 << 23; /* bpf_loop's own limit */
  bpf_loop(n, walk_step, &w, 0);
  r->stop = w.stop ? w.stop : (capped ? LEDGER_WALK_CAP : LEDGER_WALK_END);
  return 0;
}

/* ---- kfree_rcu() batches -------------------------------------------------------------- */

struct krc_walk {
  __u64 cur;  /* rcu_head (chains) or the current bulk page */
  __u64 list; /* address of the list_head the pages hang from */
  __u32 idx;  /* record index in the current page */
  __u32 nr;   /* records in the current page */
  __u32 cpu;
  __u32 where;
  __u64 pages;
};

static __always_inline void krc_object(struct krc_walk *k, __u64 ptr) {
  if (!ledger_cpu_ok(k->cpu) || k->where >= LEDGER_KRC_WHERE) return;
  struct krc_place *p = &krc_places[k->cpu][k->where];
  struct kmem_cache *s = ptr ? bpf_get_kmem_cache(ptr) : 0;
  __u64 bytes = 0;
  if (s)
    bytes = cache_size(s);
  else
    p->unsized++;
  p->objects++;
  p->bytes += bytes;
  table_add(0, s, 0, 1, bytes);
}

/* Objects chained through their rcu_head, whose func holds the object's address. */
static long krc_chain_step(__u32 i, struct krc_walk *k) {
  if (!k->cur) return 1;
  struct callback_head h;
  if (bpf_probe_read_kernel(&h, sizeof(h), (void *)k->cur)) return 1;
  krc_object(k, (__u64)h.func);
  if ((__u64)h.next == k->cur) return 1; /* a list that points at itself is not a chain */
  k->cur = (__u64)h.next;
  return 0;
}

/* Pages of pointers (struct kvfree_rcu_bulk_data) on a list: one record per step. */
static long krc_bulk_step(__u32 i, struct krc_walk *k) {
  if (k->idx >= k->nr) {
    /* next page */
    __u64 next;
    if (bpf_probe_read_kernel(&next, sizeof(next), (void *)k->cur)) return 1;
    if (!next || next == k->list || next == k->cur) return 1;
    k->cur = next; /* list is the page's first member */
    struct kvfree_rcu_bulk_data___ledger *page = (void *)next;
    unsigned long nr = BPF_CORE_READ(page, nr_records);
    if (nr > 4096) return 1; /* a page holds ~500 */
    k->nr = nr;
    k->idx = 0;
    k->pages++;
    return 0;
  }
  __u64 off = bpf_core_field_offset(struct kvfree_rcu_bulk_data___ledger, records);
  __u64 ptr;
  if (bpf_probe_read_kernel(&ptr, sizeof(ptr), (void *)(k->cur + off + 8ull * k->idx))) return 1;
  k->idx++;
  krc_object(k, ptr);
  return 0;
}

static __always_inline void krc_chain(struct krc_walk *k, __u32 where, __u64 head,
                                      __u32 budget) {
  k->where = where;
  k->cur = head;
  bpf_loop(budget, krc_chain_step, k, 0);
  if (k->cur && ledger_cpu_ok(k->cpu) && where < LEDGER_KRC_WHERE)
    krc_places[k->cpu][where].truncated = 1;
}

static __always_inline void krc_bulk(struct krc_walk *k, __u32 where, __u64 list,
                                     __u32 budget) {
  k->where = where;
  k->list = list;
  k->cur = list; /* its ->next is the first page */
  k->idx = k->nr = 0;
  k->pages = 0;
  long done = bpf_loop(budget, krc_bulk_step, k, 0);
  if (ledger_cpu_ok(k->cpu) && where < LEDGER_KRC_WHERE) {
    krc_places[k->cpu][where].pages += k->pages;
    if (done >= budget) krc_places[k->cpu][where].truncated = 1;
  }
}

/* What one batch (krw_arr[]) has handed to a grace period. */
static __always_inline void krc_batch(struct krc_walk *k, struct kfree_rcu_cpu_work___ledger *krw,
                                      __u32 budget) {
  krc_chain(k, LEDGER_KRC_HEAD_FREE, (__u64)BPF_CORE_READ(krw, head_free), budget);
  krc_bulk(k, LEDGER_KRC_BULK_FREE, (__u64)&krw->bulk_head_free[0], budget);
  krc_bulk(k, LEDGER_KRC_BULK_FREE, (__u64)&krw->bulk_head_free[1], budget);
}

/* ctx->args[0]: the CPU. Each place gets a bounded number of steps. */
SEC("raw_tp")
int walk_krc(struct bpf_raw_tracepoint_args *ctx) {
  __u32 cpu = ctx->args[0];
  if (!ledger_cpu_ok(cpu)) return 1;
  if (!bpf_core_type_exists(struct kfree_rcu_cpu___ledger)) return 1;
  __builtin_memset(&krc_places[cpu], 0, sizeof(krc_places[cpu]));
  struct kfree_rcu_cpu___ledger *krcp = (void *)krc_addr[cpu];
  if (!krcp) return 1;
  const __u32 budget = 1 << 18;
  struct krc_walk k = {.cpu = cpu};
  krc_chain(&k, LEDGER_KRC_HEAD, (__u64)BPF_CORE_READ(krcp, head), budget);
  krc_bulk(&k, LEDGER_KRC_BULK, (__u64)&krcp->bulk_head[0], budget);
  krc_bulk(&k, LEDGER_KRC_BULK, (__u64)&krcp->bulk_head[1], budget);
  /* Constant indices only: CO-RE relocates an access path, and a variable array index in it
   * would not be relocated. */
  krc_batch(&k, &krcp->krw_arr[0], budget);
  krc_batch(&k, &krcp->krw_arr[1], budget);
  return 0;
}
