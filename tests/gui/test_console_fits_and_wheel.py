"""The instructor console fits its window (side by side at 1920x1080, about 940 px wide;
the whole 1366x768 screen in the tabbed layout): every button is on screen or in the
scroll area's reach, and the case stem wraps at words. The mouse wheel scrolls the
tools instead of changing the box under the pointer; the team-settings override offers
a switch's states by name."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from widget_support import child, choose

from replay_data.course import Course
from replay_data.scenario import load_scenario

BUTTONS = ("instructor.start", "instructor.end", "instructor.note", "instructor.bookmark",
           "instructor.scenario_file", "instructor.stop_all", "instructor.control_set",
           "instructor.inject", "instructor.override_apply", "instructor.debrief")


def reachable(console, scroll: QtWidgets.QScrollArea, w: QtWidgets.QWidget) -> bool:
    """The whole widget lies inside the console, and inside the scroll area's viewport
    once scrolled to (the scroll bars can bring it into view)."""
    scroll.ensureWidgetVisible(w, 0, 0)
    QtWidgets.QApplication.processEvents()
    view = scroll.viewport()
    tl, br = w.mapTo(view, w.rect().topLeft()), w.mapTo(view, w.rect().bottomRight())
    in_console = console.rect().contains(w.mapTo(console, w.rect().topLeft())) and \
        console.rect().contains(w.mapTo(console, w.rect().bottomRight()))
    return view.rect().contains(tl) and view.rect().contains(br) and in_console


@pytest.mark.parametrize("size", [(940, 1040), (1366, 738)])
def test_every_console_button_is_reachable_and_the_case_stem_wraps(make_session, qtbot, size):
    s = make_session(None, course=Course(load_scenario("pump_stop_day2"), 0),
                     instructor=True, playing=False)
    con = s.console
    con.resize(*size)
    con.show()
    qtbot.waitExposed(con)
    assert con.width() <= size[0] and con.height() <= size[1]
    scroll = child(con, QtWidgets.QScrollArea, "instructor.tools_scroll")
    tools = scroll.widget()
    # Nothing wider than the scroll area's view: no hidden right-hand part.
    assert tools.width() <= scroll.viewport().width(), (tools.width(), scroll.viewport().width())
    for name in BUTTONS:
        assert reachable(con, scroll, child(con, QtWidgets.QPushButton, name)), name
    stem = child(con, QtWidgets.QLabel, "instructor.case_stem")
    scroll.ensureWidgetVisible(stem, 0, 0)
    # Word-wrapped inside the view: as wide as the view at most, and tall enough for
    # every line of its text at that width (nothing elided or cut).
    assert stem.wordWrap() and stem.width() <= scroll.viewport().width()
    assert stem.height() >= stem.heightForWidth(stem.width())
    assert s.course.scenario.briefing.case_stem[-40:] in stem.text()


def test_the_wheel_over_an_unfocused_box_scrolls_the_tools_not_the_value(make_session, qtbot):
    s = make_session("ecmo_start+1d", instructor=True)
    con = s.console
    con.resize(1366, 738)
    con.show()
    qtbot.waitExposed(con)
    scroll = child(con, QtWidgets.QScrollArea, "instructor.tools_scroll")
    duration = child(con, QtWidgets.QSpinBox, "instructor.override_duration")
    channel = child(con, QtWidgets.QComboBox, "instructor.override_channel")
    for box in (duration, channel):
        assert box.focusPolicy() == QtCore.Qt.FocusPolicy.StrongFocus
    from dashboard.ui.wheel_guard import install_wheel_guard, value_widget

    assert install_wheel_guard() is install_wheel_guard()  # one guard, however often
    assert value_widget(duration.lineEdit()) is duration  # the box's own text field
    assert value_widget(QtWidgets.QDial()) is None  # a knob is turned by the wheel
    bar = scroll.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    before = (duration.value(), channel.currentIndex(), bar.value())

    def wheel(widget: QtWidgets.QWidget, steps: int) -> None:
        pos = QtCore.QPointF(widget.rect().center())
        ev = QtGui.QWheelEvent(pos, QtCore.QPointF(widget.mapToGlobal(pos.toPoint())),
                               QtCore.QPoint(), QtCore.QPoint(0, -120 * steps),
                               QtCore.Qt.MouseButton.NoButton,
                               QtCore.Qt.KeyboardModifier.NoModifier,
                               QtCore.Qt.ScrollPhase.NoScrollPhase, False)
        QtWidgets.QApplication.sendEvent(widget, ev)

    wheel(duration, 3)
    wheel(channel, 3)
    assert (duration.value(), channel.currentIndex()) == before[:2]
    assert bar.value() > before[2]  # the page scrolled instead
    # Clicked into (focused), the box takes the wheel as usual.
    con.activateWindow()
    duration.setFocus()
    if duration.hasFocus():  # the offscreen platform may not give focus
        wheel(duration, 2)
        assert duration.value() != before[0]


def test_team_settings_offer_a_switchs_states_by_name(make_session, qtbot):
    from dashboard.ui.ecmo_console import EcmoConsole

    s = make_session("ecmo_start+1d", instructor=True)
    con = s.console
    control = child(con, QtWidgets.QComboBox, "instructor.control")
    labels = [control.itemText(i) for i in range(control.count())]
    assert "Ventilator: Mode" in labels and not any("0 PC" in t for t in labels)
    choice = child(con, QtWidgets.QComboBox, "instructor.control_choice")
    value = child(con, QtWidgets.QDoubleSpinBox, "instructor.control_value")
    choose(control, "control.vent.mode")
    assert choice.isVisibleTo(con) and not value.isVisibleTo(con)
    assert [choice.itemText(i) for i in range(choice.count())] == ["PC", "AC"]
    assert choice.currentText() == "PC"
    choose(control, "control.ecmo.clamp_drainage")
    assert [choice.itemText(i) for i in range(choice.count())] == ["open", "clamped"]
    choice.setCurrentIndex(choice.findText("clamped"))
    pump = EcmoConsole(s.controller, display="bed-1")
    qtbot.addWidget(pump)
    child(con, QtWidgets.QPushButton, "instructor.control_set").click()
    s.advance_virtual(2, 2)
    settings = child(con, QtWidgets.QLabel, "instructor.team_settings.ecmo")
    assert "Drainage clamp: clamped *" in settings.text().splitlines()
    # A knob keeps its number, within the control's range and step, with its unit.
    choose(control, "control.ecmo.sweep_flow")
    assert value.isVisibleTo(con) and value.suffix() == " L/min"
    assert (value.minimum(), value.maximum(), value.singleStep()) == (0, 12, 0.5)
    pump.detach()
