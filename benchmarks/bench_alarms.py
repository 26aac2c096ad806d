"""Alarm core benchmark: whole-course timeline and the engine's per-update cost.

    .venv/bin/python benchmarks/bench_alarms.py [--samples 1200000] [--profile sle_dah_ecmo]

Synthetic data only (no replay model needed): every channel of the input contract as a
slow random walk around a typical ECMO value, wandering across its alarm limits now and
then, with not-measured (NaN) stretches and occasional flags. The goal set for the
timeline is < 5 s for 1.2 million samples on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.alarms import AlarmEngine, compute_timeline, load_profile
from dashboard.alarms.conditions import known_flags

# (typical value, random-walk scale) per channel: enough excursions to raise alarms.
TYPICAL = {
    "hr": (95, 8), "spo2": (93, 4), "abp_sys": (120, 15), "abp_dia": (65, 8),
    "abp_mean": (80, 10), "cvp": (8, 3), "rr": (12, 6), "etco2": (20, 12), "temp": (37.4, 0.6),
    "fio2": (40, 5), "peep": (10, 1), "ecmo_rpm": (3200, 400), "ecmo_flow": (3.7, 0.8),
    "sweep_flow": (3.6, 1.5), "fdo2": (100, 5), "p_venous": (-65, 12), "p_int": (200, 20),
    "p_art": (178, 20), "delta_p": (30, 12), "svo2": (70, 4), "po2_post": (450, 150),
    "heparin_rate": (1000, 100), "norepinephrine_rate": (0.05, 0.03), "act": (170, 20),
    "act_target_low": (180, 0), "act_target_high": (200, 0),
}  # fmt: skip


def synthetic_course(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    t = np.arange(n) * 0.5
    knots = n // 200 + 2  # smooth: one random knot every 100 s
    x = np.linspace(0, knots - 1, n)
    values = {}
    for ch, (mid, scale) in TYPICAL.items():
        walk = np.cumsum(rng.normal(0, 1, knots))
        walk = (walk - walk.mean()) / (walk.std() + 1e-9)
        v = mid + scale * np.interp(x, np.arange(knots), walk) + rng.normal(0, scale / 20, n)
        gaps = rng.integers(0, n, 5)
        for g in gaps:  # not measured for a while
            v[g : g + 2000] = np.nan
        values[ch] = v
    flags = {}
    for f in sorted(known_flags()):
        m = np.zeros(n, dtype=bool)
        for s in rng.integers(0, n, 20):
            m[s : s + int(rng.integers(10, 600))] = True
        flags[f] = m
    return t, values, flags


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1_200_000)
    ap.add_argument("--profile", default="sle_dah_ecmo")
    ap.add_argument("--updates", type=int, default=20_000)
    args = ap.parse_args()
    profile = load_profile(args.profile)
    t, values, flags = synthetic_course(args.samples)
    cpus = os.cpu_count()
    print(f"profile {profile.name!r}: {len(profile.rules)} alarm rules, "
          f"{sum(len(r.levels) for r in profile.rules)} levels; {cpus} CPUs")  # fmt: skip

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        tl = compute_timeline(t, values, flags, profile)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    n_events = len(tl.events())
    listing = time.perf_counter() - t0
    print(f"timeline: {args.samples:,} samples x {len(values)} channels + {len(flags)} flags "
          f"-> {n_events:,} raise/escalate/clear events in {best:.2f} s (best of 3; goal < 5 s)"
          f"; listing them as Python objects {listing:.2f} s")  # fmt: skip

    engine = AlarmEngine(profile)
    m = min(args.updates, args.samples)
    rows = [{k: float(v[i]) for k, v in values.items()} for i in range(m)]
    fl = [frozenset(f for f, a in flags.items() if a[i]) for i in range(m)]
    t0 = time.perf_counter()
    for i in range(m):
        engine.update(float(t[i]), rows[i], fl[i])
    per = (time.perf_counter() - t0) / m * 1e6
    print(f"engine: {per:.1f} us per update ({m:,} updates, all {len(profile.rules)} rules)")


if __name__ == "__main__":
    main()
