"""One waveform strip in sweep mode: a fixed x axis, a circular buffer and an erase bar.

Like a bedside monitor, new samples are written at the cursor, which moves left to
right at the strip's paper speed and wraps; a short blank gap ahead of the cursor
erases the previous sweep. A frame repaints only the few millimetres it changed,
drawing the samples inside them as a polyline copied from the sweep buffer in one go
(rebuilding QPainterPaths of whole chunks each frame cost about twice as much).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from replay_data.catalogue import WaveformSignal
from replay_data.course import Course

from .panel import Frame
from .polyline import PolylinePainter
from .waveform_feed import WaveformFeed

# Sweep widths are whole multiples of this, so that every signal rate (250, 125,
# 62.5 Hz) has a whole number of samples per sweep and strips at the same paper
# speed keep their cursors aligned.
SWEEP_QUANTUM_S = 0.08
ERASE_GAP_S = 0.3
MM_PER_INCH = 25.4
_BLACK = QtGui.QColor("#000000")


class SweepCanvas(QtWidgets.QWidget):
    """Paints the strip's trace chunks directly. A frame changes a few millimetres around
    the cursor, so only that rectangle is repainted, and only the chunks crossing it are
    drawn (a whole plot scene per strip per frame costs several times more)."""

    def __init__(self, strip: SweepStrip) -> None:
        super().__init__(strip)
        self.strip = strip
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Ignored)
        self.pen = QtGui.QPen(QtGui.QColor(strip.signal.colour))
        self.pen.setCosmetic(True)  # 1 px whatever the scale: no antialiased thick lines
        self.pen.setWidth(1)
        self._transform_key: tuple[int, int, float] | None = None
        self._transform_cache = QtGui.QTransform()
        self._polyline = PolylinePainter()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        # Opaque widgets are not repainted whole on resize by Qt; the trace scales with
        # the width, so all of it must be drawn again.
        super().resizeEvent(event)
        self.update()

    def x_to_px(self, x: float) -> float:
        return x / self.strip.sweep_seconds * self.width()

    def update_span(self, x0: float, x1: float) -> None:
        a = int(math.floor(self.x_to_px(x0))) - 2
        b = int(math.ceil(self.x_to_px(x1))) + 2
        self.update(QtCore.QRect(a, 0, b - a, self.height()))

    def _transform(self) -> QtGui.QTransform:
        """Data (seconds into the sweep, signal units) to pixels; a 4 % margin keeps peaks
        off the edges. Worked out again only when the size or the sweep changes."""
        key = (self.width(), self.height(), self.strip.sweep_seconds)
        if key != self._transform_key:
            w, h, seconds = key
            lo, hi = self.strip.signal.range
            margin = 0.04 * h
            sx = w / seconds
            sy = -(h - 2 * margin) / (hi - lo)
            self._transform_key = key
            self._transform_cache = QtGui.QTransform(sx, 0, 0, sy, 0, h - margin - lo * sy)
        return self._transform_cache

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        strip = self.strip
        p = QtGui.QPainter(self)
        p.fillRect(event.rect(), _BLACK)
        p.setTransform(self._transform())
        p.setPen(self.pen)
        # No setClipRect: Qt already clips to the update region (the new samples at the
        # cursor and what the erase gap blanked ahead of it), and a clip set after
        # setTransform would be read in data units. The samples drawn reach one past each
        # edge of the rectangle, so that the lines crossing its edges are drawn too.
        rect = event.rect()
        per_px = strip.rate * strip.sweep_seconds / max(1, self.width())
        a = max(0, int(rect.left() * per_px) - 1)
        b = min(strip._n, int(math.ceil((rect.right() + 1) * per_px)) + 2)
        self._polyline.draw(p, strip._xy, a, b)
        p.end()


class SweepStrip(QtWidgets.QFrame):
    """Strip for one signal; objectName `waveform.<signal>`."""

    def __init__(self, signal: WaveformSignal, course: Course,
                 parent: QtWidgets.QWidget | None = None, *,
                 status: tuple[tuple[str, str], ...] = (),
                 sweep_s: float | None = None) -> None:
        super().__init__(parent)
        self.signal = signal
        # A monitor sweeps at the signal's paper speed (mm/s, so a wider strip shows more
        # seconds); a ventilator's screen shows a fixed time window whatever its width.
        self.fixed_sweep_s = sweep_s
        # Sample flag -> text over the strip while its sensor is off (monitor_layout).
        self.status_texts = status
        self.setObjectName(f"waveform.{signal.id}")
        self.setAccessibleName(f"{signal.label} waveform")
        self.setProperty("role", "strip")
        self.feed = WaveformFeed(course, signal.id, signal.rate)
        self.rate = signal.rate

        self.plot = SweepCanvas(self)
        self.plot.setObjectName(f"waveform.{signal.id}.plot")

        self.title = QtWidgets.QLabel(signal.label, self)
        self.title.setObjectName(f"waveform.{signal.id}.label")
        self.title.setStyleSheet(f"color: {signal.colour}; font-weight: bold;")
        lo, hi = signal.range
        unit = f" {signal.unit}" if signal.unit else ""
        # The scale's top value at the top edge, its bottom value at the bottom edge (one
        # label "45\n\n0" put the 0 beside a tall strip's peaks).
        self.scale = QtWidgets.QLabel(f"{hi:g}{unit}" if signal.unit else "", self)
        self.scale.setObjectName(f"waveform.{signal.id}.scale")
        self.scale_low = QtWidgets.QLabel(f"{lo:g}" if signal.unit else "", self)
        self.scale_low.setObjectName(f"waveform.{signal.id}.scale_low")
        for lab in (self.scale, self.scale_low):
            lab.setStyleSheet(f"color: {signal.colour}; font-size: 9pt;")
        self.status = QtWidgets.QLabel("", self)
        self.status.setObjectName(f"waveform.{signal.id}.status")
        self.status.setStyleSheet("color: #ffffff; background: transparent; font-weight: bold;")
        self.status.setVisible(False)  # blank until a sensor is off (set_status)

        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

        self.sweep_seconds = sweep_s or 8.0
        self._n = 0
        self._xy = np.empty((0, 2))  # the sweep: (time in the sweep, value) per sample
        self._x = self._xy[:, 0]
        self._y = self._xy[:, 1]
        self._display_n: int | None = None  # last written display sample index
        self._offset_n = 0  # case sample index = display index + offset (morphology mode)
        self._realtime_morphology = False
        self._build_buffer(self.sweep_seconds)

    # ------------------------------------------------------------------ geometry

    def px_per_mm(self) -> float:
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        dpi = screen.logicalDotsPerInchX() if screen else 96.0
        return max(dpi, 72.0) / MM_PER_INCH

    def _build_buffer(self, seconds: float) -> None:
        self.sweep_seconds = seconds
        self._n = max(16, int(round(seconds * self.rate)))
        self.sweep_seconds = self._n / self.rate
        # One (n, 2) array, as a QPolygonF holds its points: a run of it is copied into
        # a polygon in one go.
        self._xy = np.empty((self._n, 2))
        self._x, self._y = self._xy[:, 0], self._xy[:, 1]
        self._x[:] = np.arange(self._n, dtype=np.float64) / self.rate
        self._y[:] = np.nan
        self._display_n = None
        self.plot.update()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fixed_sweep_s is not None:
            seconds = self.fixed_sweep_s
        else:
            width_mm = max(10.0, self.width() / self.px_per_mm())
            seconds = max(1, round(width_mm / self.signal.sweep_mm_s / SWEEP_QUANTUM_S)) \
                * SWEEP_QUANTUM_S
        if abs(seconds - self.sweep_seconds) > 0.05:
            last = self._display_n
            self._build_buffer(seconds)
            if last is not None:
                self.prefill(last, self._offset_n)
        fm = self.fontMetrics()
        self.title.move(6, 2)
        self.title.adjustSize()
        self.scale.adjustSize()
        self.scale.move(self.width() - self.scale.width() - 6, 2)
        self.scale_low.adjustSize()
        self.scale_low.move(self.width() - self.scale_low.width() - 6,
                            max(2 + self.scale.height(),
                                self.height() - self.scale_low.height() - 2))
        self.status.adjustSize()
        self.status.move(int(self.width() * 0.35), max(2, (self.height() - fm.height()) // 2))

    # ------------------------------------------------------------------ data

    def set_course(self, course: Course) -> None:
        self.feed.set_course(course)

    def set_realtime_morphology(self, on: bool) -> None:
        self._realtime_morphology = on

    def _write(self, d0: int, d1: int) -> None:
        """Write display samples (d0, d1] at their buffer positions, then blank the erase
        gap ahead of them, and ask for the few millimetres that changed to be repainted."""
        if d1 <= d0:
            return
        n = self._n
        if d1 - d0 > n:
            d0 = d1 - n
        vals = self.feed.samples(d0 + 1 + self._offset_n, d1 + 1 + self._offset_n)
        if vals.size == 0:
            return
        start = (d0 + 1) % n
        self._put(start, vals)
        # The erase gap follows the new samples; only what this write erased needs
        # repainting (most of the gap was blank already). One span from the first new
        # sample to the last erased one: one update instead of two.
        gap = min(int(ERASE_GAP_S * self.rate), n - 1)
        g0 = (d1 + 1) % n
        reach = vals.size
        for a, b, offset in ((g0, min(n, g0 + gap), 0), (0, max(0, g0 + gap - n), n - g0)):
            if b <= a:
                continue
            drawn = np.flatnonzero(np.isfinite(self._y[a:b]))
            if drawn.size:
                self._y[a + drawn[0]:a + drawn[-1] + 1] = np.nan
                reach = vals.size + offset + int(drawn[-1]) + 1
        self._dirty(start, min(reach, n))

    def _put(self, start: int, vals: np.ndarray) -> None:
        k = min(vals.size, self._n - start)
        self._y[start:start + k] = vals[:k]
        self._y[:vals.size - k] = vals[k:]

    def _dirty(self, start: int, count: int) -> None:
        """Repaint buffer positions [start, start + count) (wrapping), with the lines
        that join them to the samples either side."""
        n = self._n
        end = start + count
        x = self._x
        if end <= n:
            self.plot.update_span(x[max(0, start - 1)], x[min(n - 1, end)])
        else:
            self.plot.update_span(x[max(0, start - 1)], x[n - 1])
            self.plot.update_span(x[0], x[min(n - 1, end - n)])

    def prefill(self, display_n: int, offset_n: int = 0) -> None:
        """Fill a whole sweep ending at display sample display_n (after a seek)."""
        self._offset_n = offset_n
        self._y[:] = np.nan
        self._display_n = display_n - self._n + int(ERASE_GAP_S * self.rate)
        self._write(self._display_n, display_n)
        self._display_n = display_n
        self.plot.update()

    def show_until(self, case_t: float, display_t: float) -> None:
        """Advance the sweep to display time `display_t`; samples come from case time
        `case_t` (true-time mode: the two are equal)."""
        d = int(math.floor(display_t * self.rate))
        if not self._realtime_morphology:
            offset = 0
        else:
            offset = self._offset_n
            # A new sweep picks up the case where it is now: the morphology shown is
            # current, each sweep contiguous.
            if self._display_n is None or d // self._n != self._display_n // self._n:
                offset = int(math.floor(case_t * self.rate)) - d
        if self._display_n is None or d < self._display_n or d - self._display_n > self._n \
                or offset != self._offset_n and not self._realtime_morphology:
            self.prefill(d, offset)
            return
        if offset != self._offset_n:
            # Write the rest of this sweep with the old offset, the new one after the wrap.
            wrap = (d // self._n) * self._n - 1
            self._write(self._display_n, wrap)
            self._display_n = wrap
            self._offset_n = offset
        self._write(self._display_n, d)
        self._display_n = d

    def refresh(self, frame: Frame) -> None:
        """The strip's status line from the sample's flags (its sensor off); the trace
        itself is drawn every frame by show_until."""
        if self.status_texts:
            flags = frame.flags
            self.set_status(next((text for flag, text in self.status_texts if flag in flags),
                                 ""))

    def set_status(self, text: str) -> None:
        if text == self.status.text():
            return
        self.status.setText(text)
        self.status.adjustSize()
        # Hidden while blank: an empty label over the trace was still repainted each time
        # the cursor passed under it.
        self.status.setVisible(bool(text))

    def visible_trace(self) -> np.ndarray:
        """The samples on screen now (for tests)."""
        return self._y.copy()

    def drawn_since_erase(self) -> tuple[np.ndarray, np.ndarray]:
        """(case time, value) of the samples on screen in time order, from just past the
        erase gap to the cursor: what the strip shows of the last sweep (for tests)."""
        if self._display_n is None:
            return np.empty(0), np.empty(0)
        gap = int(ERASE_GAP_S * self.rate)
        d = np.arange(self._display_n - self._n + gap + 1, self._display_n + 1)
        return (d + self._offset_n) / self.rate, self._y[d % self._n]


