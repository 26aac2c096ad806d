"""The films of a 20-minute drill's debrief (`icu-dashboard debrief --video`).

    .venv/bin/python benchmarks/bench_video.py [--fps 25] [--size 1280x800]

Records the 20-minute drill of bench_debrief.py (four injections, each acknowledged,
noted and stopped; 1x, on a manual clock: 30,000 frames at 25 fps), then runs
`icu-dashboard debrief drill.jsonl --video` in a fresh process and prints its wall
seconds, CPU seconds, its peak memory (RSS, sampled every 0.2 s) and the size of the film
and clips.
Goal: under 4 minutes on a 2-core laptop, under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_debrief import record_drill  # noqa: E402

GOAL_S, GOAL_MB = 240.0, 1024.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fps", default="25")
    ap.add_argument("--size", default="1280x800")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = record_drill(folder)
        cmd = [sys.executable, "-m", "dashboard.app", "debrief", str(session), "--video",
               "--video-fps", args.fps, "--video-size", args.size]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = proc.stdout.read().decode() if proc.stdout else ""
        if proc.returncode != 0:
            print(f"failed ({proc.returncode}): {out}")
            return 1
        films = sorted(folder.glob("*.mp4"))
        film = folder / "drill.mp4"
        clips_mb = sum(f.stat().st_size for f in films if f != film) / 1e6
        print(f"debrief --video of a 20-minute drill ({args.size}, {args.fps} fps): "
              f"{wall:.1f} s wall, {cpu.ru_utime + cpu.ru_stime:.1f} s CPU, peak "
              f"{peak:.0f} MB; film {film.stat().st_size / 1e6:.1f} MB, "
              f"{len(films) - 1} clips {clips_mb:.1f} MB"
              f" -- goal < {GOAL_S:.0f} s, < {GOAL_MB:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
