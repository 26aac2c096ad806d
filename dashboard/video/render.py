"""The bedside monitor filmed from a recording: a real MonitorWindow (the trainees' bedside
role, silent) shown offscreen, on a SessionController replaying the session's actions on a
hand-driven clock, painted frame by frame at the film's rate and handed to the encoder.

Each frame is at a wall-clock moment of the session (VideoTimeline): the controller is
moved on to the case time the room saw then, so the recorded actions -- the trainees'
acknowledges, the instructor's injections, seeks and speed changes -- are applied through
the dispatch at their case times, exactly as `--replay` does. A pause is the last frame
held, with a PAUSED mark (video_time.py says why not a cut).

Fast path: the window paints into its offscreen backing store (a QImage the platform
keeps), only what changed since the last frame (the sweep cursors, the numbers); the
frame is read from there as it is, no grab() (which repaints the whole window, 4x as
long). Ctrl-C and SIGTERM are noted and acted on between frames, never inside Qt's paint.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.actions import Action
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief.video_time import VideoTimeline, frame_count
from dashboard.ui.alarm_audio import SilentAudio
from dashboard.ui.main_window import MonitorWindow, Role
from dashboard.ui.screenshot import png_bytes
from replay_data.course import Course
from replay_data.interrupts import Terminated

STILL_WIDTH = 640  # px: a still beside its plot on A4


class Encoder:  # the interface of FrameEncoder and the tests' stand-ins (documentation)
    frames: int

    def write(self, bgra: np.ndarray | None, count: int = 1) -> None: ...  # (h, w, 4)
    def close(self) -> None: ...
    def abort(self) -> None: ...


@dataclass(frozen=True)
class FilmSpec:
    course: Course
    start: float  # the session's first case time
    speed: float  # its first speed (recorded changes follow through the feed)
    actions: Sequence[Action]  # the recording's replay_actions()
    timeline: VideoTimeline
    fps: int
    size: tuple[int, int]


class BedsideFilm:
    """The offscreen bedside and its controller, moved on one film frame at a time."""

    def __init__(self, spec: FilmSpec) -> None:
        self.spec = spec
        self.wall = ManualWall()
        c = self.controller = SessionController(spec.course, start=spec.start,
                                                speed=spec.speed, wall=self.wall)
        c.replay(spec.actions)
        # The bedside's own name, as its screen showed it (the display its trainees
        # acted from; the monitor role's name when they did nothing).
        display = next((a.actor.display for a in spec.actions
                        if a.actor.role == "trainee" and a.actor.display
                        and not a.actor.display.endswith("console")), Role.MONITOR.value)
        # Silent, with no note on the alarm bar: the room heard the bedside's tones, and
        # its screen showed no "muted" of ours.
        self.window = MonitorWindow(c, role=Role.MONITOR, display=display,
                                    audio=SilentAudio(""))
        w, h = spec.size
        # A size below what the monitor lays out in is painted at a whole multiple and
        # scaled down (a 640x400 film is the 1280x800 screen, halved).
        hint = self.window.minimumSizeHint()
        self.scale = 1
        while w * self.scale < hint.width() or h * self.scale < hint.height():
            self.scale += 1
        self.window.resize(w * self.scale, h * self.scale)
        self.window.show()
        self._segment = 0
        QtWidgets.QApplication.processEvents()

    def close(self) -> None:
        self.window.detach()
        self.window.close()
        self.controller.close()

    def move_to(self, elapsed: float) -> bool:
        """The controller at the case time the session showed `elapsed` wall seconds in;
        True when the clock ran there (False: held -- paused, pre-brief, ended)."""
        m = self.spec.timeline.at(elapsed)
        c = self.controller
        segments = self.spec.timeline.played.segments
        while self._segment < m.segment:
            # A seek or jump ends this stretch: play to where it was taken, and the
            # feed applies it there (the clock then stands at its target).
            end = segments[self._segment].t1
            c.advance(max(0.0, end - c.clock.case_time()), 1)
            self._segment += 1
        step = m.case_t - c.clock.case_time()
        if step > 0:
            c.advance(step, 1)
        return not m.paused

    def image(self) -> QtGui.QImage:
        """The frame as the window painted it (after the pending paints are done)."""
        QtWidgets.QApplication.processEvents()
        store = self.window.backingStore()
        img = store.paintDevice() if store is not None else None
        if not isinstance(img, QtGui.QImage) or img.isNull():
            img = self.window.grab().toImage()  # a platform without a raster store
        if img.format() != QtGui.QImage.Format.Format_RGB32:
            img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        w, h = self.spec.size
        if (img.width(), img.height()) != (w, h):
            img = img.scaled(w, h, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                             QtCore.Qt.TransformationMode.SmoothTransformation)
        return img


def bgra(img: QtGui.QImage) -> np.ndarray:
    """The image's pixels as (h, w, 4) BGRA, a view of them: the encoder takes them in
    before the store is painted again (FrameEncoder copies them into its frame)."""
    h, w = img.height(), img.width()
    rows = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return rows.reshape(h, img.bytesPerLine())[:, :w * 4].reshape(h, w, 4)


def paused_mark(img: QtGui.QImage) -> QtGui.QImage:
    """The held frame with PAUSED across its top: the room's clock ran on, the case not."""
    out = img.copy()
    p = QtGui.QPainter(out)
    w, h = out.width(), out.height()
    band = max(24, h // 12)
    p.fillRect(0, h // 2 - band // 2, w, band, QtGui.QColor(0, 0, 0, 170))
    font = p.font()
    font.setPixelSize(int(band * 0.6))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QtGui.QColor("#ffffff"))
    p.drawText(QtCore.QRect(0, h // 2 - band // 2, w, band),
               QtCore.Qt.AlignmentFlag.AlignCenter, "PAUSED")
    p.end()
    return out


def still_png(img: QtGui.QImage) -> bytes:
    small = img.scaledToWidth(min(STILL_WIDTH, img.width()),
                              QtCore.Qt.TransformationMode.SmoothTransformation)
    return png_bytes(small)


@contextlib.contextmanager
def signals_between_frames() -> Iterator[Callable[[], None]]:
    """Ctrl-C and SIGTERM noted and raised by the check it yields, between frames: raised
    inside a paint Qt called they would crash the process instead of ending the run."""
    got: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, _f: got.append(s))
                for sig in (signal.SIGINT, signal.SIGTERM)}

    def check() -> None:
        if got:
            raise KeyboardInterrupt if got[0] == signal.SIGINT else Terminated(got[0])

    try:
        yield check
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    check()


