"""ReplayClock: the one place where wall time enters the replay.

Case time advances by measured wall time x speed while playing (never by a fixed step
per tick), so a slow frame does not slow the case down. Tests pass a hand-driven
`wall` function and move it themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 60, 600, 3600)


@dataclass
class ManualWall:
    """A wall clock for tests and headless runs: time moves only when told to."""
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ReplayClock:
    def __init__(self, start: float, end: float, *, speed: float = 1.0, playing: bool = True,
                 wall: Callable[[], float] = time.monotonic, begin: float = 0.0) -> None:
        if not begin <= start <= end:
            raise ValueError(f"start {start} outside {begin}..{end}")
        self._wall = wall
        self.begin = begin
        self.end = end
        self._speed = float(speed)
        self._playing = playing
        self._anchor_case = float(start)
        self._anchor_wall = wall()
        # follow(): a case time the clock holds at until its anchor catches up (None: no
        # hold). A follower's clock never shows a moment and then an earlier one.
        self._floor: float | None = None

    # The case time is computed from an anchor (case time at a wall instant), so
    # changing speed or pausing re-anchors instead of accumulating rounding.
    def _reanchor(self) -> None:
        # The anchor's own time, not a hold (follow()): the hold stays as it was.
        self._anchor_case = self._anchored_time()
        self._anchor_wall = self._wall()

    def _anchored_time(self) -> float:
        if not self._playing:
            return self._anchor_case
        t = self._anchor_case + (self._wall() - self._anchor_wall) * self._speed
        return min(max(t, self.begin), self.end)

    def case_time(self) -> float:
        t = self._anchored_time()
        if self._floor is not None:
            if t >= self._floor:
                self._floor = None  # caught up: the anchor alone from here on
            else:
                return self._floor
        return t

    @property
    def playing(self) -> bool:
        return self._playing and self.case_time() < self.end

    @property
    def speed(self) -> float:
        return self._speed

    def wall_time(self) -> float:
        return self._wall()

    def play(self) -> None:
        if not self._playing:
            self._anchor_wall = self._wall()
            self._playing = True

    def pause(self) -> None:
        if self._playing:
            self._reanchor()
            self._playing = False

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._reanchor()
        self._speed = float(speed)

    def faster(self) -> None:
        bigger = [s for s in SPEEDS if s > self._speed]
        if bigger:
            self.set_speed(bigger[0])

    def slower(self) -> None:
        smaller = [s for s in SPEEDS if s < self._speed]
        if smaller:
            self.set_speed(smaller[-1])

    def seek(self, t: float) -> None:
        self._floor = None  # a jump is a jump: shown as one
        self._anchor_case = min(max(float(t), self.begin), self.end)
        self._anchor_wall = self._wall()

    def follow(self, t: float, *, hold_back_s: float) -> None:
        """A follower re-anchored to where the authority's clock stands now (`t`). When
        that is behind this clock by at most `hold_back_s` (network latency, a pause
        that reached us a moment late), the clock holds at its current case time until
        the new anchor catches up, instead of stepping back: no display shows a case
        time it later contradicts. Further behind: a jump, as seek()."""
        now = self.case_time()
        target = min(max(float(t), self.begin), self.end)
        self.seek(target)
        if 0 < now - target <= hold_back_s:
            self._floor = now
