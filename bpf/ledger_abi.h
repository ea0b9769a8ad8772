/* What the RCU ledger's BPF programs and rcu/bpf_ledger_source.cc agree on: sizes of the
 * tables the programs fill and the codes they leave in them. Plain C enums, so that the same
 * header compiles in a BPF object and in C++. The structs are the values of the programs' maps
 * and globals: bpftool's skeletons name them without defining them, so this header is included
 * before a skeleton. */
#ifndef MT_BPF_LEDGER_ABI_H
#define MT_BPF_LEDGER_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum {
  /* CPU ids the per-CPU tables hold; a machine with more gets an error at open. */
  LEDGER_MAX_CPUS = 1024,
  /* Slots of the (callback function, cache) table one walk of the callback lists fills. */
  LEDGER_WALK_SLOTS = 1024,
  /* Slots probed before a (function, cache) pair counts as "overflow". */
  LEDGER_WALK_PROBES = 16,
  /* Bytes of a cache name kept (names are shorter than 32 in practice). */
  LEDGER_NAME_LEN = 48,
  /* Per-cache entries method 1 keeps: a direct-mapped table per CPU (the fast path), and a
   * per-CPU hash for the caches that collide in it. */
  LEDGER_FREED_SLOTS = 256,
  LEDGER_FREED_PROBES = 4,
  LEDGER_FREED_CACHES = 4096,
  /* RCU_DONE_TAIL .. RCU_NEXT_TAIL: done, wait, next_ready, next. */
  LEDGER_NSEGS = 4,
  /* FREE_N_CHANNELS and KFREE_N_BATCHES in mm/slab_common.c (2 and 2 since 5.12). */
  LEDGER_KRC_CHANNELS = 2,
  LEDGER_KRC_BATCHES = 2,
};

/* Why a walk of one CPU's callback list ended. */
enum ledger_walk_stop {
  LEDGER_WALK_NOT_RUN = 0,
  LEDGER_WALK_END = 1,       /* walked every callback the segment lengths announced */
  LEDGER_WALK_NULL = 2,      /* the list ended earlier (callbacks were invoked meanwhile) */
  LEDGER_WALK_BAD_FUNC = 3,  /* a func outside kernel text: the list moved under the walk */
  LEDGER_WALK_FAULT = 4,     /* a callback could not be read */
  LEDGER_WALK_CAP = 5,       /* stopped at the per-CPU cap */
};

/* What a krc walk found in each place a batched kfree_rcu() object can wait. */
enum ledger_krc_where {
  LEDGER_KRC_HEAD = 0,       /* krc.head: objects chained through their own rcu_head */
  LEDGER_KRC_BULK = 1,       /* krc.bulk_head[]: pointer pages, not yet handed to a GP */
  LEDGER_KRC_HEAD_FREE = 2,  /* krw_arr[].head_free: handed to a grace period */
  LEDGER_KRC_BULK_FREE = 3,  /* krw_arr[].bulk_head_free[]: handed to a grace period */
  LEDGER_KRC_WHERE = 4,
};

/* ---- method 1 (rcu_freed.bpf.c): values of its per-CPU maps ---- */

struct freed_totals {
  __u64 core_runs;      /* "Start RCU core" seen */
  __u64 batch_runs;     /* kfree_rcu_work started */
  __u64 kfree_calls;    /* kfree() in a bracket */
  __u64 kfree_unsized;  /* of which not a slab object (large kmalloc: its pages are counted) */
  __u64 pages;          /* pages freed in a bracket (1 << order summed) */
  __u64 batch_pages;    /* of which in the kfree_rcu_work bracket */
  __u64 dropped;        /* frees not added because the cache table was full */
  __u64 batch_records;  /* pointers in the bulk pages kfree_rcu_work was about to free */
  __u64 batch_unsized;  /* of which not slab objects (the vmalloc channel) */
  __u64 batch_truncated; /* bulk walks cut short at their bound */
};

/* Per cache, per CPU. batch_*: the part freed in the kfree_rcu_work bracket. */
struct cache_freed {
  __u64 objects;
  __u64 bytes;
  __u64 kfree_objects;
  __u64 batch_objects;
  __u64 batch_bytes;
};

struct freed_slot {
  __u64 cache; /* struct kmem_cache *, 0 when free */
  struct cache_freed f;
};

/* Everything method 1 keeps per CPU, in one per-CPU array element: one lookup per event. */
struct freed_cpu {
  __u32 in_core; /* inside "Start RCU core" .. "End RCU core" */
  __u32 pad;
  __u64 scratch; /* see as_number() in rcu_freed.bpf.c */
  struct freed_totals totals;
  struct freed_slot slots[LEDGER_FREED_SLOTS];
};

struct cache_name {
  char name[LEDGER_NAME_LEN];
  __u32 size;
};

/* ---- method 2 (rcu_pending.bpf.c): its globals ---- */

struct cpu_check {
  __s64 rq_cpu;  /* rq->cpu */
  __s64 rdp_cpu; /* rdp->cpu */
  __u64 mynode;
  __s64 grplo, grphi; /* of rdp->mynode */
  __u64 root;         /* rcu_node reached by ->parent until NULL */
  __u64 krc_back[LEDGER_KRC_BATCHES];
  __u32 krc_initialized;
  __u32 read_errors;
};

struct cpu_counts {
  __s64 len;
  __s64 seglen[LEDGER_NSEGS];
  __s64 lazy_len;   /* -1: no such field */
  __s64 bypass_len; /* -1: no such field */
  __u64 n_cbs_invoked;
  __u64 barrier_seq_snap;
  __u64 nocb_cb_kthread;
  __s64 krc_head_count; /* -1: no krc */
  __s64 krc_bulk_count[LEDGER_KRC_CHANNELS];
  __u32 cblist_flags;
  __u32 read_errors;
};

/* One (callback function, cache) pair: func 0 is the krc batches, cache 0 not a slab
 * object. */
struct walk_slot {
  __u64 func;
  __u64 cache;
  __u64 callbacks;
  __u64 objects;
  __u64 bytes;
  __u32 object_size;
  __u32 used;
  char name[LEDGER_NAME_LEN];
};

struct walk_cpu {
  __s64 seglen[LEDGER_NSEGS]; /* as read when the walk started */
  __s64 len;                  /* cblist.len then: counts callbacks rcu_do_batch() took off */
  __u64 expected;             /* wait + next_ready + next */
  __u64 walked;
  __u64 objects;
  __u64 bytes;
  __u64 unsized; /* callbacks whose rcu_head is not in a slab object */
  __u64 sheaves;
  __u32 stop; /* enum ledger_walk_stop */
  __u32 pad;
};

struct krc_place {
  __u64 objects;
  __u64 bytes;
  __u64 unsized; /* not slab objects (vmalloc'ed, kvfree_rcu channel 1) */
  __u64 pages;   /* kvfree_rcu_bulk_data pages walked */
  __u32 truncated;
  __u32 pad;
};

#endif
