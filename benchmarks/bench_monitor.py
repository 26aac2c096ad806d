"""Monitor frame-cost benchmark (a script, not a test).

    .venv/bin/python benchmarks/bench_monitor.py [--seconds 20] [--size 1600x1000]
        [--role demo|monitor|instructor] [--paused] [--console ecmo] [--console vent]
        [--trends] [--alarms 10] [--disturbances 5000] [--seeks 30] [--profile]
        [--anasim PATH [--anasim-python PY]] [--json]

--role monitor measures the trainees' bedside monitor; --role instructor the bedside
monitor with the console (and its live bedside copy) open beside it on one machine;
--paused measures while the instructor has paused the clock (the bedside keeps sweeping
the frozen moment). --trends measures with the trend review open over the waveforms.
--console opens the team's ECMO console and/or ventilator beside the monitor (the case
then starts on ECMO) and also measures the time from turning the pump knob to the flow
number changing on the console. --alarms N raises N alarms (the alarm list full);
--disturbances N queues N disturbances (injections) on the course first.

Counting (benchmarks/frame_meter.py): a painted frame is a burst of Paint events on any
widget within one event-loop pass; CPU is the process's CPU time, everything the app
does (replay, alarms, paint). In the same run, alternating second by second with the
app, the same meter measures the fixed reference scene (benchmarks/reference_scene.py),
and the script prints the app's CPU per frame as a ratio to the reference's: that ratio
is the machine-independent figure (docs/benchmarks.md: the budgets, and the reference's
cost relative to AnaSim). --anasim PATH also runs AnaSim's monitor window (its source
folder; --anasim-python: an interpreter with its dependencies) against the reference.

Also: startup to the first painted frame, seek-and-paint at random points (--seeks 0:
none), and with --profile the paint time per widget (class#objectName).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
STARTED = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frame_meter import FrameMeter, ProfilingApp, alternate, summarise  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0,
                    help="seconds of the app measured (as many of the reference)")
    ap.add_argument("--segment", type=float, default=1.0,
                    help="seconds per alternating segment")
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--role", choices=("demo", "monitor", "instructor"), default="demo")
    ap.add_argument("--paused", action="store_true")
    ap.add_argument("--console", choices=("ecmo", "vent"), action="append", default=[])
    ap.add_argument("--knob-turns", type=int, default=20)
    ap.add_argument("--trends", action="store_true", help="with the trend review open")
    ap.add_argument("--alarms", type=int, default=0, help="raise this many alarms")
    ap.add_argument("--disturbances", type=int, default=0,
                    help="queue this many disturbances first")
    ap.add_argument("--profile", action="store_true", help="paint time per widget")
    ap.add_argument("--anasim", metavar="PATH", help="AnaSim's source folder")
    ap.add_argument("--anasim-python", metavar="PY", default=sys.executable)
    ap.add_argument("--json", action="store_true", help="one JSON line, nothing else")
    a = ap.parse_args(argv)
    try:
        a.w, a.h = (int(x) for x in a.size.split("x"))
    except ValueError:
        ap.error(f"--size {a.size!r}: expected WIDTHxHEIGHT, e.g. 1600x1000")
    return a


def queue_disturbances(session, n: int) -> None:
    """n of the scenario's injections queued over the rest of the course (one
    apply_many, as a scenario's start-up injections are), as in bench_injections.py."""
    from dashboard.core.actions import INJECT, Action, Actor

    c = session.controller
    sc = c.course.scenario
    names = [k for k in sc.injections if k not in ("pump_stop", "air_in_circuit")]
    t0 = c.case_time() + 3600.0
    span = sc.end - t0 - 600.0
    actor = Actor("instructor", "console")
    c.apply_many(Action.make(INJECT, {"injection": names[i % len(names)],
                                      "start": t0 + span * i / n}, actor) for i in range(n))


# Disturbances that raise alarms now (ten or so alarms in the list with all of them).
ALARMING = ("pump_stop", "hypotension", "ecg_leads_off", "spo2_probe_off",
            "sweep_gas_failure", "oxygenator_clot", "endobronchial_bleeding")


