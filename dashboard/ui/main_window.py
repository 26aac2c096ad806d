"""The bedside monitor window: waveforms left, numerics beside them, the ECMO console and
results on the right, trends and replay controls below.

The window reads the course and the clock and draws; it holds no clinical numbers.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms import AlarmEngine, AlarmOffRefused, AlarmSignal
from dashboard.core.clock import ReplayClock
from dashboard.core.monitor import BedsideMonitor
from replay_data.course import Course

from .alarm_audio import AlarmAudio, SilentAudio
from .alarm_bar import PRIORITY_COLOURS, AlarmBar, flash_on
from .alarm_history import AlarmHistory
from .banner import PatientBanner
from .controls import ReplayControls, speed_text
from .ecmo_panel import EcmoPanel, VentilatorStrip
from .limits_dialog import LimitsDialog
from .results_panel import ResultsPanel
from .sweep_strip import SweepStrip
from .theme import stylesheet
from .tiles import NumericTile
from .trend_view import TrendView

# Strips and the tiles beside them, top to bottom (ECG on top, as on every monitor).
STRIP_ROWS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("ecg_ii", (("HR", ("hr",)),)),
    ("pleth", (("SpO2", ("spo2",)),)),
    ("abp", (("ART", ("abp_sys", "abp_dia", "abp_mean")),)),
    ("cvp", (("CVP", ("cvp",)), ("Temp", ("temp",)))),
    ("co2", (("EtCO2", ("etco2",)), ("RR", ("rr",)))),
)
# Above this speed a sweep at true case time is a smear: the strips keep sweeping at
# paper speed and show the current morphology instead.
TRUE_TIME_MAX_SPEED = 2.0
# At fast replay the numbers still refresh like a monitor's, not every frame.
NUMERIC_MIN_INTERVAL_S = 0.25
TREND_MIN_INTERVAL_S = 0.5
# Alarm indicators are redrawn at 20 Hz: enough for 2 Hz flashing at 50 % duty
# (on/off edges within 50 ms), and a fraction of the cost of every frame.
ALARM_MIN_INTERVAL_S = 0.05
FRAME_INTERVAL_MS = 16


class MonitorWindow(QtWidgets.QWidget):
    """objectName `monitor`; build with a clock you control to drive it in tests."""

    def __init__(self, course: Course, clock: ReplayClock, monitor: BedsideMonitor | None = None,
                 parent: QtWidgets.QWidget | None = None, *, animate: bool = True,
                 audio: AlarmAudio | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitor")
        self.setWindowTitle(f"ICU monitor — {course.scenario.title} — TRAINING SIMULATOR")
        self.course = course
        self.clock = clock
        self.monitor = monitor or BedsideMonitor(course)
        self.alarms: AlarmEngine | None = self.monitor.alarms  # type: ignore[assignment]
        self.audio: AlarmAudio = audio or SilentAudio("MUTED")
        self.action_listeners: list = []  # trainee actions, for the session recording
        self.system_notes: list[str] = []  # simulator problems shown on the alarm bar
        self.clock_listeners: list = []  # play/pause/speed/seek, for the session recording
        self.frame_listeners: list = []  # called with the case time after each frame
        cat = course.catalogue
        self._display_t = clock.case_time()
        self._last_wall = clock.wall_time()
        self._last_numeric_wall = -math.inf
        self._last_trend_wall = -math.inf
        self._last_alarm_wall = -math.inf
        self._shown_second: int | None = None
        self._started = False

        self.banner = PatientBanner(course.scenario, self)
        self.strips: dict[str, SweepStrip] = {}
        self.tiles: dict[str, NumericTile] = {}
        left = QtWidgets.QGridLayout()
        left.setSpacing(0)
        left.setContentsMargins(0, 0, 0, 0)
        for row, (sig, tiles) in enumerate(STRIP_ROWS):
            strip = SweepStrip(cat.waveforms[sig], course, self)
            self.strips[sig] = strip
            left.addWidget(strip, row, 0)
            tile_box = QtWidgets.QHBoxLayout()
            tile_box.setSpacing(0)
            for title, ids in tiles:
                chans = [cat.numerics[c] for c in ids]
                tile = NumericTile(title, chans, chans[0].colour, self)
                tile.limits_requested.connect(self.open_limits)
                self.tiles[ids[0]] = tile
                tile_box.addWidget(tile)
            left.addLayout(tile_box, row, 1)
            left.setRowStretch(row, 1)
        left.setColumnStretch(0, 5)
        left.setColumnStretch(1, 2)
        self.vent = VentilatorStrip(cat, self)
        left.addWidget(self.vent, len(STRIP_ROWS), 0, 1, 2)

        self.ecmo = EcmoPanel(cat, self)
        self.results = ResultsPanel(cat, self)
        self.history = AlarmHistory(self)
        self.side_tabs = QtWidgets.QTabWidget(self)
        self.side_tabs.setObjectName("panel.side_tabs")
        self.side_tabs.addTab(self.results, "Results")
        self.side_tabs.addTab(self.history, "Alarm history")
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(4)
        right.addWidget(self.ecmo, 3)
        right.addWidget(self.side_tabs, 2)

        main = QtWidgets.QHBoxLayout()
        main.setSpacing(6)
        main.addLayout(left, 7)
        main.addLayout(right, 2)

        self.trends = TrendView(course, self,
                                profile=self.alarms.profile if self.alarms else None)
        self.controls = ReplayControls(course.scenario, self)
        self.controls.play_toggled.connect(self.toggle_play)
        self.controls.speed_chosen.connect(self.set_speed)
        self.controls.seek_requested.connect(self.seek)

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 0, 4, 2)
        root.setSpacing(3)
        root.addWidget(self.banner, 0)
        self.alarm_bar = AlarmBar(self)
        self.alarm_bar.acknowledge_clicked.connect(self.acknowledge)
        self.alarm_bar.audio_pause_clicked.connect(self.audio_pause)
        self.alarm_bar.alarm_pause_clicked.connect(self.alarm_pause)
        self.alarm_bar.audio_off_toggled.connect(self.audio_off)
        self.alarm_bar.limits_clicked.connect(lambda: self.open_limits())
        self.alarm_bar.setVisible(self.alarms is not None)
        root.addWidget(self.alarm_bar, 0)
        root.addLayout(main, 1)
        root.addWidget(self.trends, 0)
        root.addWidget(self.controls, 0)

        self._install_keys()
        self.setStyleSheet(stylesheet(1000))
        self._styled_height = 1000
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(FRAME_INTERVAL_MS)
        self.timer.timeout.connect(self.frame)
        if animate:
            self.timer.start()
        self.seek(clock.case_time())

    # ------------------------------------------------------------------ input

    def _install_keys(self) -> None:
        """Monitor keys. Handled in keyPressEvent rather than QShortcut so that they work
        whenever the monitor has focus, also offscreen where no window is 'active'."""
        k, m = QtCore.Qt.Key, QtCore.Qt.KeyboardModifier
        self._keys = {
            (k.Key_Space, False): self.toggle_play,
            (k.Key_Left, False): lambda: self.step(-10),
            (k.Key_Right, False): lambda: self.step(10),
            (k.Key_Left, True): lambda: self.step(-600),
            (k.Key_Right, True): lambda: self.step(600),
            (k.Key_BracketLeft, False): self.slower,
            (k.Key_BracketRight, False): self.faster,
            (k.Key_Home, False): lambda: self.seek(self.course.scenario.start),
            (k.Key_End, False): lambda: self.seek(self.course.scenario.end),
            (k.Key_F11, False): self.toggle_fullscreen,
            (k.Key_A, False): self.acknowledge,
            (k.Key_S, False): self.audio_pause,
            (k.Key_P, False): self.alarm_pause,
            (k.Key_L, False): lambda: self.open_limits(),
        }
        self._shift = m.ShiftModifier
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802
        shift = bool(event.modifiers() & self._shift)
        action = self._keys.get((event.key(), shift)) or self._keys.get((event.key(), False))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def _clock_action(self, action: str, **fields: object) -> None:
        t = self.clock.case_time()
        for listener in self.clock_listeners:
            listener(t, action, fields)

    def toggle_play(self) -> None:
        self.clock.toggle()
        self._clock_action("play" if self.clock.playing else "pause")
        self.frame()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        self._clock_action("speed", value=self.clock.speed)
        self.frame()

    def faster(self) -> None:
        self.clock.faster()
        self._clock_action("speed", value=self.clock.speed)
        self.frame()

    def slower(self) -> None:
        self.clock.slower()
        self._clock_action("speed", value=self.clock.speed)
        self.frame()

    def step(self, seconds: float) -> None:
        self.seek(self.clock.case_time() + seconds)

    def toggle_fullscreen(self) -> None:
        w = self.window()
        w.showNormal() if w.isFullScreen() else w.showFullScreen()

    # ------------------------------------------------------------------ alarm keys

    def _operator(self, action: str, call, **fields) -> None:  # noqa: ANN001
        if self.alarms is None:
            return
        t = self.clock.case_time()
        try:
            changes = call(t)
        except AlarmOffRefused as exc:
            self.alarm_bar.status.setText(str(exc))
            return
        self.history.add_changes(changes)
        for listener in self.action_listeners:
            listener(t, action, fields)
        self._show_alarms(self.clock.wall_time())

    def acknowledge(self) -> None:
        self._operator("acknowledge", lambda t: self.alarms.acknowledge(t))

    def audio_pause(self) -> None:
        self._operator("audio_pause", lambda t: self.alarms.audio_pause(t))

    def alarm_pause(self) -> None:
        self._operator("alarm_pause", lambda t: self.alarms.alarm_pause(t))

    def audio_off(self, on: bool) -> None:
        self._operator("audio_off", lambda t: self.alarms.audio_off(t, on), on=on)

    def open_limits(self, parameter: str | None = None) -> LimitsDialog | None:
        """The limits dialog for one parameter (non-modal, so the monitor keeps running)."""
        if self.alarms is None:
            return None
        params = [p for p in self.alarms.profile.parameters]
        dlg = LimitsDialog(self.alarms, self.course.catalogue, params, parameter, self)
        dlg.case_time = self.clock.case_time()

        def applied() -> None:
            p = dlg.parameter.currentData()
            low, high = self.alarms.limits(p)
            for listener in self.action_listeners:
                for target, off in dlg.switched:
                    listener(dlg.case_time, "alarm_off", {"target": target, "on": off})
                listener(dlg.case_time, "limits", {"parameter": p, "low": low, "high": high})
            self._show_limits()
            self._show_alarms(self.clock.wall_time())

        dlg.apply_button.clicked.connect(applied)
        dlg.show()
        return dlg

    def show_system_problem(self, message: str) -> None:
        """A technical problem of the simulator itself (e.g. the alarm log cannot be
        written): shown on the alarm bar for as long as the session runs."""
        self.system_notes.append(message)
        self._show_alarms(self.clock.wall_time())

    def _show_limits(self) -> None:
        if self.alarms is None:
            return
        for cid, tile in self.tiles.items():
            if cid in self.alarms.profile.parameters:
                low, high = self.alarms.limits(cid)
                tile.show_limits(low, high, self.course.catalogue.numerics[cid].precision)

    def _show_alarms(self, wall: float) -> None:
        if self.alarms is None:
            return
        active = self.alarms.active_alarms()
        profile = self.alarms.profile
        note = " · ".join([*self.system_notes, self.audio.note] if self.system_notes
                          else [self.audio.note])
        self.alarm_bar.show_state(active, self.alarms.status(), wall, note, profile)
        # The offending tile flashes in the colour of its highest-priority alarm.
        by_channel: dict[str, AlarmSignal] = {}
        for a in active:
            if a.channel and a.channel not in by_channel:
                by_channel[a.channel] = a
        colours: dict[str, str | None] = {}
        for cid, a in by_channel.items():
            lit = a.state.value != "acknowledged" and flash_on(a.priority, wall, profile)
            colours[cid] = PRIORITY_COLOURS[a.priority] if lit else None
        self.ecmo.set_alarms(colours)
        for tile in self.tiles.values():
            alarm = next((by_channel[c.id] for c in tile.channels if c.id in by_channel), None)
            if alarm is None or alarm.state.value == "acknowledged":
                tile.set_alarm(None)
            else:
                lit = flash_on(alarm.priority, wall, profile)
                tile.set_alarm(PRIORITY_COLOURS[alarm.priority] if lit else None)
        self.audio.play(self.alarms.audible_alarm())

    def seek(self, t: float) -> None:
        """Jump anywhere: values are a pure function of time, so this is instant."""
        if self._started:  # the opening seek is the session's start, not an action
            self._clock_action("seek", target=float(t))
        self._started = True
        self.clock.seek(t)
        t = self.clock.case_time()
        self.monitor.seek(t)
        self._display_t = t
        self._shown_second = None
        self._last_numeric_wall = -math.inf
        self._last_trend_wall = -math.inf
        for strip in self.strips.values():
            strip.set_realtime_morphology(self.clock.speed > TRUE_TIME_MAX_SPEED)
            strip.prefill(int(math.floor(t * strip.rate)))
        self.frame()

    def refill_strips(self) -> None:
        """Redraw every strip as a whole sweep ending now (a screenshot after a jump of
        case time shows only current waveforms, none left over from earlier)."""
        t = self.clock.case_time()
        for strip in self.strips.values():
            d = int(math.floor(self._display_t * strip.rate))
            offset = int(math.floor(t * strip.rate)) - d if strip._realtime_morphology else 0
            strip.prefill(d, offset)
        self.trends.update_alarm_bars_now()

    def set_course(self, course: Course) -> None:
        """Perturbations changed: same clock, new values."""
        self.course = course
        self.monitor.set_course(course)
        for strip in self.strips.values():
            strip.set_course(course)
        self.trends.set_course(course)
        self._shown_second = None
        # No seek: the change starts now, so history (and the alarm engine's state) up to
        # now is unchanged; only what is computed from here on differs.
        self.frame()

    # ------------------------------------------------------------------ frame

    def frame(self) -> None:
        """One display frame: advance the monitor to the clock and draw what changed."""
        t = self.clock.case_time()
        wall = self.clock.wall_time()
        wall_dt = max(0.0, wall - self._last_wall)
        self._last_wall = wall
        self.monitor.advance_to(t)
        changes = self.monitor.take_changes()
        if changes:
            self.history.add_changes(changes)
        if changes or wall - self._last_alarm_wall >= ALARM_MIN_INTERVAL_S \
                or wall < self._last_alarm_wall:
            self._last_alarm_wall = wall
            self._show_alarms(wall)
        fast = self.clock.speed > TRUE_TIME_MAX_SPEED
        if fast:
            if self.clock.playing:
                self._display_t += wall_dt
        else:
            self._display_t = t
        for strip in self.strips.values():
            if strip._realtime_morphology != fast:
                strip.set_realtime_morphology(fast)
            strip.show_until(t, self._display_t)
        self._update_numerics(t, wall)
        self.controls.show_state(t, self.clock.playing, self.clock.speed)
        if wall - self._last_trend_wall >= TREND_MIN_INTERVAL_S:
            self._last_trend_wall = wall
            self.trends.show_time(t)
        for listener in self.frame_listeners:
            listener(t)

    def _update_numerics(self, t: float, wall: float) -> None:
        second = math.floor(t)
        if second == self._shown_second:
            return
        if self.clock.speed > 1 and wall - self._last_numeric_wall < NUMERIC_MIN_INTERVAL_S:
            return
        self._shown_second = second
        self._last_numeric_wall = wall
        sample = self.monitor.latest
        values = sample.values
        for tile in self.tiles.values():
            tile.show_values(values)
        self._show_limits()
        self.banner.show_time(t)
        latest = self.course.latest_results(t)
        self.ecmo.show_values(values, latest.get("act"), self.course.mode("ecmo_mode", t))
        self.vent.show_values(values, self.course.mode("vent_mode", t))
        self.results.show_results(latest)
        note = ""
        if self.clock.speed > TRUE_TIME_MAX_SPEED:
            note = (f"Replay {speed_text(self.clock.speed)}: waveforms sweep at 25 mm/s "
                    "showing current morphology")
        elif self.clock.speed != 1:
            note = f"Replay {speed_text(self.clock.speed)}: waveforms at case time"
        if not self.clock.playing:
            note = "PAUSED" + (f" · {note}" if note else "")
        if self.controls.speed_note.text() != note:
            self.controls.speed_note.setText(note)
        flags = sample.flags
        self.strips["ecg_ii"].set_status("ECG LEADS OFF" if "ecg_leads_off" in flags else "")
        self.strips["pleth"].set_status("SpO2 PROBE OFF" if "spo2_probe_off" in flags else "")

    # ------------------------------------------------------------------ paint

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        h = self.height()
        if abs(h - self._styled_height) > 40:
            self._styled_height = h
            self.setStyleSheet(stylesheet(h))
