"""The bedside monitor window: waveforms left, numerics beside them, the ECMO console and
results on the right, trends below (and, in the demo window only, the replay controls).

A view of the SessionController: it draws on the controller's events and turns keys and
buttons into Actions; it holds no clinical numbers and no session logic. This module lays
the screen out and paces its frames; what its keys do is monitor_keys, what its buttons
and keys ask the controller is monitor_commands, how it shows alarms is monitor_alarms.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.actions import OPERATOR_KINDS, Action
from dashboard.core.session_controller import (
    ActionApplied,
    ActionRefused,
    AlarmChanges,
    CourseChanged,
    Seeked,
    SessionController,
    SessionEvent,
    SystemProblem,
    Tick,
)
from dashboard.core.throttle import Throttle
from replay_data.course import Course

from .alarm_audio import AlarmAudio, SilentAudio
from .alarm_bar import AlarmBar
from .alarm_history import AlarmHistory
from .banner import PatientBanner
from .controls import ReplayControls, speed_text
from .ecmo_panel import EcmoPanel, VentilatorStrip
from .limits_dialog import LimitsDialog
from .monitor_alarms import MonitorAlarms
from .monitor_commands import MonitorCommands
from .monitor_keys import MonitorKeyboard
from .monitor_layout import MONITOR_ROWS, StripRow
from .monitor_role import Role
from .panel import Frame, Panel
from .results_panel import ResultsPanel
from .screen_plan import DRUG_CHANNELS, ScreenPlan, ScreenState
from .sweep_strip import SweepStrip
from .theme import stylesheet
from .therapy_strip import DrugFields, OxygenTherapy
from .tiles import NumericTile

if TYPE_CHECKING:  # made on first use (MonitorWindow.trends): pyqtgraph is imported then
    from .trend_view import TrendView

# Above this speed a sweep at true case time is a smear: the strips keep sweeping at
# paper speed and show the current morphology instead.
TRUE_TIME_MAX_SPEED = 2.0
# At fast replay the numbers still refresh like a monitor's, not every frame.
NUMERIC_MIN_INTERVAL_S = 0.25
TREND_MIN_INTERVAL_S = 0.5

class MonitorWindow(MonitorKeyboard, MonitorCommands, MonitorAlarms, QtWidgets.QWidget):
    """objectName `window.monitor` (`mirror` for the instructor's copy). A view of a
    SessionController: it draws on the controller's events and turns keys and buttons
    into Actions (controller.request); it holds no session logic."""

    def __init__(self, controller: SessionController, *, role: Role | str = Role.DEMO,
                 display: str | None = None, audio: AlarmAudio | None = None,
                 parent: QtWidgets.QWidget | None = None,
                 min_frame_interval_s: float = 0.0,
                 rows: tuple[StripRow, ...] = MONITOR_ROWS) -> None:
        super().__init__(parent)
        self.role = Role(role)
        self.controller = controller
        self.display = display or self.role.value
        course = controller.course
        self.setObjectName("mirror" if self.role is Role.MIRROR else "window.monitor")
        self.setWindowTitle(f"ICU monitor — {course.scenario.title} — TRAINING SIMULATOR")
        self.audio: AlarmAudio = audio or SilentAudio("MUTED")
        self.system_notes: list[str] = []  # simulator problems shown on the alarm bar
        self.limits_dialog: LimitsDialog | None = None
        cat = course.catalogue
        clock = controller.clock
        self._display_t = clock.case_time()
        self._last_wall = clock.wall_time()
        self._frame_throttle = Throttle(min_frame_interval_s)
        self._numeric_throttle = Throttle(NUMERIC_MIN_INTERVAL_S)
        self._trend_throttle = Throttle(TREND_MIN_INTERVAL_S)
        # Alarm indicators are redrawn at their flash edges (monitor_alarms): last shown
        # at the throttle's last_wall, due again at _alarm_next_wall.
        self._alarm_throttle = Throttle(0.0)
        self._alarm_next_wall = -math.inf
        self._shown_second: int | None = None
        self._paused_since_wall: float | None = None  # bedside: when its pause began

        self.banner = PatientBanner(course.scenario, self)
        self.strips: dict[str, SweepStrip] = {}
        self.tiles: dict[str, NumericTile] = {}
        # Each strip row's widgets (the strip and its tiles), shown or hidden as one while
        # its values are measured or not (an arterial line placed later: no ART row before).
        self._row_widgets: dict[str, list[QtWidgets.QWidget]] = {}
        self._row_index: dict[str, int] = {}
        self._row_specs: dict[str, StripRow] = {}
        left = QtWidgets.QGridLayout()
        left.setSpacing(0)
        left.setContentsMargins(0, 0, 0, 0)
        for row, spec in enumerate(rows):
            strip = SweepStrip(cat.waveforms[spec.waveform], course, self, status=spec.status)
            self.strips[spec.waveform] = strip
            self._row_widgets[spec.waveform] = [strip]
            self._row_index[spec.waveform] = row
            self._row_specs[spec.waveform] = spec
            left.addWidget(strip, row, 0)
            tile_box = QtWidgets.QHBoxLayout()
            tile_box.setSpacing(0)
            for tile_spec in spec.tiles:
                chans = [cat.numerics[c] for c in tile_spec.channels]
                tile = NumericTile(tile_spec.title, chans, chans[0].colour, self)
                if self.role is not Role.MIRROR:
                    tile.limits_requested.connect(self.open_limits)
                self.tiles[tile_spec.channels[0]] = tile
                self._row_widgets[spec.waveform].append(tile)
                tile_box.addWidget(tile)
            left.addLayout(tile_box, row, 1)
            left.setRowStretch(row, 1)
        left.setColumnStretch(0, 5)
        left.setColumnStretch(1, 2)
        self._rows = rows
        self._left = left
        # Under the waveforms: the ventilator while intubated, else the oxygen therapy;
        # then the drugs that have run. Which of these show is the screen plan's.
        self.vent = VentilatorStrip(cat, self)
        self.oxygen = OxygenTherapy(cat, self)
        self.drugs = DrugFields(cat, DRUG_CHANNELS, self)
        therapy = QtWidgets.QHBoxLayout()
        therapy.setContentsMargins(0, 0, 0, 0)
        therapy.setSpacing(14)
        therapy.addWidget(self.vent, 1)
        therapy.addWidget(self.oxygen, 0)
        therapy.addWidget(self.drugs, 0)
        therapy.addStretch(0)
        left.addLayout(therapy, len(rows), 0, 1, 2)
        self._therapy = therapy
        self._drugs_in: QtWidgets.QBoxLayout = therapy  # moved onto the vent's line

        self.plan = ScreenPlan(course, rows)
        self._screen: ScreenState | None = None
        # A patient without a circuit gets no ECMO panel at all (no panel of dashes).
        circuit = course.scenario.circuit
        self.ecmo: EcmoPanel | None = (
            EcmoPanel(cat, self, title=f"{circuit.mode}-ECMO")
            if circuit is not None and self.plan.has_circuit else None)
        self.results = ResultsPanel(cat, self)
        self.history = AlarmHistory(self)
        self.side_tabs = QtWidgets.QTabWidget(self)
        self.side_tabs.setObjectName("panel.side_tabs")
        self.side_tabs.addTab(self.results, "Results")
        self.side_tabs.addTab(self.history, "Alarm history")
        # The right column as one widget: hidden when it has nothing to show (the
        # instructor's copy has no side tabs; off ECMO it has no panel either), so the
        # waveforms take its width instead of leaving a blank column.
        self._right = QtWidgets.QWidget(self)
        right = QtWidgets.QVBoxLayout(self._right)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(4)
        if self.ecmo is not None:
            self.ecmo.setVisible(False)  # until the screen plan says it is connected
            right.addWidget(self.ecmo, 3)
        right.addWidget(self.side_tabs, 2)

        main = QtWidgets.QHBoxLayout()
        main.setSpacing(6)
        main.addLayout(left, 7)
        main.addWidget(self._right, 2)

        # The trend review opens over the waveforms, as a monitor's "Trends" window does,
        # while the numerics beside them stay live (closed by default: the waveforms are
        # what a bedside screen shows). The instructor's copy shows vitals and alarms;
        # trends and results stay on the bedside (the console has its own notes and lists).
        # Built the first time it is asked for (`trends`): most sessions never open it,
        # and its fourteen plots were a tenth of a second of every window's start-up.
        self._trends: TrendView | None = None
        self._trend_slot = (left, len(rows))
        self.side_tabs.setVisible(self.role is not Role.MIRROR)
        # Only the demo window runs the case from here; the bedside monitor has no
        # replay controls at all (not hidden ones).
        self.controls: ReplayControls | None = None
        if self.role is Role.DEMO:
            self.controls = ReplayControls(course.scenario, self)
            self.controls.play_toggled.connect(self.toggle_play)
            self.controls.speed_chosen.connect(self.set_speed)
            self.controls.seek_requested.connect(self.seek)
        # The bedside shows the pause only when the instructor freezes the screen.
        self.note = QtWidgets.QLabel("", self)
        self.note.setObjectName("monitor.note")
        self.note.setProperty("role", "speed_notice")
        self.note.setVisible(False)

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 0, 4, 2)
        root.setSpacing(3)
        root.addWidget(self.banner, 0)
        self.alarm_bar = AlarmBar(self)
        if self.role is Role.MIRROR:
            for b in (self.alarm_bar.ack, self.alarm_bar.pause, self.alarm_bar.alarm_pause,
                      self.alarm_bar.audio_off, self.alarm_bar.limits):
                b.setVisible(False)
        else:
            self.alarm_bar.acknowledge_clicked.connect(self.acknowledge)
            self.alarm_bar.audio_pause_clicked.connect(self.audio_pause)
            self.alarm_bar.alarm_pause_clicked.connect(self.alarm_pause)
            self.alarm_bar.audio_off_toggled.connect(self.audio_off)
            self.alarm_bar.limits_clicked.connect(lambda: self.open_limits())
            self.trends_button = QtWidgets.QPushButton("Trends", self.alarm_bar)
            self.trends_button.setObjectName("control.trends")
            self.trends_button.setAccessibleName("Trend review (T)")
            self.trends_button.setToolTip("Trend review over the waveforms (T)")
            self.trends_button.setCheckable(True)
            self.trends_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            self.trends_button.toggled.connect(self.show_trends)
            self.alarm_bar.add_key(self.trends_button)
        root.addWidget(self.alarm_bar, 0)
        root.addLayout(main, 1)
        if self.controls is not None:
            root.addWidget(self.controls, 0)
        root.addWidget(self.note, 0)

        # Everything refreshed with the numerics, in one loop (draw -> _update_numerics):
        # a new panel is one more entry here, placed in the layout above.
        self.panels: list[Panel] = [*self.tiles.values(), self.banner,
                                    *([self.ecmo] if self.ecmo is not None else []),
                                    self.vent, self.oxygen, self.drugs, self.results,
                                    *self.strips.values()]
        self._install_keys()
        self.setStyleSheet(stylesheet(1000))
        self._styled_height = 1000
        self._unsubscribe = controller.subscribe(self._on_event)
        self._jumped(clock.case_time())
        for message in controller.problems:  # failures before this window listened
            self.show_system_problem(message)

    # ------------------------------------------------------------------ events

    def _on_event(self, ev: SessionEvent) -> None:
        if isinstance(ev, Tick):
            self.draw(ev.t, ev.wall)
        elif isinstance(ev, AlarmChanges):
            if ev.changes:
                self.history.add_changes(list(ev.changes))
            self._show_alarms(self.controller.clock.wall_time())
        elif isinstance(ev, CourseChanged):
            self._set_course(ev.course)
        elif isinstance(ev, Seeked):
            self._jumped(ev.t)
        elif isinstance(ev, ActionApplied):
            if not ev.more:  # one redraw for a whole apply_many()
                self._applied(ev.action)
        elif isinstance(ev, ActionRefused):
            if ev.action.actor.display == self.display and self.role is not Role.MIRROR:
                self.alarm_bar.status.setText(ev.reason)
                if self.limits_dialog is not None and self.limits_dialog.isVisible():
                    self.limits_dialog.show_refusal(ev.reason)
        elif isinstance(ev, SystemProblem):
            self.show_system_problem(ev.message)

    def _applied(self, action: Action) -> None:
        """Show an action at once, not at the next frame."""
        wall = self.controller.clock.wall_time()
        if action.kind in OPERATOR_KINDS:
            self._show_limits()
            self._show_alarms(wall)
        else:
            self._shown_second = None  # notes (speed, paused) and numerics redrawn
            self.draw(self.controller.case_time(), wall, force=True)

    def detach(self) -> None:
        """Stop following the controller (the window is going away)."""
        self._unsubscribe()

    # ------------------------------------------------------------------ trends, screen

    @property
    def trends(self) -> TrendView:
        """The trend review (objectName `panel.trends`), made on first use at the case's
        present course and time; hidden until opened."""
        if self._trends is None:
            # Imported here: pyqtgraph (the review's plots) is about 0.3 s of start-up
            # that a monitor whose review is never opened need not wait for.
            from .trend_view import TrendView

            c = self.controller
            # The limits through the controller each time: it may rebuild its alarm engine.
            view = TrendView(c.course, self, profile=c.profile,
                             limits=lambda p: c.alarms.limits(p),
                             bedside=self.role is Role.MONITOR)
            view.setVisible(False)
            view.close_button.clicked.connect(lambda: self.show_trends(False))
            grid, rows = self._trend_slot
            grid.addWidget(view, 0, 0, rows, 1)
            view.note_time(c.case_time())
            self._trends = view
        return self._trends

    @property
    def trends_made(self) -> TrendView | None:
        """The trend review if it was made (asking `trends` makes it)."""
        return self._trends

    def show_trends(self, on: bool) -> None:
        """Open (or close) the trend review over the waveforms; the numerics stay."""
        if self.role is Role.MIRROR or on != self.trends.isHidden():
            return
        shown = self._screen.strips if self._screen is not None else set(self.strips)
        for waveform, strip in self.strips.items():
            strip.setVisible(not on and waveform in shown)
        self.trends.setVisible(on)
        if self.trends_button.isChecked() != on:
            self.trends_button.setChecked(on)
        if on:
            self._trend_throttle.mark(self.controller.clock.wall_time())
            self.trends.show_time(self.controller.case_time())
            self.trends.setFocus()
        else:
            self.setFocus()

    def toggle_fullscreen(self) -> None:
        w = self.window()
        w.showNormal() if w.isFullScreen() else w.showFullScreen()

    # ------------------------------------------------------------------ case changes

    def _jumped(self, t: float) -> None:
        """Case time jumped: whole sweeps of the new moment, everything redrawn."""
        self._display_t = t
        self._shown_second = None
        self._numeric_throttle.reset()
        self._trend_throttle.reset()
        fast = self._morphology_mode()
        for strip in self.strips.values():
            strip.set_realtime_morphology(fast)
            strip.prefill(int(math.floor(t * strip.rate)))
        self._show_limits()
        self.draw(t, self.controller.clock.wall_time(), force=True)

    def refill_strips(self) -> None:
        """Redraw every strip as a whole sweep ending now (a screenshot after a jump of
        case time shows only current waveforms, none left over from earlier)."""
        t = self.controller.case_time()
        for strip in self.strips.values():
            d = int(math.floor(self._display_t * strip.rate))
            offset = int(math.floor(t * strip.rate)) - d if strip._realtime_morphology else 0
            strip.prefill(d, offset)
        if self._trends is not None:
            self._trends.update_alarm_bars_now()

    def _set_course(self, course: Course) -> None:
        """Disturbances changed: same clock, new values from now on."""
        for strip in self.strips.values():
            strip.set_course(course)
        if self.role is not Role.MIRROR and self._trends is not None:
            self._trends.set_course(course)
        self.plan = ScreenPlan(course, self._rows)  # a disturbance may start a drug
        self._shown_second = None

    # ------------------------------------------------------------------ frame

    def _alive_while_paused(self) -> bool:
        """The bedside monitor never gives a pause away: it keeps sweeping the frozen
        moment, unless the instructor froze the screen."""
        c = self.controller
        return (self.role is not Role.DEMO and not c.clock.playing
                and not c.freeze_screen)

    def _morphology_mode(self) -> bool:
        return self.controller.clock.speed > TRUE_TIME_MAX_SPEED or self._alive_while_paused()

    def draw(self, t: float, wall: float, force: bool = False) -> None:
        """One display frame at case time t: draw what changed since the last one."""
        if not self._frame_throttle.take(wall, force=force):
            return
        clock = self.controller.clock
        wall_dt = max(0.0, wall - self._last_wall)
        self._last_wall = wall
        if self._alarms_due(wall):
            self._show_alarms(wall)
        alive_paused = self._alive_while_paused()
        if alive_paused and self._paused_since_wall is None:
            self._paused_since_wall = wall
        elif not alive_paused:
            self._paused_since_wall = None
        morphology = self._morphology_mode()
        if morphology:
            if clock.playing or self._alive_while_paused():
                self._display_t += wall_dt
        else:
            self._display_t = t
        for strip in self.strips.values():
            if strip._realtime_morphology != morphology:
                strip.set_realtime_morphology(morphology)
            strip.show_until(t, self._display_t)
        self._update_numerics(t, wall)
        if self._paused_since_wall is not None:
            # Through a pause (and the pre-brief) the clock holds at the case time while
            # the waveforms keep sweeping: running it on would show a time the case
            # then contradicts, stepping back at resume or Start.
            self.banner.show_time(t)
        if self.controls is not None:
            self.controls.show_state(t, clock.playing, clock.speed)
        trends = self._trends
        if trends is None:
            pass  # never opened: made at the present moment when it is
        elif trends.isHidden():
            trends.note_time(t)  # closed: no sampling, no drawing
        elif self._trend_throttle.take(wall, force=force):
            trends.show_time(t)

    def _update_numerics(self, t: float, wall: float) -> None:
        clock = self.controller.clock
        second = math.floor(t)
        if second == self._shown_second:
            return
        if clock.speed > 1 and not self._numeric_throttle.due(wall):
            return
        self._shown_second = second
        self._numeric_throttle.mark(wall)
        frame = Frame(self.controller.monitor.latest, self.controller.course, t, wall)
        self._show_screen(self.plan.at(t, frame.values, frame.flags))
        for panel in self.panels:
            panel.refresh(frame)
        self._show_note()

    def _show_screen(self, state: ScreenState) -> None:
        """Show the devices, drugs and rows the patient has now (at most once a case
        second, with the numerics); widgets are touched only when that changes."""
        if state == self._screen:
            return
        old = self._screen
        self._screen = state
        if self.ecmo is not None and (old is None or old.ecmo != state.ecmo):
            self.ecmo.setVisible(state.ecmo)
            self.banner.set_ecmo_connected(state.ecmo)
        if old is None or old.ecmo != state.ecmo:
            on = (self.ecmo is not None and state.ecmo) or self.role is not Role.MIRROR
            self._right.setVisible(on)
        if old is None or old.ventilator != state.ventilator:
            self.vent.setVisible(state.ventilator)
            self.oxygen.setVisible(not state.ventilator)
            # The drugs ride on the ventilator's settings line while it is shown (side
            # by side they made the window 160 px wider than any screen part allows),
            # beside the oxygen therapy otherwise.
            self._drugs_in.removeWidget(self.drugs)
            if state.ventilator:
                self._drugs_in = self.vent.hold(self.drugs)
            else:
                self._therapy.insertWidget(2, self.drugs)
                self._drugs_in = self._therapy
        self.drugs.show_drugs(state.drugs)
        # Its fonts from the window's stylesheet now, not at some later polish: the line
        # is laid out for the real text width at once (no digit of a dose clipped).
        self.drugs.ensurePolished()
        for field in self.drugs.fields.values():
            field.updateGeometry()
        self.drugs.updateGeometry()
        if old is None or (old.rows, old.strips, old.tiles) != (state.rows, state.strips,
                                                                 state.tiles):
            trends_open = self._trends is not None and not self._trends.isHidden()
            for waveform, widgets in self._row_widgets.items():
                on = waveform in state.rows
                traced = on and waveform in state.strips
                strip, tiles = widgets[0], widgets[1:]
                # Under an open trend review the strips stay hidden; their tiles not.
                strip.setVisible(traced and not trends_open)
                for spec, tile in zip(self._row_specs[waveform].tiles, tiles, strict=True):
                    tile.setVisible(on and spec.channels[0] in state.tiles)
                # A hidden row takes no height, a row without its trace only what its
                # tiles need: the traces share the screen.
                self._left.setRowStretch(self._row_index[waveform], 1 if traced else 0)

    def _show_note(self) -> None:
        clock = self.controller.clock
        if self.role is Role.DEMO:
            note = ""
            if clock.speed > TRUE_TIME_MAX_SPEED:
                note = (f"Replay {speed_text(clock.speed)}: waveforms sweep at 25 mm/s "
                        "showing current morphology")
            elif clock.speed != 1:
                note = f"Replay {speed_text(clock.speed)}: waveforms at case time"
            if not clock.playing:
                note = "PAUSED" + (f" · {note}" if note else "")
            if self.controls is not None and self.controls.speed_note.text() != note:
                self.controls.speed_note.setText(note)
            return
        # Bedside and mirror: nothing about the instructor's clock, unless frozen.
        frozen = self.controller.freeze_screen and not clock.playing
        note = "PAUSED by the instructor" if frozen else ""
        if self.note.text() != note:
            self.note.setText(note)
            self.note.setVisible(bool(note))

    # ------------------------------------------------------------------ paint

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        h = self.height()
        if abs(h - self._styled_height) > 40:
            self._styled_height = h
            self.setStyleSheet(stylesheet(h))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.detach()
        super().closeEvent(event)
