"""Many disturbances: start-up injections and the course with thousands of them.

    .venv/bin/python benchmarks/bench_injections.py [--runs 3] [--only NAME ...]

Prints the median wall time of `--runs` runs of each case (the `icu-dashboard` ones are a
fresh process each, as a user runs them):

  - `icu-dashboard --headless` on the case, 1 min of case time and a screenshot, with one
    `--inject` (the normal case) and with 5,000 (goal: well under a minute);
  - the same without a screenshot as the instructor (the controller alone, no Qt);
  - in process: a course with 1 and with 5,000 injections -- one minute of monitor samples
    (Course.sample_grid at 1 s) and every numeric over the whole course at a 60 s step.

`--only` picks cases whose name contains any of the words given.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_trends import median_time  # noqa: E402

from replay_data.course import Course  # noqa: E402
from replay_data.perturbations import injection  # noqa: E402
from replay_data.scenario import load_scenario  # noqa: E402

BIN = Path(sys.executable).parent
GOAL_MANY_S = 30.0  # "well under a minute"



def run(cmd: list[str]) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:6])} ...: {p.stderr.strip()[-500:]}")


def injects(n: int) -> list[str]:
    """n pump stops, one a second from the ECMO start (all overlapping: each lasts minutes)."""
    return [a for i in range(n) for a in ("--inject", f"pump_stop@ecmo_start+{i}s")]


def course_with(n: int) -> Course:
    sc = load_scenario("sle_dah_ecmo")
    t0 = sc.event_times["ecmo_start"]
    return Course(sc).with_perturbations(
        injection(sc, "pump_stop", t0 + i, pid=f"pump_stop#{i + 1}") for i in range(n))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=[])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        shot, log = str(Path(tmp) / "s.png"), str(Path(tmp) / "a.jsonl")
        sessions = Path(tmp) / "sessions"

        def session(i: list[int] = [0]) -> str:  # noqa: B006 - a counter across calls
            i[0] += 1
            return str(sessions / f"s{i[0]}.jsonl")

        sessions.mkdir()
        headless = [str(BIN / "icu-dashboard"), "--headless", "--start", "ecmo_start",
                    "--duration", "60s", "--alarm-log", log]
        instructor = [str(BIN / "icu-dashboard"), "instructor", "--headless", "--start",
                      "ecmo_start", "--duration", "60s", "--alarm-log", log]
        sc = load_scenario("sle_dah_ecmo")
        minute = sc.event_times["ecmo_start"] + 120 + np.arange(0, 60, 1.0)
        grid = np.arange(sc.start, sc.end + 1e-9, 60.0)
        channels = list(Course(sc).catalogue.numerics)
        cases: dict[str, Callable[[], object]] = {
            "headless window 60 s, 1 --inject":
                lambda: run([*headless, "--screenshot", shot, *injects(1)]),
            "headless window 60 s, 5,000 --inject":
                lambda: run([*headless, "--screenshot", shot, *injects(5000)]),
            "headless instructor 60 s, 1 --inject":
                lambda: run([*instructor, "--session-log", session(), *injects(1)]),
            "headless instructor 60 s, 5,000 --inject":
                lambda: run([*instructor, "--session-log", session(), *injects(5000)]),
            "course, 1 injection: 60 s of samples":
                lambda: course_with(1).sample_grid(minute),
            "course, 5,000 injections: 60 s of samples":
                lambda: course_with(5000).sample_grid(minute),
            "course, 1 injection: all numerics, whole course @ 60 s":
                lambda: course_with(1).numerics(channels, grid),
            "course, 5,000 injections: all numerics, whole course @ 60 s":
                lambda: course_with(5000).numerics(channels, grid),
        }
        for name, fn in cases.items():
            if args.only and not any(w in name for w in args.only):
                continue
            t = median_time(fn, args.runs)
            goal = ""
            if "5,000 --inject" in name:
                goal = "  ok" if t < GOAL_MANY_S else f"  SLOW (goal < {GOAL_MANY_S:g} s)"
            print(f"{name:<58} median {t:8.3f} s{goal}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
