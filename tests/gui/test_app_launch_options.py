"""What the app hands the windows: --size (None: fit the screen), the team's consoles in
the instructor's role on one machine, and the automation hook's two entry points."""

from __future__ import annotations

import sys
import types

from PySide6 import QtCore, QtWidgets

from dashboard.cli import options, parsers, qt_launch
from dashboard.core.actions import CONTROL, Action, Actor
from dashboard.session import CURRENT, MonitorSession


def test_size_is_none_unless_given_and_headless_paints_the_default():
    assert parsers.parse_options([], "monitor").size is None
    assert parsers.parse_options(["--size", "1366x768"], "instructor").size == (1366, 768)
    assert parsers.parse_options(["--console", "ecmo", "--console", "vent"],
                                    "instructor").extra["console"] == ["ecmo", "vent"]
    assert options.DEFAULT_SIZE == (1600, 1000)


def test_the_instructor_opens_the_teams_consoles_beside_the_bedside_within_size(
        qtbot, case_course, tmp_path):
    opts = parsers.parse_options(["--console", "ecmo", "--console", "vent",
                                     "--size", "1366x768"], "instructor")
    s = MonitorSession.create(case_course, start=case_course.scenario.resolve(
        "ecmo_start+1d"), virtual_clock=True, mute=True, instructor=True,
        session_log=tmp_path / "s.jsonl", consoles=options.consoles(opts),
        console_display="bedside")
    try:
        app = QtWidgets.QApplication.instance()
        qt_launch.place_instructor_windows(app, s, opts)
        assert [c.objectName() for c in s.consoles] == ["console.ecmo", "console.vent"]
        bound = QtCore.QRect(0, 0, 1366, 768)
        for w in (s.window, s.console, *s.consoles):
            top = w.window()
            assert top.isVisible()
            assert bound.contains(top.frameGeometry()), (w.objectName(),
                                                         top.frameGeometry())
        # The team acts on them as the trainees at the bedside, never as the instructor.
        done = s.controller.request(Action.make(CONTROL, {"control": "control.vent.fio2",
                                                          "value": 100},
                                                Actor("trainee", s.consoles[1].display)))
        assert done is not None and done.actor == Actor("trainee", "bedside")
        assert s in CURRENT
    finally:
        s.close()
    assert s not in CURRENT


def test_every_qt_role_offers_the_automation_hook(monkeypatch):
    seen = []
    fake = types.ModuleType("dashboard.ui.automation")
    fake.install_from_environment = seen.append
    monkeypatch.setitem(sys.modules, "dashboard.ui.automation", fake)
    opts = parsers.parse_options(["--headless", "--screenshot", "x.png"], "demo")
    app = qt_launch.qt_app(opts)
    assert seen == [app]
