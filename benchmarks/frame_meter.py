"""Counting painted frames the same way for any Qt program (a helper of the benchmarks).

A painted frame is a burst of Paint events, on any widget of the application, delivered
within one pass of the event loop (between two moments the loop goes to sleep). An
application-wide event filter sees every Paint event; the event dispatcher's aboutToBlock
closes the burst. The CPU figure is the process's CPU time (time.process_time), so
everything the program does between frames is charged to its frames.

Nothing here knows the dashboard: the same meter counts the reference scene
(reference_scene.py), the dashboard's windows and AnaSim's monitor window, so their
figures compare within one run on one machine.

--profile (Profiler) also times each widget's paint events (per class and objectName):
it overrides QApplication.notify, which costs a Python call per event, so its figures
say where the paint time goes, not what a frame costs.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6 import QtCore, QtWidgets

PAINT = QtCore.QEvent.Type.Paint


@dataclass
class Segment:
    """One measured stretch of one scene: bursts, wall and CPU seconds."""

    name: str
    bursts: int
    wall: float
    cpu: float
    burst_cpu: list[float] = field(default_factory=list)  # CPU from burst end to burst end

    @property
    def cpu_per_frame_ms(self) -> float:
        return self.cpu / max(1, self.bursts) * 1000.0


def widget_key(obj: QtCore.QObject) -> str:
    """Class#objectName of a widget, or of its nearest named ancestor for unnamed ones
    (a QLabel inside #hr_tile reads "QLabel in #hr_tile")."""
    name = obj.objectName()
    cls = type(obj).__name__
    if name:
        return f"{cls}#{name}"
    p = obj.parent()
    while p is not None:
        if p.objectName():
            return f"{cls} in #{p.objectName()}"
        p = p.parent()
    return cls


class FrameMeter(QtCore.QObject):
    """Counts Paint bursts (frames) while `recording`; optionally per widget."""

    def __init__(self, app: QtWidgets.QApplication) -> None:
        super().__init__()
        self.recording = False
        self.in_burst = False
        self.bursts = 0
        self.burst_ends: list[float] = []
        self.first_paint: dict[str, float] = {}
        self.watch: Callable[[QtCore.QObject], str | None] | None = None
        self.paints_by_widget: dict[str, int] = defaultdict(int)
        self.count_widgets = False
        app.installEventFilter(self)
        QtCore.QAbstractEventDispatcher.instance().aboutToBlock.connect(self._pass_end)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        if ev.type() == PAINT:
            if self.recording:
                self.in_burst = True
                if self.count_widgets:
                    self.paints_by_widget[widget_key(obj)] += 1
            if self.watch is not None:
                tag = self.watch(obj)
                if tag is not None and tag not in self.first_paint:
                    self.first_paint[tag] = time.perf_counter()
        return False

    def _pass_end(self) -> None:
        if self.in_burst:
            self.in_burst = False
            self.bursts += 1
            self.burst_ends.append(time.process_time())

    def measure(self, app: QtWidgets.QApplication, name: str, seconds: float) -> Segment:
        """Run the event loop for `seconds` and count what was painted."""
        self.bursts = 0
        self.burst_ends = []
        self.in_burst = False
        self.recording = True
        cpu0, wall0 = time.process_time(), time.perf_counter()
        run_for(app, seconds)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
        self.recording = False
        ends = self.burst_ends
        deltas = [b - a for a, b in zip(ends, ends[1:], strict=False)]
        return Segment(name, self.bursts, wall, cpu, deltas)


def run_for(app: QtWidgets.QApplication, seconds: float) -> None:
    """The event loop for `seconds` of wall time (processEvents(WaitForMoreEvents) sleeps
    until the next event as exec() does; the offscreen platform delivers no paint events
    inside a nested exec())."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


@dataclass
class Summary:
    """Alternating segments of each scene, summarised by scene."""

    name: str
    fps: float
    cpu_per_frame_ms: float  # median over segments of CPU / bursts
    cpu_per_s: float
    median_burst_cpu_ms: float  # median over all bursts of CPU from burst end to burst end

    def as_dict(self) -> dict[str, float | str]:
        return {"name": self.name, "fps": self.fps, "cpu_ms_per_frame": self.cpu_per_frame_ms,
                "cpu_s_per_s": self.cpu_per_s, "median_burst_cpu_ms": self.median_burst_cpu_ms}


def summarise(segments: list[Segment]) -> dict[str, Summary]:
    out: dict[str, Summary] = {}
    for name in dict.fromkeys(s.name for s in segments):
        mine = [s for s in segments if s.name == name]
        wall = sum(s.wall for s in mine)
        bursts = [d for s in mine for d in s.burst_cpu]
        out[name] = Summary(
            name,
            fps=sum(s.bursts for s in mine) / wall if wall else float("nan"),
            cpu_per_frame_ms=statistics.median(s.cpu_per_frame_ms for s in mine),
            cpu_per_s=sum(s.cpu for s in mine) / wall if wall else float("nan"),
            median_burst_cpu_ms=statistics.median(bursts) * 1000.0 if bursts else float("nan"),
        )
    return out


def alternate(app: QtWidgets.QApplication, meter: FrameMeter,
              scenes: dict[str, tuple[Callable[[], None], Callable[[], None]]],
              seconds: float, segment: float = 1.0, settle: float = 0.2) -> list[Segment]:
    """Measure each scene in turn, `segment` seconds at a time, until each has had
    `seconds`: only one scene's frame timer runs at a time (start(), stop()), so load
    that drifts on a shared machine falls on all scenes alike. The first `settle`
    seconds after each switch are not counted."""
    segments: list[Segment] = []
    rounds = max(1, round(seconds / segment))
    for _ in range(rounds):
        for name, (start, stop) in scenes.items():
            start()
            run_for(app, settle)
            segments.append(meter.measure(app, name, segment))
            stop()
    return segments


class ProfilingApp(QtWidgets.QApplication):
    """A QApplication that times every widget's paint events (notify override)."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.profiling = False
        self.paint_ms: dict[str, float] = defaultdict(float)
        self.paints: dict[str, int] = defaultdict(int)

    def notify(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        if not self.profiling or ev.type() != PAINT:
            return super().notify(obj, ev)
        t0 = time.perf_counter()
        r = super().notify(obj, ev)
        key = widget_key(obj)
        self.paint_ms[key] += (time.perf_counter() - t0) * 1000.0
        self.paints[key] += 1
        return r

    def report(self, wall: float, frames: int, top: int = 25) -> list[str]:
        rows = sorted(self.paint_ms.items(), key=lambda kv: -kv[1])[:top]
        lines = [f"{'widget (class#objectName)':58} {'paints/s':>9} {'ms/s':>7} "
                 f"{'ms/frame':>9}"]
        for key, ms in rows:
            lines.append(f"{key[:58]:58} {self.paints[key] / wall:9.1f} {ms / wall:7.2f} "
                         f"{ms / max(1, frames):9.3f}")
        return lines
