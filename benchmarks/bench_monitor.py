"""Monitor frame-rate benchmark (a script, not a test).

    .venv/bin/python benchmarks/bench_monitor.py [--seconds 20] [--size 1600x1000]
        [--role demo|monitor|instructor] [--paused] [--console ecmo] [--console vent]
        [--trends]

--role monitor measures the trainees' bedside monitor; --role instructor the bedside
monitor with the console (and its live bedside copy) open beside it on one machine;
--paused measures while the instructor has paused the clock (the bedside keeps sweeping
the frozen moment). --trends measures with the trend review open over the waveforms.
--console opens the team's ECMO console and/or ventilator beside the monitor (the case
then starts on ECMO) and also measures the time from turning the pump knob to the flow
number changing on the console.

Runs the real window offscreen on the real wall clock at 1x and reports:
frames painted per second, median and 95th-percentile paint time (sum of the paint
events of every view repainted in a frame), CPU seconds per wall second and per frame,
startup time to the first painted frame, and seek-and-paint time at random points.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
STARTED = time.perf_counter()

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from dashboard.session import MonitorSession  # noqa: E402
from dashboard.ui.sweep_strip import SweepCanvas  # noqa: E402
from replay_data.course import Course  # noqa: E402

paint_ms: list[float] = []
frame_no = [0]
paints_by_frame: dict[int, float] = {}


def timed(original):
    def paint(self, ev):
        t0 = time.perf_counter()
        original(self, ev)
        dt = (time.perf_counter() - t0) * 1000.0
        paint_ms.append(dt)
        paints_by_frame[frame_no[0]] = paints_by_frame.get(frame_no[0], 0.0) + dt
    return paint


# Patched before any view exists: PySide resolves Python overrides per class early.
# The sweep strips paint themselves; the trend view is a pyqtgraph view.
SweepCanvas.paintEvent = timed(SweepCanvas.paintEvent)
pg.GraphicsView.paintEvent = timed(pg.GraphicsView.paintEvent)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--role", choices=("demo", "monitor", "instructor"), default="demo")
    ap.add_argument("--paused", action="store_true")
    ap.add_argument("--console", choices=("ecmo", "vent"), action="append", default=[])
    ap.add_argument("--knob-turns", type=int, default=20)
    ap.add_argument("--trends", action="store_true", help="with the trend review open")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))

    app = QtWidgets.QApplication(sys.argv[:1])
    course = Course.load()
    session = MonitorSession.create(
        course, start=course.scenario.resolve("ecmo_start+1d" if a.console else
                                              "abg_pre_ecmo-5m"), mute=True,
        role="monitor" if a.role == "instructor" else a.role, instructor=a.role == "instructor"
    )
    if session.console is not None:
        session.console.resize(900, 1000)
        session.console.show()
    consoles = {}
    if "ecmo" in a.console:
        from dashboard.ui.ecmo_console import EcmoConsole

        consoles["ecmo"] = EcmoConsole(session.controller, display="ecmo-console")
    if "vent" in a.console:
        from dashboard.ui.vent_console import VentilatorConsole

        consoles["vent"] = VentilatorConsole(session.controller, display="ventilator")
    for c in consoles.values():
        c.resize(760, 820)
        c.show()
    win = session.window
    win.resize(w, h)
    win.show()
    if a.trends:
        win.show_trends(True)
    first_paint: list[float] = []

    def first() -> None:
        if paint_ms and not first_paint:
            first_paint.append(time.perf_counter() - STARTED)

    probe = QtCore.QTimer()
    probe.timeout.connect(first)
    probe.start(1)
    while not first_paint:
        app.processEvents()
    probe.stop()

    # Steady state at 1x on the real clock, in the real event loop (app.exec), so the
    # CPU figure is what the app costs, not a polling loop's.
    if a.paused:
        from dashboard.core.actions import PAUSE, Action, Actor

        session.controller.apply(Action.make(PAUSE, {}, Actor("instructor", "console")))

    def frame() -> None:
        frame_no[0] += 1
        session.frame()

    session.timer.timeout.disconnect()
    session.timer.timeout.connect(frame)
    # processEvents(WaitForMoreEvents) sleeps until the next event like exec() does (the
    # offscreen platform delivers no paint events inside a nested exec() here).
    def run_for(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    run_for(1.0)  # warm-up
    paints_by_frame.clear()
    f0 = frame_no[0]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    run_for(a.seconds)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    frame_paints = list(paints_by_frame.values())
    painted_frames = len(frame_paints)
    ticks = frame_no[0] - f0

    knob_ms = []
    if "ecmo" in consoles:
        # Turn the knob (as a key press would) and wait for the flow number to change.
        pump = consoles["ecmo"]
        for i in range(a.knob_turns):
            before = pump.flow.text()
            step = 500 if i % 2 == 0 else -500
            t0 = time.perf_counter()
            pump.rpm.setValue(pump.rpm.value() + step)
            while pump.flow.text() == before and time.perf_counter() - t0 < 2.0:
                app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            knob_ms.append((time.perf_counter() - t0) * 1000.0)
            run_for(0.5)

    # Seek to random points and paint.
    from dashboard.core.actions import Action, Actor

    rnd = random.Random(1)
    seek_ms = []
    for _ in range(a.seeks):
        t = rnd.uniform(course.scenario.monitoring_start, course.scenario.end - 60)
        t0 = time.perf_counter()
        session.controller.apply(Action.make("seek", {"target": t},
                                             Actor("instructor", "console")))
        win.repaint()
        app.processEvents()
        seek_ms.append((time.perf_counter() - t0) * 1000.0)

    print(f"{a.role} window {w}x{h}, 1x{' paused' if a.paused else ''}"
          f"{', trend review open' if a.trends else ''}, "
          f"{wall:.1f} s on the real clock")
    print(f"startup to first painted frame: {first_paint[0]:.2f} s")
    print(f"painted frames per second: {painted_frames / wall:.1f}")
    print(
        f"paint time per frame: median {statistics.median(frame_paints):.2f} ms, "
        f"p95 {pct(frame_paints, 0.95):.2f} ms"
    )
    print(f"frame ticks: {ticks / wall:.1f} per s")
    print(f"CPU: {cpu / wall:.3f} s per s, {cpu / max(1, painted_frames) * 1000:.2f} ms per "
          "painted frame (everything: replay, alarms, paint)")
    print(
        f"seek + paint: median {statistics.median(seek_ms):.1f} ms, "
        f"p95 {pct(seek_ms, 0.95):.1f} ms over {a.seeks} random seeks"
    )
    if knob_ms:
        print(f"pump knob to flow number changed: median {statistics.median(knob_ms):.0f} ms, "
              f"p95 {pct(knob_ms, 0.95):.0f} ms over {len(knob_ms)} turns")
    for c in consoles.values():
        c.detach()
        c.close()
    session.close()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
