"""The debrief of a 20-minute drill, and loading a drill.

    .venv/bin/python benchmarks/bench_debrief.py [--runs 5]

Records the 20-minute drill of the print-layout test (four injections, each acknowledged,
noted and stopped; on a manual clock) once, then prints medians of `--runs` runs of:
  - loading the built-in drill `pump_stop_day2` (base case + overlay) and the case alone;
  - laying the debrief out on A4 without and with the page-break placement
    (pdf.keep_parts_whole: one relayout per break tried);
  - the whole `build_debrief(..., pdf=True)` (HTML, CSV, PDF, plots).
Goal: the whole debrief in a few seconds (< 10 s) on a laptop.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
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
