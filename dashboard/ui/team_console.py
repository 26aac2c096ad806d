"""What the team's consoles (the ECMO pump console, the ventilator) share: a view of the
SessionController for one display, whose settings are `control` actions of that display
and whose knobs show what the course has now (settings_at) -- the instructor's changes,
another display's, a replay's -- and lock while the instructor locks the group.

A console subclass builds its own controls and readouts, then calls `lay_out` and `sync`;
it says which widgets the lock disables (`controls`), how the settings set them
(`apply_settings`) and what it redraws on a frame (`show_values`, `on_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from PySide6 import QtGui, QtWidgets

from dashboard.core.actions import CONTROL, TRAINEE, Action, Actor
from dashboard.core.session_controller import (
    ActionApplied,
    ActionRefused,
    CourseChanged,
    Seeked,
    SessionController,
    SessionEvent,
    Tick,
)
from dashboard.core.throttle import Throttle
from replay_data.controls import settings_at
from replay_data.devices import ECMO, device_spans
from replay_data.timeexpr import format_case_time

LOCKED_TEXT = "LOCKED BY THE INSTRUCTOR"
# What a console says while it is not on the patient (replay_data.devices: ECMO,
# VENTILATOR): before its span (not "yet": that would tell the team the case's future),
# after it, and for a scenario without the device.
NOT_CONNECTED = {
    ECMO: ("CIRCUIT NOT CONNECTED", "CIRCUIT DISCONNECTED: decannulated {t}",
           "NO ECMO CIRCUIT: this patient has none in this scenario"),
    "ventilator": ("NOT CONNECTED TO THE PATIENT", "EXTUBATED {t}: not in use",
                   "NO VENTILATOR: this patient is not intubated in this scenario"),
}
# Between cannulation and the pump start the circuit is on the patient but not running.
CANNULATION_TEXT = "CANNULATION IN PROGRESS: the circuit is not running yet"
CONNECTION_STYLE = """
QLabel[role="connection"] { color: #000; background: #90a4ae; font-size: 16px;
                            font-weight: bold; padding: 4px; }