def render_film(spec: FilmSpec, encoder: Encoder, *, stills_at: Iterable[float] = (),
                progress: Callable[[int, int], None] | None = None) -> dict[float, bytes]:
    """Every frame of the session into `encoder` (closed at the end); the PNG stills at
    the video times asked for (each at the first frame at or after it)."""
    wanted = sorted(set(stills_at))
    stills: dict[float, bytes] = {}
    n = frame_count(spec.timeline.duration, spec.fps)
    film: BedsideFilm | None = None
    held = False
    # Ctrl-C noted from before the window is made until it is closed: raised inside a
    # paint or the window's making, it would crash the process (the film is open already).
    with signals_between_frames() as check:
        try:
            film = BedsideFilm(spec)
            for k in range(n):
                check()
                at = k / spec.fps
                ran = film.move_to(at)
                if ran or not held:
                    img = film.image()
                    while wanted and wanted[0] <= at + 1e-9:
                        stills[wanted.pop(0)] = still_png(img)
                    # The frame's QImage is held until written: bgra is a view of its
                    # pixels, which a temporary's would free before the encoder copied
                    # them (EFAULT, "Bad address", on a held paused frame).
                    frame = img if ran else paused_mark(img)
                    encoder.write(bgra(frame))
                    del frame
                    held = not ran
                else:
                    encoder.write(None)
                    while wanted and wanted[0] <= at + 1e-9:
                        stills[wanted.pop(0)] = still_png(film.image())
                if progress is not None:
                    progress(k + 1, n)
            encoder.close()
        except BaseException:
            encoder.abort()
            raise
        finally:
            if film is not None:
                film.close()
    return stills