def raise_alarms(session, n: int, app) -> int:
    """Inject disturbances until at least n alarms are active (or none is left);
    returns how many are."""
    from dashboard.core.actions import INJECT, Action, Actor

    c = session.controller
    actor = Actor("instructor", "console")
    for name in ALARMING:
        if len(c.alarms.active_alarms()) >= n:
            break
        c.apply(Action.make(INJECT, {"injection": name}, actor))
        end = time.perf_counter() + 1.5
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    return len(c.alarms.active_alarms())


def main() -> int:
    a = parse()
    app = ProfilingApp(sys.argv[:1]) if a.profile else QtWidgets.QApplication(sys.argv[:1])
    meter = FrameMeter(app)
    meter.watch = lambda obj: "first"

    from dashboard.session import MonitorSession
    from replay_data.course import Course

    course = Course.load()
    session = MonitorSession.create(
        course, start=course.scenario.resolve("ecmo_start+1d" if a.console else
                                              "abg_pre_ecmo-5m"), mute=True,
        role="monitor" if a.role == "instructor" else a.role, instructor=a.role == "instructor",
        consoles=a.console,
    )
    if session.console is not None:
        session.console.resize(900, 1000)
        session.console.show()
    consoles = dict(zip(a.console, session.consoles, strict=True))
    for c in consoles.values():
        c.resize(760, 820)
        c.show()
    win = session.window
    win.resize(a.w, a.h)
    win.show()
    if a.trends:
        win.show_trends(True)
    while "first" not in meter.first_paint:
        app.processEvents()
    startup = meter.first_paint["first"] - STARTED
    meter.watch = None
    if a.disturbances:
        queue_disturbances(session, a.disturbances)
    if a.alarms:
        a.alarms_active = raise_alarms(session, a.alarms, app)
    if a.paused:
        from dashboard.core.actions import PAUSE, Action, Actor

        session.controller.apply(Action.make(PAUSE, {}, Actor("instructor", "console")))

    from reference_scene import ReferenceScene

    ref = ReferenceScene()
    ref.show()
    app.processEvents()
    session.timer.stop()
    prof = cProfile.Profile() if a.profile else None

    def app_start() -> None:
        session.timer.start()
        if prof is not None:
            app.profiling = True
            prof.enable()

    def app_stop() -> None:
        session.timer.stop()
        if prof is not None:
            prof.disable()
            app.profiling = False

    scenes = {"app": (app_start, app_stop), "reference": (ref.start, ref.stop)}
    alternate(app, meter, scenes, a.segment, a.segment)  # warm-up: one round
    meter.paints_by_widget.clear()
    if prof is not None:
        app.paint_ms.clear()
        app.paints.clear()
        prof = cProfile.Profile()
    segments = alternate(app, meter, scenes, a.seconds, a.segment)
    app_wall = sum(s.wall for s in segments if s.name == "app")
    res = summarise(segments)
    ratio = res["app"].cpu_per_frame_ms / res["reference"].cpu_per_frame_ms
    ratios = [s.cpu_per_frame_ms / r.cpu_per_frame_ms for s, r in
              zip(segments[0::2], segments[1::2], strict=True)]

    knob_ms: list[float] = []
    if "ecmo" in consoles:
        session.timer.start()
        pump = consoles["ecmo"]
        for i in range(a.knob_turns):
            before = pump.flow.text()
            stepv = 500 if i % 2 == 0 else -500
            t0 = time.perf_counter()
            pump.rpm.setValue(pump.rpm.value() + stepv)
            while pump.flow.text() == before and time.perf_counter() - t0 < 2.0:
                app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            knob_ms.append((time.perf_counter() - t0) * 1000.0)
        session.timer.stop()

    from dashboard.core.actions import Action, Actor

    rnd = random.Random(1)
    seek_ms: list[float] = []
    for _ in range(a.seeks):
        t = rnd.uniform(course.scenario.monitoring_start, course.scenario.end - 60)
        t0 = time.perf_counter()
        session.controller.apply(Action.make("seek", {"target": t},
                                             Actor("instructor", "console")))
        win.repaint()
        app.processEvents()
        seek_ms.append((time.perf_counter() - t0) * 1000.0)

    anasim = run_anasim(a) if a.anasim else None
    out = {
        "role": a.role, "size": a.size, "consoles": a.console, "trends": a.trends,
        "paused": a.paused, "alarms": a.alarms, "disturbances": a.disturbances,
        "startup_s": startup, "app": res["app"].as_dict(),
        "reference": res["reference"].as_dict(), "ratio": ratio,
        "ratio_median_of_segments": median(ratios),
        "seek_ms_median": median(seek_ms), "knob_ms_median": median(knob_ms),
        "anasim": anasim,
    }
    if a.json:
        print(json.dumps(out))
    else:
        report(a, out, res, seek_ms, knob_ms)
        if a.profile:
            print(f"\npaint time by widget over {app_wall:.0f} s of the app (notify-timed):")
            print("\n".join(app.report(app_wall, res["app"].fps * app_wall)))
            order = os.environ.get("BENCH_SORT", "cumulative")  # or tottime
            print(f"\nPython time in the app's segments ({order}, top 30):")
            pstats.Stats(prof).sort_stats(order).print_stats(30)
    for c in consoles.values():
        if hasattr(c, "detach"):
            c.detach()
        c.close()
    ref.close()
    session.close()
    win.close()
    return 0


