"""Course benchmark: whole-course trends, one sample, and a one-minute sample grid.

    .venv/bin/python benchmarks/bench_trends.py [--runs 5] [--seed 0]

Prints the median of `--runs` runs of each:
  - Course.numerics: every numeric channel over the whole course on a 60 s grid
    (what the trends page and `replay-data trends --step 60` compute); goal < 0.5 s.
  - Course.sample(t): all numerics, the latest ACT and the flags at one time (per call).
  - Course.sample_grid: the same on a 60 s window at 1 s steps (61 times, one call), and
    the same 61 times through sample(t) one by one for comparison.
  - the CSV text of that whole-course export (`replay-data trends --step 60`'s cells,
    1.42 million): block formatting (replay_data.csv_blocks) against the cell-by-cell
    f-strings it replaced, and a check that both give the same bytes.
Times are taken at a quiet moment on ECMO and inside the scheduled drainage chatter.
The cold-process figures of the commands are bench_cli_cold.py's.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replay_data.course import Course
from replay_data.csv_blocks import write_rows
from replay_data.scenario import load_scenario

GOAL_WHOLE_COURSE_S = 0.5


def median_time(fn: Callable[[], object], runs: int, repeat: int = 1) -> float:
    """Median over `runs` of the time per call, each run timing `repeat` calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        times.append((time.perf_counter() - t0) / repeat)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    scenario = load_scenario("sle_dah_ecmo")
    channels = list(Course(scenario).catalogue.numerics)
    grid = np.arange(scenario.start, scenario.end + 1e-9, 60.0)
    Course(scenario).numerics(channels, grid[:10])  # imports, catalogue, keyframe segments

    # Each run on a new course: the model's store intervals and output cache start cold,
    # as for `replay-data trends` or the first trend view of a session.
    whole = median_time(lambda: Course(scenario, seed=args.seed).numerics(channels, grid),
                        args.runs)
    verdict = "ok" if whole < GOAL_WHOLE_COURSE_S else "OVER GOAL"
    print(f"Course.numerics, {len(channels)} channels x {grid.size} times "
          f"(whole course, 60 s step, cold model): {whole * 1e3:8.1f} ms  "
          f"[goal < {GOAL_WHOLE_COURSE_S * 1e3:.0f} ms: {verdict}]")
    course = Course(scenario, seed=args.seed)
    values = course.numerics(channels, grid)
    shown = list(course.catalogue.displayed_numerics)
    cols = [values[c] for c in shown]
    digits = [course.catalogue.numerics[c].precision + 1 for c in shown]

    def blocks() -> str:
        buf = io.StringIO()
        write_rows(buf, grid, cols, digits)
        return buf.getvalue()

    def cell_by_cell() -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for i in range(grid.size):
            w.writerow([f"{grid[i]:.4f}".rstrip("0").rstrip(".") or "0",
                        *("" if not np.isfinite(col[i]) else f"{col[i]:.{d}f}"
                          for col, d in zip(cols, digits))])
        return buf.getvalue()

    fast = median_time(blocks, args.runs)
    slow = median_time(cell_by_cell, max(1, args.runs // 2))
    same = "same bytes" if blocks() == cell_by_cell() else "OUTPUTS DIFFER"
    print(f"CSV text of the whole-course export ({len(shown)} x {grid.size} cells): blocks "
          f"{fast * 1e3:8.1f} ms, cell by cell {slow * 1e3:8.1f} ms ({same})")
    shifted = grid[:-1] + 30.0  # same stores, another grid: no output-cache hit
    warm = median_time(lambda: course.numerics(channels, shifted), args.runs)
    print(f"  the same with the model's stores already computed: {warm * 1e3:8.1f} ms")

    # A cold seek far into the course: a new course, then one second's sample there.
    far = scenario.start + 0.9 * (scenario.end - scenario.start)
    cold = median_time(lambda: Course(scenario, seed=args.seed).sample_grid(
        far + np.arange(0, 10, 1.0)), args.runs)
    print(f"cold seek far into the course (new course, 10 s at 1 s): {cold * 1e3:8.1f} ms  "
          f"[goal < 50 ms: {'ok' if cold < 0.05 else 'OVER GOAL'}]")

    ev = scenario.event_times
    moments = {"quiet on ECMO": ev["act_target_raised"] + 2 * 3600,
               "drainage chatter": ev["drainage_chatter"] + 60}
    for name, t in moments.items():
        one = median_time(lambda t=t: course.sample(t), args.runs, repeat=200)
        window = t + np.arange(0, 61, 1.0)
        grid_call = median_time(lambda w=window: course.sample_grid(w), args.runs, repeat=50)
        loop = median_time(lambda w=window: [course.sample(x) for x in w], args.runs, repeat=5)
        print(f"{name:>17}: Course.sample(t) {one * 1e6:8.0f} us/call   "
              f"sample_grid(60 s @ 1 s) {grid_call * 1e3:6.2f} ms   "
              f"61 x sample(t) {loop * 1e3:6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
