"""The bedside monitor window: waveforms left, numerics beside them, the ECMO console and
results on the right, trends and replay controls below.

The window reads the course and the clock and draws; it holds no clinical numbers.
"""

from __future__ import annotations

import math
import time

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.clock import ReplayClock
from dashboard.core.monitor import BedsideMonitor
from replay_data.course import Course

from .banner import PatientBanner
from .controls import ReplayControls, speed_text
from .ecmo_panel import EcmoPanel, VentilatorStrip
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
FRAME_INTERVAL_MS = 16


class MonitorWindow(QtWidgets.QWidget):
    """objectName `monitor`; build with a clock you control to drive it in tests."""

    case_time_changed = QtCore.Signal(float)

    def __init__(self, course: Course, clock: ReplayClock, monitor: BedsideMonitor | None = None,
                 parent: QtWidgets.QWidget | None = None, *, animate: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("monitor")
        self.setWindowTitle(f"ICU monitor — {course.scenario.title} — TRAINING SIMULATOR")
        self.course = course
        self.clock = clock
        self.monitor = monitor or BedsideMonitor(course)
        cat = course.catalogue
        self._display_t = clock.case_time()
        self._last_wall = clock.wall_time()
        self._last_numeric_wall = -math.inf
        self._last_trend_wall = -math.inf
        self._shown_second: int | None = None
        self.paint_times_ms: list[float] = []

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
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(4)
        right.addWidget(self.ecmo, 3)
        right.addWidget(self.results, 2)

        main = QtWidgets.QHBoxLayout()
        main.setSpacing(6)
        main.addLayout(left, 7)
        main.addLayout(right, 2)

        self.trends = TrendView(course, self)
        self.controls = ReplayControls(course.scenario, self)
        self.controls.play_toggled.connect(self.toggle_play)
        self.controls.speed_chosen.connect(self.set_speed)
        self.controls.seek_requested.connect(self.seek)

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 0, 4, 2)
        root.setSpacing(3)
        root.addWidget(self.banner, 0)
        self.alarm_area = QtWidgets.QVBoxLayout()
        root.addLayout(self.alarm_area, 0)
        root.addLayout(main, 1)
        root.addWidget(self.trends, 0)
        root.addWidget(self.controls, 0)

        self._install_shortcuts()
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

    def _install_shortcuts(self) -> None:
        keys = {
            "Space": self.toggle_play,
            "Left": lambda: self.step(-10),
            "Right": lambda: self.step(10),
            "Shift+Left": lambda: self.step(-600),
            "Shift+Right": lambda: self.step(600),
            "[": self.slower,
            "]": self.faster,
            "Home": lambda: self.seek(self.course.scenario.start),
            "End": lambda: self.seek(self.course.scenario.end),
            "F11": self.toggle_fullscreen,
        }
        for key, slot in keys.items():
            sc = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            sc.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)

    def toggle_play(self) -> None:
        self.clock.toggle()
        self.frame()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        self.frame()

    def faster(self) -> None:
        self.clock.faster()
        self.frame()

    def slower(self) -> None:
        self.clock.slower()
        self.frame()

    def step(self, seconds: float) -> None:
        self.seek(self.clock.case_time() + seconds)

    def toggle_fullscreen(self) -> None:
        w = self.window()
        w.showNormal() if w.isFullScreen() else w.showFullScreen()

    def seek(self, t: float) -> None:
        """Jump anywhere: values are a pure function of time, so this is instant."""
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

    def set_course(self, course: Course) -> None:
        """Perturbations changed: same clock, new values."""
        self.course = course
        self.monitor.set_course(course)
        for strip in self.strips.values():
            strip.set_course(course)
        self.trends.set_course(course)
        self._shown_second = None
        self.seek(self.clock.case_time())

    # ------------------------------------------------------------------ frame

    def frame(self) -> None:
        """One display frame: advance the monitor to the clock and draw what changed."""
        t = self.clock.case_time()
        wall = self.clock.wall_time()
        wall_dt = max(0.0, wall - self._last_wall)
        self._last_wall = wall
        self.monitor.advance_to(t)
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
        self.case_time_changed.emit(t)

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

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_times_ms.append((time.perf_counter() - start) * 1000.0)