def report(a, out, res, seek_ms, knob_ms) -> None:
    app, ref = res["app"], res["reference"]
    extra = "".join([" paused" if a.paused else "", ", trend review open" if a.trends else "",
                     f", consoles {'+'.join(a.console)}" if a.console else "",
                     f", {a.alarms} alarms" if a.alarms else "",
                     f", {a.disturbances} disturbances" if a.disturbances else ""])
    print(f"{a.role} window {a.size}, 1x{extra}; {a.seconds:.0f} s of the app alternating "
          f"with {a.seconds:.0f} s of the reference scene")
    print(f"startup to first painted frame: {out['startup_s']:.2f} s")
    print(f"app:       {app.fps:5.1f} painted fps, CPU {app.cpu_per_frame_ms:5.2f} ms per "
          f"painted frame ({app.cpu_per_s:.3f} s per s; median burst "
          f"{app.median_burst_cpu_ms:.2f} ms)")
    print(f"reference: {ref.fps:5.1f} painted fps, CPU {ref.cpu_per_frame_ms:5.2f} ms per "
          f"painted frame ({ref.cpu_per_s:.3f} s per s)")
    print(f"ratio to reference (CPU per painted frame): {out['ratio']:.3f} "
          f"(median of segment pairs {out['ratio_median_of_segments']:.3f})")
    if seek_ms:
        print(f"seek + paint: median {median(seek_ms):.1f} ms, p95 {pct(seek_ms, 0.95):.1f} ms "
              f"over {len(seek_ms)} random seeks")
    if knob_ms:
        print(f"pump knob to flow number changed: median {median(knob_ms):.0f} ms, "
              f"p95 {pct(knob_ms, 0.95):.0f} ms over {len(knob_ms)} turns")
    an = out["anasim"]
    if an:
        print(f"AnaSim: {an['anasim']['fps']:.1f} fps, {an['anasim']['cpu_ms_per_frame']:.2f} "
              f"ms per frame; reference / AnaSim {an['ratio_reference_to_anasim']:.3f}; "
              f"app / AnaSim {out['ratio'] * an['ratio_reference_to_anasim']:.3f}")


def run_anasim(a) -> dict | None:
    """AnaSim's monitor window against the reference, in its own process (its own
    dependencies): bench_anasim.py prints one JSON line."""
    here = Path(__file__).resolve().parent
    cmd = [a.anasim_python, str(here / "bench_anasim.py"), a.anasim, "--seconds",
           str(a.seconds), "--segment", str(a.segment), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        print(f"AnaSim run failed: {r.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
