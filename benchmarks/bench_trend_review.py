"""Trend review benchmark (a script, not a test): what opening or moving the review costs
on the UI thread.

    .venv/bin/python benchmarks/bench_trend_review.py [--runs 15] [--size 1600x1000]

Prints medians (and the 95th percentile) of:
  - sampling the course for the five panes (7 channels x 600 times) over a 24 h and a
    1 h window, on a fresh course (as after an injection: no cache) and a warm one;
  - TrendView.show_time with a forced recompute (sampling, curves, scales, event labels,
    cursor readout) and the panes' repaint, for the 1 h and the 24 h window;
  - the tabular trend of 24 h every 5 min (288 rows) and the alarm bars of 24 h;
Goal: a 24 h window recomputed and painted well under 100 ms (no noticeable stall).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6 import QtWidgets

from dashboard.session import MonitorSession
from dashboard.ui.trend_view import POINTS
from replay_data.course import Course

GOAL_MS = 100.0


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def report(name: str, ms: list[float]) -> float:
    med = statistics.median(ms)
    p95 = sorted(ms)[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"{name}: median {med:.1f} ms, p95 {p95:.1f} ms ({len(ms)} runs)")
    return med


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--size", default="1600x1000")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    app = QtWidgets.QApplication(sys.argv[:1])
    course = Course.load()
    t_now = course.scenario.resolve("ecmo_start+1d")
    channels = ["hr", "spo2", "abp_sys", "abp_dia", "abp_mean", "ecmo_flow", "svo2"]

    for label, span in (("24 h", 86400.0), ("1 h", 3600.0)):
        grid = np.linspace(t_now - span, t_now, POINTS)
        report(f"course sampling {label}, fresh course",
               timed(lambda g=grid: Course(course.scenario).numerics(channels, g), a.runs))
        warm = Course(course.scenario)
        warm.numerics(channels, grid)
        report(f"course sampling {label}, warm course",
               timed(lambda g=grid, c=warm: c.numerics(channels, g), a.runs))

    session = MonitorSession.create(course, start=t_now, virtual_clock=True, mute=True)
    win = session.window
    win.resize(w, h)
    win.show()
    win.show_trends(True)
    app.processEvents()
    trends = win.trends
    verdict = []
    for name in ("1 h", "24 h"):
        trends.set_window(name)
        rnd = np.random.default_rng(1)

        def recompute(rnd: np.random.Generator = rnd) -> None:
            trends._last_key = None  # as when the view moves or the course changes
            trends.show_time(t_now + float(rnd.uniform(0, 600)))
            for pane in trends.panes.values():
                pane.plot.repaint()
            trends.events_plot.repaint()

        recompute()
        med = report(f"show_time + repaint, {name} window, {w}x{h}", timed(recompute, a.runs))
        if name == "24 h":
            verdict.append(med < GOAL_MS)
    trends.set_window("24 h")
    trends.interval.setCurrentIndex(trends.interval.findData(300.0))
    report("tabular trend 24 h every 5 min (288 rows)",
           timed(lambda: trends.refresh_table(force=True), a.runs))

    def bars() -> None:
        trends.alarm_lane.forget()
        trends.update_alarm_bars_now()

    report("alarm bars 24 h (after the view stops moving)", timed(bars, max(3, a.runs // 3)))
    print("24 h window goal < 100 ms:", "ok" if all(verdict) else "OVER GOAL")
    session.close()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
