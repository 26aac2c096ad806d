"""The monitor's extension points: panels refreshed from one Frame, strips and tiles built
from the layout table, and Qt key events named as the Qt-free key map names them."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core import key_map
from dashboard.ui.key_names import key_event_name
from dashboard.ui.main_window import MonitorWindow
from dashboard.ui.monitor_layout import MONITOR_ROWS, StripRow, TileSpec
from dashboard.ui.panel import Frame


class RecordingPanel:
    def __init__(self) -> None:
        self.frames: list[Frame] = []

    def refresh(self, frame: Frame) -> None:
        self.frames.append(frame)


def test_a_new_panel_is_refreshed_with_the_monitors_frame(make_session, case_course):
    s = make_session("abg_pre_ecmo-5m")
    w = s.window
    panel = RecordingPanel()
    w.panels.append(panel)
    target = case_course.scenario.resolve("ecmo_start")
    w.seek(target)
    assert panel.frames, "the panel was not refreshed on a seek"
    f = panel.frames[-1]
    assert f.t == pytest.approx(target)
    assert f.sample is s.controller.monitor.latest
    assert f.course is s.controller.course
    # What the panel is handed is what the SpO2 tile shows.
    assert w.findChild(QtWidgets.QLabel, "numeric.spo2").text() == \
        case_course.catalogue.numerics["spo2"].format(f.values["spo2"])
    n = len(panel.frames)
    s.advance_virtual(5, frames=10)
    assert len(panel.frames) > n  # and again as the case runs


def test_strips_and_tiles_come_from_the_layout_table(make_session):
    s = make_session("abg_pre_ecmo-5m")
    w = s.window
    assert list(w.strips) == [row.waveform for row in MONITOR_ROWS]
    assert list(w.tiles) == [t.channels[0] for row in MONITOR_ROWS for t in row.tiles]
    # One more row: a strip and its tile, nothing else to change.
    rows = (*MONITOR_ROWS, StripRow("paw", (TileSpec("Ppeak", ("ppeak",)),)))
    extra = MonitorWindow(s.controller, role="monitor", display="extra", rows=rows)
    try:
        assert list(extra.strips)[-1] == "paw"
        assert extra.findChild(QtWidgets.QFrame, "waveform.paw") is not None
        assert extra.findChild(QtWidgets.QFrame, "tile.ppeak") is not None
        assert extra.findChild(QtWidgets.QLabel, "numeric.ppeak").text() != "---"
    finally:
        extra.detach()
        extra.deleteLater()


def key_event(key: QtCore.Qt.Key, shift: bool = False) -> QtGui.QKeyEvent:
    mods = QtCore.Qt.KeyboardModifier.ShiftModifier if shift else \
        QtCore.Qt.KeyboardModifier.NoModifier
    return QtGui.QKeyEvent(QtCore.QEvent.Type.KeyPress, key, mods)


def test_qt_key_events_are_named_as_the_key_map_names_them(qtbot):
    k = QtCore.Qt.Key
    assert key_event_name(key_event(k.Key_A)) == "A"
    assert key_event_name(key_event(k.Key_Right, shift=True)) == "Shift+Right"
    assert key_event_name(key_event(k.Key_Space)) == "Space"
    assert key_event_name(key_event(k.Key_BracketLeft)) == "["
    assert key_event_name(key_event(k.Key_F11)) == "F11"
    assert key_event_name(key_event(k.Key_PageDown)) == "PgDown"


def test_every_name_in_the_key_map_is_a_key_qt_knows(qtbot):
    names = {key_map.base_key(n) for keys in key_map.KEY_MAPS.values() for n in keys}
    for name in names | key_map.TREND_REVIEW_KEYS:
        seq = QtGui.QKeySequence.fromString(name)
        assert seq.count() == 1 and seq.toString() == name, name
