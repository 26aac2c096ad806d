"""At most so many redraws a wall second: one rule for every view that skips frames.

Driven by the wall time the replay clock hands out (a Tick's `wall`), never by reading a
clock itself, so a test that steps a ManualWall sees exactly which frames are drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Throttle:
    """Lets an update through at most once per `interval_s` of wall time (interval 0:
    every time). A wall time before the last one (the clock was reset) always passes:
    waiting for the old time to come back would freeze the view."""

    interval_s: float
    last_wall: float = -math.inf

    @classmethod
    def per_second(cls, times: float) -> Throttle:
        return cls(1.0 / times if times > 0 else 0.0)

    def due(self, wall: float) -> bool:
        return not 0 <= wall - self.last_wall < self.interval_s

    def mark(self, wall: float) -> None:
        """An update was drawn at `wall` (also when it was drawn for another reason)."""
        self.last_wall = wall

    def take(self, wall: float, *, force: bool = False) -> bool:
        """Whether to draw now; if so, counts it as drawn."""
        if force or self.due(wall):
            self.last_wall = wall
            return True
        return False

    def reset(self) -> None:
        """The next update passes whatever its time (after a jump: redraw at once)."""
        self.last_wall = -math.inf
