"""`replay-data` in a cold process: what a user waits for beyond the interpreter's start.

    .venv/bin/python benchmarks/bench_cli_cold.py [--runs 7] [--only trends|waveform|results]

Each command runs `--runs` times in a new process (the installed entry point, through
dashboard.entry as the `replay-data` script does); so do `python -c pass` and
`python -c "import numpy"`, interleaved with them, in the same run. Printed: the median
wall and CPU seconds of each, and each command's figure beyond `python -c pass` (and
beyond `import numpy`, which every command needs). Bytecode is cached in a temporary
folder (PYTHONPYCACHEPREFIX, warmed by one run first) as in an installed package, even
where PYTHONDONTWRITEBYTECODE is set. Goals (issue 19), beyond `python -c pass`:

- trends over the whole course, all channels, 60 s step: under 1 s;
- waveform (ecg_ii, 10 s) a week into the case: under 0.05 s;
- results over the day a week into the case: under 0.05 s.

The trends export is also checked byte for byte against the cell-by-cell formatting it
replaced (the whole file: 1.42 million cells).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RUN = ("import sys; from dashboard.entry import replay_data; "
       "sys.exit(replay_data(sys.argv[1:]))")
WEEK = 7 * 86400


def commands(out: Path) -> dict[str, tuple[list[str], float]]:
    return {
        "trends": (["trends", "--start", "admission", "--end", "admission+24d8h",
                    "--step", "60", "--out", str(out / "trends.csv")], 1.0),
        "waveform": (["waveform", "ecg_ii", "--start", str(WEEK), "--duration", "10s",
                      "--out", str(out / "ecg.csv")], 0.05),
        "results": (["results", "--start", str(WEEK), "--end", str(WEEK + 86400),
                     "--out", str(out / "results.csv")], 0.05),
    }


def timed(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def old_trends_text(path: Path) -> str:
    """The whole-course export as the cell-by-cell writer wrote it (before issue 19)."""
    sys.path.insert(0, str(ROOT))
    from replay_data.course import Course

    course = Course.load()
    cat = course.catalogue
    channels = list(cat.displayed_numerics)
    sc = course.scenario
    t0, t1 = sc.resolve("admission"), sc.resolve_option("--end", "admission+24d8h")
    n = int(np.floor((t1 - t0) / 60.0 + 1e-9)) + 1
    t = t0 + 60.0 * np.arange(n)
    values = course.numerics(channels, t)
    digits = [cat.numerics[c].precision + 1 for c in channels]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["t", *channels])
    cols = [values[c] for c in channels]
    for i in range(n):
        text = f"{t[i]:.4f}".rstrip("0").rstrip(".") or "0"
        w.writerow([text, *("" if not np.isfinite(col[i]) else f"{col[i]:.{d}f}"
                            for col, d in zip(cols, digits))])
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", choices=("trends", "waveform", "results"), action="append")
    ap.add_argument("--before", metavar="DIR", type=Path,
                    help="also run the commands from another checkout (e.g. `git archive "
                    "REV | tar -x -C DIR`), interleaved, to compare in one run")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        env = dict(os.environ, PYTHONPYCACHEPREFIX=str(out / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmds = {k: v for k, v in commands(out).items() if not args.only or k in args.only}
        runs: dict[str, tuple[list[str], Path, dict[str, str]]] = {
            "python -c pass": ([py, "-c", "pass"], ROOT, env),
            "python -c 'import numpy'": ([py, "-c", "import numpy"], ROOT, env),
            **{name: ([py, "-c", RUN, *argv], ROOT, env) for name, (argv, _) in cmds.items()}}
        if args.before is not None:
            before_env = dict(env, PYTHONPATH=str(args.before.resolve()),
                              PYTHONPYCACHEPREFIX=str(out / "pycache-before"))
            (out / "before").mkdir()
            runs.update({f"{name} (before)": ([py, "-c", RUN, *argv], args.before.resolve(),
                                              before_env)
                         for name, (argv, _) in commands(out / "before").items()
                         if name in cmds})
        for argv, cwd, e in runs.values():
            timed(argv, e, cwd)  # bytecode compiled and cached, files warm
        walls: dict[str, list[float]] = {k: [] for k in runs}
        cpus: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(args.runs):  # interleaved: a busy moment touches all alike
            for name, (argv, cwd, e) in runs.items():
                w, c = timed(argv, e, cwd)
                walls[name].append(w)
                cpus[name].append(c)
        med = {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in runs}
        base_w, base_c = med["python -c pass"]
        np_w, np_c = med["python -c 'import numpy'"]
        print(f"medians of {args.runs} cold processes (wall s / CPU s)")
        for name, (w, c) in med.items():
            line = f"  {name:<26} wall {w:6.3f}  cpu {c:6.3f}"
            if name.removesuffix(" (before)") in cmds:
                goal = cmds[name.removesuffix(" (before)")][1]
                verdict = "ok" if w - base_w < goal else "OVER GOAL"
                line += (f"   beyond pass: wall {w - base_w:6.3f} cpu {c - base_c:6.3f}  "
                         f"beyond numpy: wall {w - np_w:6.3f}  "
                         f"[goal < {goal:g} s: {verdict}]")
            elif name != "python -c pass":
                line += f"   beyond pass: wall {w - base_w:6.3f} cpu {c - base_c:6.3f}"
            print(line)
        if "trends" in cmds:
            same = (out / "trends.csv").read_text() == old_trends_text(out)
            print(f"trends export byte-identical to the cell-by-cell writer: "
                  f"{'yes' if same else 'NO'}")
            if not same:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
