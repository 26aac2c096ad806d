"""The case's alarm timeline over the whole course (issue goal: under 1 s, so the trend
view can show every alarm of the course at once).

    .venv/bin/python benchmarks/bench_case_alarms.py [--runs 3]

Each run starts from a new Course (the model's store intervals cold) and samples only the
channels and flags the profile reads (dashboard.alarms.timeline.course_timeline): on the
5 s grid the trend view uses for the whole course, and on the monitor's 1 s grid for
comparison. Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.alarms import load_profile
from dashboard.alarms.timeline import course_timeline
from replay_data.course import Course
from replay_data.scenario import load_scenario

GOAL_S = 1.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    scenario = load_scenario("sle_dah_ecmo")
    profile = load_profile(scenario.alarm_profile)
    days = (scenario.end - scenario.start) / 86400
    for step in (5.0, 1.0):
        times, events = [], 0
        for _ in range(a.runs):
            course = Course(scenario)
            t0 = time.perf_counter()
            tl = course_timeline(course, profile, step=step)
            events = len(tl.events())
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        verdict = "" if step != 5.0 else (
            f"  [goal < {GOAL_S:.0f} s: {'ok' if med < GOAL_S else 'OVER GOAL'}]")
        print(f"whole course ({days:.1f} days) at {step:g} s: {tl.t.size} samples, "
              f"{len(profile.rules)} rules, {events} events: median {med:.2f} s{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
