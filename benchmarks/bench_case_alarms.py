"""The case's alarm timeline over the whole course at 1 s resolution, all channels
(issue goal: under 5 s, so a trend view or a debrief can show every alarm of the course).

    .venv/bin/python benchmarks/bench_case_alarms.py [--step 1] [--runs 3]

Times the two halves separately: sampling the course (numerics, held ACT, flags) on the
grid, and the vectorised alarm timeline on those samples. Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from dashboard.alarms import compute_timeline, load_profile
from replay_data.course import Course

CHUNK_S = 86400  # sample a day at a time to bound memory


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    course = Course.load()
    profile = load_profile(course.scenario.alarm_profile)
    t = np.arange(course.scenario.start, course.scenario.end, a.step)
    sample_s, timeline_s = [], []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        values: dict[str, list[np.ndarray]] = {}
        flags: dict[str, list[np.ndarray]] = {}
        for i in range(0, t.size, int(CHUNK_S / a.step)):
            v, f = course.sample_grid(t[i:i + int(CHUNK_S / a.step)])
            for k, arr in v.items():
                values.setdefault(k, []).append(arr)
            for k in set(f) | set(flags):
                n = v["hr"].size
                flags.setdefault(k, []).append(f.get(k, np.zeros(n, bool)))
        vals = {k: np.concatenate(x) for k, x in values.items()}
        flgs = {k: np.concatenate(x) for k, x in flags.items() if sum(map(len, x)) == t.size}
        t1 = time.perf_counter()
        timeline = compute_timeline(t, vals, flgs, profile)
        events = timeline.events()
        t2 = time.perf_counter()
        sample_s.append(t1 - t0)
        timeline_s.append(t2 - t1)
    print(f"course: {t.size} samples at {a.step:g} s, {len(vals)} channels, "
          f"{len(profile.rules)} alarm rules, {len(events)} alarm events")
    print(f"sampling the course: median {statistics.median(sample_s):.2f} s")
    print(f"alarm timeline:      median {statistics.median(timeline_s):.2f} s")
    print(f"total:               median "
          f"{statistics.median([x + y for x, y in zip(sample_s, timeline_s)]):.2f} s (goal < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
