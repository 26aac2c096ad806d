"""Replay controls: play/pause, speed, a timeline over the whole course with the case's
events marked, and jump-to-event. The widgets only forward what the user does; the
window owns the clock.

Playing a recorded session back (the debrief viewer), `show_recording` zooms the
timeline to the stretch of case time the session played (a 24-day case made a drill a
sliver of the slider; "Whole case" widens it again) and lists in "Jump to" every
injection, alarm episode, note and bookmark of the recording beside the case's events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.clock import SPEEDS
from replay_data.scenario import Scenario
from replay_data.timeexpr import format_case_time

if TYPE_CHECKING:
    from dashboard.recording import RecordedSession
    from replay_data.course import Course

MARKER_COLOURS = {"ecmo": "#ffb74d", "airway": "#4fc3f7", "circuit": "#ff5252",
                  "result": "#ce93d8", "injection": "#ff8a65", "alarm": "#ff5252",
                  "note": "#e0e0e0", "bookmark": "#fff176"}
# The zoomed timeline shows a little before and after the session played.
ZOOM_MARGIN_S = 30.0


@dataclass(frozen=True)
class JumpTarget:
    """One moment of a recorded session to jump to."""
    t: float
    kind: str  # "injection" | "alarm" | "note" | "bookmark"
    text: str


def recording_jumps(recording: RecordedSession, course: Course) -> list[JumpTarget]:
    """Every injection (the instructor's and the scenario's own the session played
    through), every alarm episode (each raise) and every note and bookmark, in time
    order."""
    from replay_data.perturbation_labels import perturbation_label

    lo, hi = recording.span
    out: list[JumpTarget] = []
    given = [r.final for r in recording.perturbation_records() if r.final.kind == "injection"]
    ids = {p.id for p in given}
    scheduled = [p for p in course.scheduled if lo <= p.start <= hi and p.id not in ids]
    for p in [*given, *scheduled]:
        out.append(JumpTarget(p.start, "injection",
                              f"Injection: {perturbation_label(course, p)}"))
    for ch in recording.alarm_changes():
        if ch.event == "raise":
            prefix = f"{ch.priority.prefix} " if ch.priority is not None else ""
            out.append(JumpTarget(ch.case_time, "alarm",
                                  f"Alarm: {prefix}{ch.message or ch.alarm_id}"))
    for a in recording.instructor_actions():
        if a.action == "note":
            bookmark = bool(a.fields.get("bookmark"))
            text = str(a.fields.get("text") or "")
            label = ("Bookmark" + ("" if text in ("", "bookmark") else f": {text}")
                     if bookmark else f"Note: {text}")
            out.append(JumpTarget(a.case_time, "bookmark" if bookmark else "note", label))
    return sorted(out, key=lambda j: j.t)


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
        self.marks: list[JumpTarget] = []  # a recording's moments, marked below the groove

    def show_span(self, lo: float, hi: float) -> None:
        """The slider covers case time lo..hi (within the case)."""
        lo = max(self.scenario.start, lo)
        hi = min(self.scenario.end, max(hi, lo + 1))
        self.blockSignals(True)
        self.setRange(int(lo), int(hi))
        self.setPageStep(max(10, int((hi - lo) / 20)))
        self.blockSignals(False)
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        p = QtGui.QPainter(self)
        lo, span = self.minimum(), max(1.0, self.maximum() - self.minimum())
        w = self.width() - 12
        marks = [(e.t, e.kind, 0) for e in self.scenario.events] + \
            [(m.t, m.kind, self.height() - 7) for m in self.marks]
        for t, kind, y in marks:
            if not lo <= t <= lo + span:
                continue
            x = 6 + (t - lo) / span * w
            p.setPen(QtGui.QPen(QtGui.QColor(MARKER_COLOURS.get(kind, "#90a4ae")), 2))
            p.drawLine(int(x), y, int(x), y + 7)
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
        self.whole = QtWidgets.QCheckBox("Whole case", self)
        self.whole.setObjectName(f"{prefix}.whole_case")
        self.whole.setAccessibleName("Timeline over the whole case (else the session played)")
        self.whole.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.whole.setVisible(False)  # offered when a recording zooms the timeline
        self.whole.toggled.connect(self._whole_case)
        self._session_span: tuple[float, float] | None = None
        self.speed_note = QtWidgets.QLabel("", self)
        self.speed_note.setObjectName(f"{prefix}.speed_note")
        self.speed_note.setProperty("role", "speed_notice")
        lay.addWidget(self.play)
        lay.addWidget(self.speed)
        lay.addWidget(self.timeline, 1)
        lay.addWidget(self.whole)
        lay.addWidget(self.events)
        lay.addWidget(self.speed_note)

    def show_recording(self, recording: RecordedSession, course: Course) -> None:
        """A recorded session is played: the timeline over what it played, and its
        injections, alarm episodes, notes and bookmarks to jump to."""
        lo, hi = recording.span
        self._session_span = (lo - ZOOM_MARGIN_S, hi + ZOOM_MARGIN_S)
        jumps = recording_jumps(recording, course)
        self.timeline.marks = jumps
        self.timeline.show_span(*self._session_span)
        self.whole.setVisible(True)
        self.events.setAccessibleName("Jump to a moment of the session or a case event")
        self.events.setItemText(0, "Jump to…")
        self.events.insertSeparator(1)
        for i, j in enumerate(jumps):
            self.events.insertItem(1 + i, f"{format_case_time(j.t)}  {j.text}", j.t)
            self.events.setItemData(1 + i, j.kind, QtCore.Qt.ItemDataRole.AccessibleDescriptionRole)

    def jump_texts(self) -> list[str]:
        return [self.events.itemText(i) for i in range(1, self.events.count())
                if self.events.itemData(i) is not None]

    def _whole_case(self, on: bool) -> None:
        sc = self.timeline.scenario
        lo, hi = (sc.start, sc.end) if on or self._session_span is None else self._session_span
        self.timeline.show_span(lo, hi)

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
