"""Fails loudly when a change makes a frame dearer (a check, run by a test and by hand).

    .venv/bin/python benchmarks/check_frame_budget.py [--seconds 3] [--only ROLE ...]

For each view in benchmarks/frame_budget.toml, runs bench_monitor.py for a few seconds
and compares its CPU per painted frame, as a ratio to the fixed reference scene's
measured alternately in the same run, against the ratio stored there: more than the
stored ratio times `margin` (1.25: a quarter dearer) fails, naming the view and both
ratios. A ratio within one run does not depend on the machine, and the wide margin and
the alternating segments keep a shared machine's noise from failing it; when even the
reference cannot hold 45 fps the machine is too busy to judge (exit 3, said so). After a change
that is meant to cost more (or less), measure again (docs/benchmarks.md) and store the
new ratio with its reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUDGET = HERE / "frame_budget.toml"
# Below this the reference scene itself drops frames: the machine is too busy for any
# ratio to mean something (frames lost make per-second work look dearer per frame).
BUSY_FPS = 45.0
NOT_JUDGED = 3  # exit code: the machine was too busy to judge


@dataclass(frozen=True)
class Budget:
    view: str
    args: tuple[str, ...]
    ratio: float  # stored CPU-per-frame ratio to the reference


def load_budgets(path: Path = BUDGET) -> tuple[float, list[Budget]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    views = [Budget(name, tuple(v["args"]), float(v["ratio"]))
             for name, v in data["views"].items()]
    return float(data["margin"]), views


def verdict(b: Budget, measured: float, margin: float) -> str | None:
    """None if within budget, else the line saying what got dearer."""
    limit = b.ratio * margin
    if measured <= limit:
        return None
    return (f"FRAME BUDGET EXCEEDED: {b.view}: CPU per frame {measured:.3f} x the reference "
            f"scene, stored {b.ratio:.3f} (limit {limit:.3f}, +{(margin - 1) * 100:.0f} %)")


def measure(b: Budget, seconds: float, segment: float) -> dict:
    cmd = [sys.executable, str(HERE / "bench_monitor.py"), *b.args, "--seconds", str(seconds),
           "--segment", str(segment), "--seeks", "0", "--knob-turns", "0", "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{b.view}: bench_monitor.py failed: {tail}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--segment", type=float, default=0.5)
    ap.add_argument("--only", action="append", default=[], metavar="VIEW")
    a = ap.parse_args(argv)
    margin, budgets = load_budgets()
    unknown = set(a.only) - {b.view for b in budgets}
    if unknown:
        print(f"--only {', '.join(sorted(unknown))}: not in {BUDGET.name} "
              f"(views: {', '.join(b.view for b in budgets)})", file=sys.stderr)
        return 2
    failed = busy = 0
    for b in budgets:
        if a.only and b.view not in a.only:
            continue
        out = measure(b, a.seconds, a.segment)
        if out["reference"]["fps"] < BUSY_FPS:  # once more, longer, before giving up
            out = measure(b, 2 * a.seconds, a.segment)
        if out["reference"]["fps"] < BUSY_FPS:
            print(f"NOT JUDGED: {b.view}: the machine is too busy (the reference scene "
                  f"at {out['reference']['fps']:.0f} fps, below {BUSY_FPS:.0f})", flush=True)
            busy += 1
            continue
        ratio = out["ratio"]
        bad = verdict(b, ratio, margin)
        print(bad or f"ok: {b.view}: {ratio:.3f} x the reference (stored {b.ratio:.3f}; "
              f"{out['app']['fps']:.0f} fps, {out['app']['cpu_ms_per_frame']:.2f} ms per "
              f"frame, reference {out['reference']['cpu_ms_per_frame']:.2f} ms)", flush=True)
        failed += bad is not None
    return 1 if failed else NOT_JUDGED if busy else 0


if __name__ == "__main__":
    sys.exit(main())
