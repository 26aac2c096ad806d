"""Big inputs: a scenario with 100,000 extra events and a headless run with 5,000 --inject.

    .venv/bin/python benchmarks/bench_inputs.py [--runs 3]

Prints the median wall time of `--runs` runs (each a fresh process, as a user runs it) of:
  - `replay-data validate` on the case plus 100,000 events;
  - `icu-dashboard --headless` on that scenario, 1 s of case time and a screenshot;
  - `icu-dashboard --headless` on the case with 5,000 `--inject` (10 s of case time).
Goal: each in seconds (< 15 s), not minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOAL_S = 15.0


def timed(cmd: list[str], runs: int) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd[:4])} ...: {p.stderr.strip()}")
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = (ROOT / "resources/scenarios/sle_dah_ecmo.toml").read_text()
        extra = "".join(f'\n[[events]]\nid = "x{i}"\nt = "admission+{i}s"\nlabel = "x"\n'
                        'basis = "assumed"\n' for i in range(100_000))
        big = folder / "events_100k.toml"
        big.write_text(text + extra)
        shot = str(folder / "s.png")
        log = str(folder / "a.jsonl")
        results = {
            "validate, 100,000 events": timed(
                [str(BIN / "replay-data"), "validate", str(big)], runs),
            "headless monitor, 100,000 events": timed(
                [str(BIN / "icu-dashboard"), "--headless", "--scenario", str(big), "--start",
                 "ecmo_start", "--duration", "1s", "--screenshot", shot, "--alarm-log", log],
                runs),
            "headless monitor, 5,000 --inject": timed(
                [str(BIN / "icu-dashboard"), "--headless", "--start", "ecmo_start",
                 "--duration", "10s", "--screenshot", shot, "--alarm-log", log,
                 *[a for i in range(5000) for a in ("--inject", f"pump_stop@ecmo_start+{i}s")]],
                runs),
        }
    for name, t in results.items():
        verdict = "ok" if t < GOAL_S else f"SLOW (goal < {GOAL_S:g} s)"
        print(f"{name:<36} median {t:6.2f} s  {verdict}")


if __name__ == "__main__":
    main()
