"""The debrief of a 20-minute drill, and loading a drill.

    .venv/bin/python benchmarks/bench_debrief.py [--runs 5]

Records the 20-minute drill of the print-layout test (four injections, each acknowledged,
noted and stopped; on a manual clock) once, then prints medians of `--runs` runs of:
  - loading the built-in drill `pump_stop_day2` (base case + overlay) and the case alone;
  - laying the debrief out on A4 without and with the page-break placement
    (pdf.keep_parts_whole: one relayout per break tried);
  - the whole `build_debrief(..., pdf=True)` (HTML, CSV, PDF, plots).
Goal: the whole debrief in a few seconds (< 10 s) on a laptop.

    .venv/bin/python benchmarks/bench_debrief.py --long [--case notes --case effects ...]
        [--timeout 300] [--profile FOLDER] [--repeat 3]

Long recordings (long_recordings.py: 20,000 and 200,000 notes, 1,000,000 snapshots, a
10,000-effect override, 2,000 injections) built in a temporary folder; each is debriefed
by `icu-dashboard debrief` in a fresh process, and the wall seconds and peak RSS (MB) of
that process are printed (with --repeat N, medians of N runs). Goal: each under 10 s and
300 MB. With --profile, each run is
under cProfile and FOLDER/CASE.prof is kept (read with `python -m pstats`).
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_trends import median_time  # noqa: E402

from dashboard.core.actions import Action, Actor  # noqa: E402
from dashboard.core.clock import ManualWall  # noqa: E402
from dashboard.core.session_controller import SessionController  # noqa: E402
from dashboard.debrief import build_debrief, page, pdf, plots  # noqa: E402
from dashboard.debrief.report import build_report  # noqa: E402
from dashboard.recording import recording_for  # noqa: E402
from replay_data.course import Course  # noqa: E402
from replay_data.scenario import load_scenario  # noqa: E402

GOAL_S = 10.0
BOSS, BED = Actor("instructor", "console"), Actor("trainee", "bed-1")


def record_drill(folder: Path) -> Path:
    sc = load_scenario("sle_dah_ecmo")
    c = SessionController(Course(sc, 0), start=sc.resolve("ecmo_start+1d"), playing=False,
                          wall=ManualWall(),
                          recording=recording_for(folder / "drill.jsonl", "sle_dah_ecmo"))

    def act(kind: str, actor: Actor = BOSS, **args: object) -> None:
        assert c.apply(Action.make(kind, args, actor), strict=True) is not None

    def play(wall_s: float) -> None:
        c.advance(wall_s * c.clock.speed, int(wall_s))

    act("begin")
    play(230)
    for inj, lasting in (("pump_stop", 40), ("hypotension", 180), ("spo2_probe_off", 60),
                         ("endobronchial_bleeding", 150)):
        act("inject", injection=inj, duration=None)
        play(15)
        act("acknowledge", BED)
        act("note", text=f"{inj} seen", bookmark=False)
        play(lasting)
        act("stop", id=c.perturbations[-1].id)
        play(120)
    act("end")
    c.close()
    assert c.recorded_path is not None
    return c.recorded_path



GOAL_MB = 300.0


def debrief_in_process(session: Path, timeout: float, profile: Path | None = None
                       ) -> tuple[float | None, float, float, int]:
    """(wall seconds or None when it ran past `timeout`, CPU seconds, peak RSS MB, exit
    code) of `icu-dashboard debrief SESSION` in a fresh process. CPU seconds (user +
    system) say more than wall seconds on a machine shared with other work."""
    cmd = [sys.executable, "-c", "import sys; from dashboard.debrief import debrief_main; "
           "sys.exit(debrief_main(sys.argv[1:]))", str(session)]
    if profile is not None:
        cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m",
               "dashboard.debrief.cli", str(session)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            seconds = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            if proc.returncode != 0:
                print(f"  exit {proc.returncode}: {err[-300:]}")
            cpu = usage.ru_utime + usage.ru_stime
            return seconds, cpu, usage.ru_maxrss / 1024, proc.returncode
        if time.perf_counter() > deadline:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            return None, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, -9
        time.sleep(0.05)


def main_long(cases: list[str], timeout: float, profile: Path | None, repeat: int = 1
              ) -> None:
    """Each case built once, debriefed `repeat` times: medians of wall, CPU and peak."""
    from long_recordings import BUILDERS

    with tempfile.TemporaryDirectory() as tmp:
        for name in dict.fromkeys(cases):
            build, n = BUILDERS[name]
            t0 = time.perf_counter()
            session = build(Path(tmp) / f"{name}.jsonl", n)
            built = time.perf_counter() - t0
            size = session.stat().st_size / 1e6
            prof = None if profile is None else profile / f"{name}.prof"
            runs = [debrief_in_process(session, timeout, prof) for _ in range(repeat)]
            stopped = any(r[0] is None for r in runs)
            seconds = None if stopped else statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            mb = statistics.median(r[2] for r in runs)
            rc = max(abs(r[3]) for r in runs)
            took = f"over {timeout:g} s (stopped)" if seconds is None else f"{seconds:.1f} s"
            took += f" ({cpu:.1f} s CPU)"
            of = f", median of {repeat}" if repeat > 1 else ""
            ok = seconds is not None and rc == 0 and seconds < GOAL_S and mb < GOAL_MB
            print(f"{name:11s} n={n:<8d} file {size:6.1f} MB (built in {built:.0f} s): "
                  f"debrief {took}, peak {mb:.0f} MB{of}  {'OK' if ok else 'OVER GOAL'}",
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--long", action="store_true", help="debrief the long recordings")
    ap.add_argument("--case", action="append", help="with --long: one case (repeatable)")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--repeat", type=int, default=1,
                    help="with --long: debrief each case this many times (medians)")
    ap.add_argument("--profile", type=Path, help="with --long: keep cProfile output here")
    args = ap.parse_args()
    if args.long:
        from long_recordings import BUILDERS

        main_long(args.case or list(BUILDERS), args.timeout, args.profile, args.repeat)
        return
    runs = args.runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = record_drill(folder)
        out = folder / "drill.html"
        r, course = build_report(session, out)
        figures = plots.report_figures(r, course)
        html = page.render_html(r, course, figures, embed=False)
        original = pdf.keep_parts_whole
        try:
            pdf.keep_parts_whole = lambda doc, *a: 0
            flowing = median_time(lambda: pdf.layout_document(html, figures).pageCount(), runs)
            pages_flowing = pdf.layout_document(html, figures).pageCount()
        finally:
            pdf.keep_parts_whole = original
        placed = median_time(lambda: pdf.layout_document(html, figures).pageCount(), runs)
        pages = pdf.layout_document(html, figures).pageCount()
        whole = median_time(lambda: build_debrief(session, out, pdf=True), runs)
    drill = median_time(lambda: load_scenario("pump_stop_day2"), runs)
    case = median_time(lambda: load_scenario("sle_dah_ecmo"), runs)
    print(f"load drill pump_stop_day2: median {drill * 1000:.1f} ms "
          f"(the case alone {case * 1000:.1f} ms)")
    print(f"A4 layout, flowing: median {flowing * 1000:.0f} ms, {pages_flowing} pages")
    print(f"A4 layout, breaks placed: median {placed * 1000:.0f} ms, {pages} pages")
    print(f"build_debrief with PDF: median {whole:.2f} s (goal < {GOAL_S:g} s) "
          f"{'OK' if whole < GOAL_S else 'SLOW'}")


if __name__ == "__main__":
    main()
