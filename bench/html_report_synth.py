#!/usr/bin/env python3
"""A synthetic one-hour campaign report for bench/html-report.sh.

    html_report_synth.py TEMPLATE.json OUT.json [SECONDS] [INTERVAL_S]

The report keeps TEMPLATE's fields (host, declared metrics, parts) and gets SECONDS (default
3600) of samples every INTERVAL_S (default 0.1) in the shapes the daemon writes: the core fields,
cgroup and system PSI, and every declared metric (the walk's and the grace-period probe's once a
second, the barrier's every 10 s, the OOM estimate only while memory grows), plus per-workload
flood ops/s. Events over the hour: OOM kills, PSI trigger firings, reactions, OOM proximity level
changes, flood bursts and the ledger's barrier backlogs, a few hundred in all. Deterministic
(a fixed seed).
"""
import json
import math
import random
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    template, out = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3600.0
    step = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    rng = random.Random(1)
    with open(template) as f:
        r = json.load(f)

    limit = 256 * 2**20
    n = int(round(seconds / step))
    flood_period = 30.0          # a burst every 30 s, 12 s long
    samples = []
    usage = 20e6
    for i in range(n):
        t = i * step + 0.0003 + rng.random() * 0.0002
        phase = t % flood_period
        flooding = phase < 12.0
        # Memory climbs during a burst and falls back after it; now and then to the limit.
        target = (150e6 + 90e6 * min(1.0, phase / 12.0)) if flooding else 150e6
        if int(t // flood_period) % 6 == 5 and flooding:
            target = limit * 1.02
        usage += (target - usage) * 0.08 + rng.gauss(0, 4e5)
        usage = max(5e6, min(limit, usage))
        kernel = 8e6 + (25e6 * min(1.0, phase / 12.0) if flooding else 2e6) + rng.gauss(0, 3e5)
        some = round(max(0.0, (usage / limit - 0.8) * 40 + rng.gauss(0, 0.2)), 2)
        s = {
            "t_s": t,
            "usage_bytes": int(usage),
            "limit_bytes": limit,
            "headroom_bytes": int(limit - usage),
            "kernel_bytes": int(max(0, kernel)),
            "oom_kills": 0,
            "failcnt": 0,
            "peak_bytes": limit,
            "cgroup_psi": {"some_avg10": some, "full_avg10": round(some * 0.7, 2),
                           "some_stall_delta_us": int(some * 1000), "full_stall_delta_us": int(some * 700)},
            "system_psi": {"some_avg10": round(some * 0.5, 2), "full_avg10": round(some * 0.3, 2),
                           "some_stall_delta_us": int(some * 500), "full_stall_delta_us": int(some * 300)},
        }
        freed = (9e8 + rng.gauss(0, 1e8)) if flooding else abs(rng.gauss(0, 2e6))
        growth = (target - usage) * 0.8 / step * 0.1
        m = {
            "oom.effective_headroom_bytes": int(limit - usage + rng.random() * 1e6),
            "oom.growth_bytes_per_s": growth,
            "oom.proximity": 2 if usage > 0.95 * limit else (1 if usage > 0.8 * limit else 0),
            "oom.rcu_waiting_bytes": int(max(0, (3e7 if flooding else 5e4) + rng.gauss(0, 2e6))),
            "oom.reclaimable_bytes": int(4096 * rng.randint(1, 40)),
            "oom.scan_pages_per_s": max(0.0, rng.gauss(0, 50)) if usage > 0.9 * limit else 0,
            "oom.steal_pages_per_s": max(0.0, rng.gauss(0, 40)) if usage > 0.9 * limit else 0,
            "oom.score": round(min(1.0, max(0.0, usage / limit - 0.5) * 2), 4),
            "oom.system.effective_headroom_bytes": int(2.4e10 + rng.gauss(0, 1e7)),
            "oom.system.proximity": 0,
            "oom.system.score": round(0.03 + rng.random() * 0.01, 4),
            "oom.vmpressure": 0,
            "rcu.freed_bytes_per_s": freed,
            "rcu.freed_objects_per_s": freed / 540,
            "rcu.krc_objects": rng.randint(0, 900),
            "rcu.pending_callbacks": rng.randint(10000, 50000) if flooding else rng.randint(0, 300),
            "rcu.stalls": 0,
            "reactions.active": 1 if usage > 0.9 * limit else 0,
            "reactions.firings": int(t // 90),
            "workload.flood.ops_per_s": (240000 + rng.gauss(0, 8000)) if flooding else 0.0,
            "workload.hog.ops_per_s": 400000 + rng.gauss(0, 5000),
        }
        if growth > 1e5:  # the estimate exists only while memory grows
            eta = (limit - usage) / growth
            m["oom.eta_s"] = eta
            m["oom.eta_low_s"] = eta * 0.8
            m["oom.eta_high_s"] = eta * 1.3
        if i % 10 == 3:
            m["rcu.gp_latency_us"] = abs(rng.gauss(8000, 3000))
            m["rcu.pending_bytes"] = int(max(0, (2e7 if flooding else 3e4) + rng.gauss(0, 5e6)))
        if i % 100 == 50:
            m["rcu.backlog_bytes"] = int(max(0, 1e7 + rng.gauss(0, 3e6)))
        s["metrics"] = dict(sorted(m.items()))
        samples.append(s)
    r["samples"] = samples
    r["memory"] = {"limit_bytes": limit, "peak_bytes": max(s["usage_bytes"] for s in samples),
                   "min_headroom_bytes": min(s["headroom_bytes"] for s in samples),
                   "max_kernel_bytes": max(s["kernel_bytes"] for s in samples), "failcnt": 0}
    r["duration_planned_s"] = seconds
    r["duration_actual_s"] = seconds + 0.01
    r["campaign"] = "synthetic-hour"
    r["id"] = "synthetic-hour-20261206T000000-0000"
    r["description"] = f"bench/html_report_synth.py: {seconds:g} s at {step:g} s from {template}"

    # Events.
    kills = [t for t in range(175, int(seconds), 180)]
    r["oom_kills"] = len(kills)
    r["oom_kill_times_s"] = [k + 0.25 for k in kills]
    parts = r.setdefault("parts", {})
    parts.setdefault("oom", {})["kills"] = [
        {"t_s": k + 0.25, "via": "oom_control eventfd", "usage_bytes": limit, "workload": "hog",
         "victim_pid": 4000 + j, "victim_task": "memtorture-work", "kernel_t_s": k + 0.2495,
         "detection_latency_ms": 0.5} for j, k in enumerate(kills)]
    r.setdefault("psi_trigger", {})["events_s"] = sorted(
        t for k in kills for t in (k + 2.0, k + 60.0) if t < seconds)
    changes = []
    for k in kills:
        changes += [{"t_s": k - 8.0, "of": "cgroup", "from": "ok", "to": "elevated", "reason": "headroom 19%"},
                    {"t_s": k - 2.0, "of": "cgroup", "from": "elevated", "to": "critical", "reason": "oom in ~2.0 s"},
                    {"t_s": k + 0.3, "of": "cgroup", "from": "critical", "to": "oom", "reason": "OOM kill"},
                    {"t_s": k + 4.0, "of": "cgroup", "from": "oom", "to": "ok", "reason": "headroom 60%"}]
    parts.setdefault("oom_proximity", {})["level_changes"] = changes
    firings = []
    for j, t in enumerate(range(90, int(seconds), 90)):
        firings.append({
            "reaction": "barrier-at-90", "n": j + 1, "true_since_us": t * 1e6, "detected_us": t * 1e6 + 400,
            "by_psi_event": False, "done_us": t * 1e6 + 11000, "detection_to_done_us": 10600,
            "cleared_us": (t + 3.5) * 1e6,
            "actions": [{"action": "barrier", "started_us": t * 1e6 + 800, "done_us": t * 1e6 + 10800,
                         "took_us": 10000, "ok": True, "detail": "barrier ran in 10.0 ms, freed 1.3Mi"}]})
    parts["reactions"] = {"reactions": [{"name": "barrier-at-90", "when": "usage_fraction > 0.9",
                                         "clear": "when no longer holds", "fired": len(firings)}],
                          "firings": firings, "error": ""}
    bursts = []
    for j, t in enumerate(range(0, int(seconds), int(flood_period))):
        bursts.append({"index": j + 1, "started_s": t + 0.05, "duration_s": 12.0, "ended_by": "duration",
                       "ops": 2900000, "barrier_ms": 15.0, "barrier_freed_bytes": 2e7})
    parts["bursts"] = {"bucket_ms": 100, "floods": {"flood": bursts}}
    parts.setdefault("ledger", {})["backlogs"] = [
        {"t_s": t + 0.7, "outcome": "ran", "duration_ms": 20.0, "bytes": int(1e7 + rng.gauss(0, 3e6))}
        for t in range(10, int(seconds), 10)]
    r["workloads"] = [
        {"name": "hog", "type": "anon", "kind": "", "threads": 1, "pid": 100, "state": "exited",
         "ops": int(4e5 * seconds), "ops_per_s": 4e5, "errors": 0, "bytes": 167772160,
         "exit_status": "exit 0", "paused": False, "rate": 0},
        {"name": "flood", "type": "flood", "kind": "udp_socket", "threads": 2, "pid": 101,
         "state": "exited", "ops": int(9.6e4 * seconds), "ops_per_s": 9.6e4, "errors": 0, "bytes": 0,
         "exit_status": "exit 0", "paused": False, "rate": 0}]
    metrics = r.setdefault("metrics", [])
    declared = {m["name"] for m in metrics}
    for name, unit, help_ in [
            ("workload.hog.ops_per_s", "1/s", "operations per second of workload hog"),
            ("workload.flood.ops_per_s", "1/s", "operations per second of workload flood"),
            ("reactions.active", "", "reactions holding now"),
            ("reactions.firings", "", "reaction firings so far")]:
        if name not in declared:
            metrics.append({"name": name, "unit": unit, "help": help_, "label": ""})
    with open(out, "w") as f:
        json.dump(r, f, separators=(",", ":"))
    events = (len(kills) + len(r["psi_trigger"]["events_s"]) + len(changes) + 2 * len(firings)
              + 2 * len(bursts))
    print(f"{n} samples, {len(metrics)} declared metrics, {events} events, "
          f"{len(parts['ledger']['backlogs'])} barrier backlogs")


if __name__ == "__main__":
    main()
