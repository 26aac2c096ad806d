"""Replay controls: play/pause, speed, a timeline over the whole course with the case's
events marked, and jump-to-event. The widgets only forward what the user does; the
window owns the clock."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.clock import SPEEDS
from replay_data.scenario import Scenario
from replay_data.timeexpr import format_case_time

MARKER_COLOURS = {"ecmo": "#ffb74d", "airway": "#4fc3f7", "circuit": "#ff5252",
                  "result": "#ce93d8"}


def speed_text(speed: float) -> str:
    return f"{speed:g}x"


class Timeline(QtWidgets.QSlider):
    """A slider over the case in seconds, with event ticks painted above the groove."""

    def __init__(self, scenario: Scenario, parent: QtWidgets.QWidget | None = None,
                 prefix: str = "control") -> None:
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        self.setObjectName(f"{prefix}.timeline")
        self.setAccessibleName("Case timeline")
        self.scenario = scenario
        self.setRange(int(scenario.start), int(scenario.end))
        self.setSingleStep(10)
        self.setPageStep(600)
        self.setMinimumHeight(26)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setToolTip("\n".join(f"{format_case_time(e.t)}  {e.label}"
                                  for e in scenario.events))

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        p = QtGui.QPainter(self)
        span = max(1.0, self.maximum() - self.minimum())
        w = self.width() - 12
        for e in self.scenario.events:
            x = 6 + (e.t - self.minimum()) / span * w
            p.setPen(QtGui.QPen(QtGui.QColor(MARKER_COLOURS.get(e.kind, "#90a4ae")), 2))
            p.drawLine(int(x), 0, int(x), 7)
        p.end()


class ReplayControls(QtWidgets.QFrame):
    play_toggled = QtCore.Signal()
    speed_chosen = QtCore.Signal(float)
    seek_requested = QtCore.Signal(float)

    def __init__(self, scenario: Scenario, parent: QtWidgets.QWidget | None = None,
                 prefix: str = "control") -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}s")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(8)
        self.play = QtWidgets.QPushButton("Pause", self)
        self.play.setObjectName(f"{prefix}.play")
        self.play.setAccessibleName("Play or pause the replay (Space)")
        self.play.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.play.clicked.connect(self.play_toggled.emit)
        self.speed = QtWidgets.QComboBox(self)
        self.speed.setObjectName(f"{prefix}.speed")
        self.speed.setAccessibleName("Replay speed ([ slower, ] faster)")
        self.speed.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for s in SPEEDS:
            self.speed.addItem(speed_text(s), float(s))
        self.speed.activated.connect(lambda i: self.speed_chosen.emit(self.speed.itemData(i)))
        self.timeline = Timeline(scenario, self, prefix)
        self.timeline.sliderMoved.connect(lambda v: self.seek_requested.emit(float(v)))
        self.timeline.actionTriggered.connect(self._timeline_action)
        self.events = QtWidgets.QComboBox(self)
        self.events.setObjectName(f"{prefix}.jump_event")
        self.events.setAccessibleName("Jump to a case event")
        self.events.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.events.addItem("Jump to event…", None)
        for e in scenario.events:
            self.events.addItem(f"{format_case_time(e.t)}  {e.label}", e.t)
            why = e.provenance.quote or e.provenance.note
            self.events.setItemData(self.events.count() - 1, f"[{e.provenance.basis}] {why}",
                                    QtCore.Qt.ItemDataRole.ToolTipRole)
        self.events.setMaximumWidth(330)
        self.events.activated.connect(self._jump)
        self.speed_note = QtWidgets.QLabel("", self)
        self.speed_note.setObjectName(f"{prefix}.speed_note")
        self.speed_note.setProperty("role", "speed_notice")
        lay.addWidget(self.play)
        lay.addWidget(self.speed)
        lay.addWidget(self.timeline, 1)
        lay.addWidget(self.events)
        lay.addWidget(self.speed_note)

    def _timeline_action(self, action: int) -> None:
        # Clicks on the groove (page steps) seek too, not only drags.
        if action in (QtWidgets.QAbstractSlider.SliderAction.SliderPageStepAdd,
                      QtWidgets.QAbstractSlider.SliderAction.SliderPageStepSub):
            QtCore.QTimer.singleShot(0, lambda: self.seek_requested.emit(
                float(self.timeline.value())))

    def _jump(self, index: int) -> None:
        t = self.events.itemData(index)
        self.events.setCurrentIndex(0)
        if t is not None:
            self.seek_requested.emit(float(t))

    def show_state(self, t: float, playing: bool, speed: float) -> None:
        text = "Pause" if playing else "Play"
        if self.play.text() != text:
            self.play.setText(text)
        idx = self.speed.findData(float(speed))
        if idx >= 0 and idx != self.speed.currentIndex():
            self.speed.setCurrentIndex(idx)
        if not self.timeline.isSliderDown():
            self.timeline.blockSignals(True)
            self.timeline.setValue(int(t))
            self.timeline.blockSignals(False)
