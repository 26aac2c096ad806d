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