"""


def connection_text(device: str, span: tuple[float, float] | None, t: float,
                    running_from: float | None = None) -> str:
    """'' while the device is on the patient at t (and, for the circuit, from its pump
    start `running_from`); else what the team should know. Never when it will be
    connected: the team learns that from the case, not from the console. The console
    stays usable: a pump is primed and a ventilator set before they connect."""
    before, after, never = NOT_CONNECTED[device]
    if span is None:
        return never
    on, off = span
    if t < on:
        return before
    if t >= off:
        return after.format(t=format_case_time(off))
    if running_from is not None and t < running_from:
        return CANNULATION_TEXT
    return ""

# One part of a console's layout between the lock note and the status line: a widget or
# a layout, with its stretch.
Part = QtWidgets.QWidget | QtWidgets.QLayout | tuple[QtWidgets.QWidget | QtWidgets.QLayout, int]


class TeamConsole(QtWidgets.QFrame):
    """objectName `console.<name>`; labels `console.<name>.title`, `.locked`, `.alarms`,
    `.status`. `group` is the lock group (replay_data.controls: ECMO, VENT); frames
    are redrawn at most once per `refresh_s` of wall time."""

    def __init__(self, controller: SessionController, *, name: str, group: str,
                 device: str, display: str, window_title: str, title: str, style: str,
                 refresh_s: float, locked_text: str = LOCKED_TEXT,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.display = display
        self.group = group
        self.name = name
        self.setObjectName(f"console.{name}")
        self.setWindowTitle(window_title)
        self.setStyleSheet(style + CONNECTION_STYLE)
        self._syncing = False  # set while sync() moves the knobs: no actions from that
        self._frames = Throttle(refresh_s)
        self.title = self.label(f"console.{name}.title", title)
        self.locked = self.label(f"console.{name}.locked", locked_text, "locked")
        self.locked.setVisible(False)
        # `console.<name>.connection`: shown while the device is not on the patient.
        self.connection = self.label(f"console.{name}.connection", "", "connection")
        self.connection.setWordWrap(True)
        self.connection.setVisible(False)
        self._device = device
        self._connection_second: float | None = None
        self._spans_of: object = None  # the scenario the spans below are of
        self._device_span: tuple[float, float] | None = None
        self._running_from: float | None = None
        self.alarms = self.label(f"console.{name}.alarms", "", "alarm")
        self.status = self.label(f"console.{name}.status", "")

    def label(self, name: str, text: str = "", role: str = "") -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel(text, self)
        lab.setObjectName(name)
        if role:
            lab.setProperty("role", role)
        return lab

    def lay_out(self, parts: Iterable[Part]) -> QtWidgets.QVBoxLayout:
        """Title and lock note on top, the console's own parts, the status line last;
        then starts following the controller."""
        root = QtWidgets.QVBoxLayout(self)
        root.addWidget(self.title)
        root.addWidget(self.locked)
        root.addWidget(self.connection)
        for part in parts:
            item, stretch = part if isinstance(part, tuple) else (part, 0)
            if isinstance(item, QtWidgets.QLayout):
                root.addLayout(item, stretch)
            else:
                root.addWidget(item, stretch)
        root.addWidget(self.status)
        self._unsubscribe = self.controller.subscribe(self._on_event)
        return root

    # ------------------------------------------------------------------ input

    def set(self, control: str, value: float) -> Action | None:
        """One setting changed on this console: a `control` action of its display
        (none while sync() moves the knobs to what the course already has)."""
        if self._syncing:
            return None
        return self.controller.request(Action.make(
            CONTROL, {"control": control, "value": float(value)}, Actor(TRAINEE, self.display)))

    # ------------------------------------------------------------------ events

    def _on_event(self, ev: SessionEvent) -> None:
        if isinstance(ev, Tick):
            if self._frames.take(ev.wall):
                self.on_frame(ev.t, ev.wall)
        elif isinstance(ev, ActionApplied | CourseChanged) and ev.more:
            pass  # the last action of an apply_many() syncs once for all
        elif isinstance(ev, ActionApplied | CourseChanged | Seeked):
            self.sync()
        elif isinstance(ev, ActionRefused) and ev.action.actor.display == self.display:
            self.status.setText(f"Refused: {ev.reason}")

    def sync(self) -> None:
        """Knobs and switches as the course has them now (any display's or the
        instructor's settings), the lock, then the readouts."""
        t = self.controller.case_time()
        settings = settings_at(self.controller.course, t)
        locked = self.group in self.controller.locked
        # A patient who never has the device has no settings for it (NaN): the knobs
        # stay as they are, out of use, under the console's "no such device" line.
        present = self._look_at_scenario()
        if present:
            self._syncing = True
            try:
                self.apply_settings(settings)
            finally:
                self._syncing = False
        self.locked.setVisible(locked)
        for w in self.controls():
            # Locked: the team sees the settings but cannot change them.
            w.setEnabled(not locked and present)
        self.show_values(t)

    def _look_at_scenario(self) -> bool:
        """The device's span in the course's scenario (the instructor may switch the room
        to another patient under an open console); False: this patient never has it."""
        scenario = self.controller.course.scenario
        if scenario is not self._spans_of:
            self._spans_of = scenario
            self._device_span = device_spans(scenario)[self._device]
            self._running_from = (scenario.role_time("ecmo_start") if self._device == ECMO
                                  else None)
        return self._device_span is not None

    def show_connection(self, t: float) -> None:
        """The not-connected note at t (looked at once a case second: the spans are the
        scenario's event times)."""
        second = math.floor(t)
        scenario = self.controller.course.scenario
        if second == self._connection_second and scenario is self._spans_of:
            return
        self._connection_second = second
        self._look_at_scenario()
        text = connection_text(self._device, self._device_span, t, self._running_from)
        if self.connection.text() != text:
            self.connection.setText(text)
            self.connection.setVisible(bool(text))

    # ------------------------------------------------------------------ per console

    def controls(self) -> Iterable[QtWidgets.QWidget]:
        """The widgets the instructor's lock disables."""
        raise NotImplementedError

    def apply_settings(self, settings: Mapping[str, float]) -> None:
        """Set the knobs to `settings` (signals from that send no actions)."""
        raise NotImplementedError

    def show_values(self, t: float) -> None:
        raise NotImplementedError

    def on_frame(self, t: float, wall: float) -> None:
        """A frame passed the console's throttle."""
        self.show_values(t)

    def detach(self) -> None:
        self._unsubscribe()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.detach()
        super().closeEvent(event)

