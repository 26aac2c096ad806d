"""The case data, the replay clock and the alarm core must work without Qt (the napari
rule): run them in a subprocess where importing PySide6 fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_imports_and_runs_without_qt():
    code = textwrap.dedent("""
        import sys
        sys.modules["PySide6"] = None      # any `import PySide6` now raises ImportError
        sys.modules["pyqtgraph"] = None
        from replay_data.course import Course
        from dashboard.core.clock import ReplayClock, ManualWall
        from dashboard.core.monitor import BedsideMonitor
        import dashboard.alarms
        course = Course.load()
        wall = ManualWall()
        clock = ReplayClock(course.scenario.default_start, course.scenario.end, wall=wall)
        monitor = BedsideMonitor(course)
        wall.advance(60)
        sample = monitor.advance_to(clock.case_time())
        assert sample.values["spo2"] < 75, sample.values["spo2"]
        print("ok")
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok"


def test_session_controller_recording_network_and_debrief_rows_run_without_qt(tmp_path):
    """The layers below dashboard.ui, as a headless instructor uses them: a controller with
    its recording handed in, the network bridge made on it, and the debrief's rows of the
    file it wrote -- all with PySide6, shiboken6 and pyqtgraph unimportable."""
    code = textwrap.dedent(f"""
        import sys
        for name in ("PySide6", "shiboken6", "pyqtgraph"):
            sys.modules[name] = None       # any import of them now raises ImportError
        from dashboard.core.actions import Action, Actor
        from dashboard.core.clock import ManualWall
        from dashboard.core.session_controller import SessionController
        from dashboard.debrief.report import build_report
        from dashboard.net import roles
        from dashboard.net.bridge import InstructorBridge
        from dashboard.net.link import BrokerUrl, MqttLink
        from dashboard.recording import SessionRecording, read_session
        from replay_data.course import Course

        course = Course.load()
        t0 = course.scenario.event_times["ecmo_start"] + 7200
        path = {str(tmp_path / "s.jsonl")!r}
        c = SessionController(course, start=t0, wall=ManualWall(), display="console",
                              recording=SessionRecording(path))
        boss = Actor("instructor", "console")
        link = MqttLink(BrokerUrl.parse("mqtt://127.0.0.1:1"), subscriptions=[])
        bridge = InstructorBridge(c, link, "sim1")
        assert roles.run_instructor_headless and bridge.controller is c
        c.apply(Action.make("inject", {{"injection": "pump_stop"}}, boss), strict=True)
        c.advance(180, ticks=6)
        c.apply(Action.make("end", {{}}, boss), strict=True)
        assert c.recorder is None and str(c.recorded_path) == path
        assert [r.perturbation.name for r in read_session(path).perturbation_records()] \\
            == ["pump_stop"]
        report, _ = build_report(path, {str(tmp_path / "r.html")!r})
        assert any("Pump stop" in r.what for r in report.timeline), report.timeline
        assert not any(m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
                       for m in sys.modules if sys.modules[m] is not None)
        print("ok")
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok"
