"""What of the case a session actually played, and when that was on the wall clock.

A session file lists what happened in the order it happened, each line with its case
time and its wall time (ISO 8601, UTC). Case time runs in stretches: it moves on while
the clock plays (at any speed), stands still while paused, and jumps at a seek or a
jump. `PlayedTime` rebuilds those stretches (segments) from the file, so the debrief can
say, for any case time, whether the session passed through it -- a scheduled event the
instructor jumped over was *skipped*, not missed by the team -- and when on the wall
clock it was, so the report lines up with a video of the room.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.core import actions as acts
from dashboard.recording import RecordedSession

# Lines stamped the moment they happened (an action is applied and written at once);
# between two of them the clock ran at one speed (a speed change is an action itself).
ANCHOR_TYPES = frozenset({"instructor", "trainee", "perturbation", "perturbation_stopped"})


def parse_wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Segment:
    """A stretch of case time played without a jump: (case, wall) points in file order,
    case time never decreasing; kept as two lists (a tuple per point cost 56 bytes each on
    a 200,000-note session), the case times also what bisect searches."""
    times: list[float] = field(default_factory=list)
    walls: list[datetime] = field(default_factory=list)

    @property
    def points(self) -> list[tuple[float, datetime]]:
        return list(zip(self.times, self.walls, strict=True))

    @property
    def t0(self) -> float:
        return self.times[0]

    @property
    def t1(self) -> float:
        return self.times[-1]

    def add(self, t: float, wall: datetime) -> None:
        if not self.times or t >= self.times[-1]:
            self.times.append(t)
            self.walls.append(wall)

    def covers(self, t: float) -> bool:
        return self.t0 <= t <= self.t1

    def wall_at(self, t: float) -> datetime | None:
        """When the session reached case time t (the first moment: a pause at t holds
        it longer). Linear between recorded points: the clock ran at a steady speed."""
        if not self.covers(t):
            return None
        times, walls = self.times, self.walls
        i = bisect.bisect_left(times, t)
        if i < len(times) and times[i] == t:
            return walls[i]
        ta, wa, tb, wb = times[i - 1], walls[i - 1], times[i], walls[i]
        return wa + (wb - wa) * ((t - ta) / (tb - ta))


@dataclass
class PlayedTime:
    segments: list[Segment]
    start_wall: datetime  # the session file's header
    end_wall: datetime  # its last line
    # Every entry's line number (ascending, file order) and its wall time, side by side:
    # a dict of 200,000 lines cost ~60 bytes a line more than the two columns.
    lines: array
    walls: list[datetime]

    @property
    def range(self) -> tuple[float, float]:
        """First to last case time the clock ran through (a seek made in the pre-brief,
        before anything played, does not count)."""
        ran = [s for s in self.segments if s.t1 > s.t0] or self.segments
        return min(s.t0 for s in ran), max(s.t1 for s in ran)

    def played(self, t: float) -> bool:
        return any(s.covers(t) for s in self.segments)

    def overlaps(self, t0: float, t1: float) -> bool:
        return any(s.t0 <= t1 and t0 <= s.t1 for s in self.segments)

    def wall_at(self, t: float) -> datetime | None:
        """The first wall-clock moment the session was at case time t (None: never)."""
        for s in self.segments:
            w = s.wall_at(t)
            if w is not None:
                return w
        return None

    def wall_of_line(self, line: int) -> datetime | None:
        i = bisect.bisect_left(self.lines, line)
        return self.walls[i] if i < len(self.lines) and self.lines[i] == line else None

    def segment_of(self, t: float) -> Segment | None:
        return next((s for s in self.segments if s.covers(t)), None)

    @property
    def wall_seconds(self) -> float:
        return (self.end_wall - self.start_wall).total_seconds()

    def elapsed(self, wall: datetime | None) -> float | None:
        """Wall seconds since the session file was opened."""
        return None if wall is None else (wall - self.start_wall).total_seconds()


def played_time(session: RecordedSession, event_times: dict[str, float],
                bounds: tuple[float, float]) -> PlayedTime:
    """Segments of a recorded session. A seek or jump closes the segment at the case time
    it was taken and opens one at its target (clamped to the scenario, as the clock)."""
    start_wall = parse_wall(session.wall_time)
    current = Segment()
    current.add(session.start, start_wall)
    segments = [current]
    lines, walls = array("q"), []
    last_wall = start_wall
    pending: tuple[float, datetime] | None = None
    pending_line = anchor_line = 0
    lo, hi = bounds
    for e in session.entries:
        wall = parse_wall(e.wall_time)
        lines.append(e.line)
        walls.append(wall)
        last_wall = max(last_wall, wall)
        if e.type not in ANCHOR_TYPES:
            # Alarms and snapshots are stamped when the frame that found them was
            # written, a tick late: they only extend a stretch past its last action.
            pending, pending_line = (e.case_time, wall), e.line
            continue
        pending, anchor_line = None, e.line
        action = e.fields.get("action") if e.type == "instructor" else None
        current.add(e.case_time, wall)
        if action in (acts.SEEK, acts.JUMP):
            if action == acts.SEEK:
                target = float(e.fields["target"])
            else:
                target = event_times.get(str(e.fields["event"]), e.case_time)
            current = Segment()
            current.add(min(max(target, lo), hi), wall)
            segments.append(current)
    snaps = session.snapshot_table
    if snaps:
        # Snapshots are a table of their own: the last one, when no action came after
        # it, extends the stretch like any other frame-stamped line.
        last = len(snaps) - 1
        if snaps.lines[last] > anchor_line and (pending is None
                                                or snaps.lines[last] > pending_line):
            pending = (snaps.times[last], parse_wall(snaps.wall_time(last)))
        assert snaps.last_wall is not None
        last_wall = max(last_wall, snaps.last_wall)
    if pending is not None:
        current.add(*pending)
    return PlayedTime(segments, start_wall, last_wall, lines, walls)
