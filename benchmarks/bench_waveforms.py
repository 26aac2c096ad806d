"""Waveform synthesis speed: what the monitor strips and the exporter ask of replay_data.

    .venv/bin/python benchmarks/bench_waveforms.py

Goals: one hour of all five waveforms in < 1 s; a random seek plus a 10 s window of all
five in < 20 ms with the beat/breath clocks cached. The cold cost of integrating HR and RR
(once per course, up to the time asked for) is printed separately, as is the cost after
an instructor perturbation (a new course that shares the clocks up to the perturbation).
Medians over several runs, wall time from time.perf_counter.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from replay_data import waveforms as wf
from replay_data.course import Course
from replay_data.perturbations import injection

RUNS = 7
SEEKS = 50


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def all_five(course: Course, t0: float, duration: float) -> int:
    return sum(wf.waveform(course, s, t0, duration)[1].size for s in wf.signals(course))


def report(label: str, seconds: list[float], goal: float | None = None) -> None:
    med = statistics.median(seconds)
    worst = max(seconds)
    verdict = ""
    if goal is not None:
        verdict = "  ok" if med < goal else f"  OVER GOAL ({goal * 1e3:.0f} ms)"
    print(f"{label:<58} median {med * 1e3:8.2f} ms   max {worst * 1e3:8.2f} ms{verdict}")


def main() -> None:
    course = Course.load()
    sc = course.scenario
    default = sc.default_start
    print(f"scenario {sc.id}: {sc.end / 86400:.1f} days; default start {default:.0f} s; "
          f"{RUNS} runs per figure\n")

    # Cold: integrate HR and RR from scenario start to the time asked for.
    cold_default, cold_end = [], []
    for _ in range(RUNS):
        wf.clear_cache()
        cold_default.append(timed(lambda: all_five(course, default, 10.0)))
        wf.clear_cache()
        cold_end.append(timed(lambda: all_five(course, sc.end - 10.0, 10.0)))
    report("cold: 10 s of all five at the default start", cold_default)
    report("cold: 10 s of all five at the scenario end (whole course)", cold_end)

    # Warm cache from here on.
    all_five(course, sc.end - 10.0, 10.0)

    samples = all_five(course, default, 3600.0)
    hour = [timed(lambda: all_five(course, default, 3600.0)) for _ in range(RUNS)]
    report(f"one hour of all five ({samples / 1e6:.2f} M samples)", hour, goal=1.0)

    rng = np.random.default_rng(20261127)
    seek_runs = []
    for _ in range(RUNS):
        starts = rng.uniform(sc.start, sc.end - 10.0, SEEKS)
        per_seek = [timed(lambda t0=t0: all_five(course, t0, 10.0)) for t0 in starts]
        seek_runs.append(statistics.median(per_seek))
    report(f"random seek + 10 s of all five (median of {SEEKS} seeks)", seek_runs, goal=0.020)

    frame = [timed(lambda: all_five(course, default + 7.0, 2.0)) for _ in range(RUNS)]
    report("one 2 s block of all five (what a strip fetches)", frame)

    # An instructor action at time t: a new course; its clocks are shared up to t.
    perturbed = []
    for k in range(RUNS):
        t = default + 600.0 * (k + 1)
        new = course.with_perturbations([injection(sc, "hypotension", t)])
        perturbed.append(timed(lambda new=new, t=t: all_five(new, t, 10.0)))
    report("after a perturbation: 10 s of all five on the new course", perturbed)


if __name__ == "__main__":
    main()
