"""The numbered marks of the debrief's plots: which moments get a line (injections, their
stops, the case's events, the notes while they are few), their numbers in case-time order,
and the row of the band above the plots each number is printed on so that numbers of
marks seconds apart stagger instead of printing over each other. No Qt: plots.py draws
them, page.py lists them ("Marks")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replay_data.course import Course

from .rows import (
    EVENT_COLOUR,
    INJECTION_COLOUR,
    MAX_NOTE_MARKS,
    NOTE_COLOUR,
    STOP_COLOUR,
    DebriefReport,
    perturbation_label,
)

MAX_MARK_LEVELS = 3
MARK_CHAR_PX = 7.0  # width of a digit of a mark number
MARK_GAP_PX = 3.0
# Past this count a figure leaves its marks unnumbered (the numbers would print over each
# other anyway; the list above the plots still numbers them).
MAX_NUMBERED_MARKS = 100


@dataclass(frozen=True)
class Mark:
    """A numbered vertical line at case time t (an injection, a stop, an event, a note)."""
    number: int
    t: float
    what: str
    colour: str
    dashed: bool = False


def mark_levels(marks: Sequence[Mark], t0: float, t1: float, width_px: float) -> list[int]:
    """A level (row of the marks band) for each mark: its number is placed on the first
    level where it keeps clear of the number before it, so marks seconds apart stagger
    instead of printing over each other."""
    scale = width_px / max(t1 - t0, 1e-9)
    ends: list[float] = []  # right edge (px) of the last number on each level
    out = []
    for m in marks:
        x = (m.t - t0) * scale
        half = MARK_CHAR_PX * len(str(m.number)) / 2 + 3
        level = next((i for i, e in enumerate(ends) if e + MARK_GAP_PX <= x - half), None)
        if level is None:
            if len(ends) < MAX_MARK_LEVELS:
                level = len(ends)
                ends.append(x + half)
            else:  # crowded: the level whose last number is furthest back
                level = min(range(len(ends)), key=lambda i: ends[i])
        ends[level] = x + half
        out.append(level)
    return out


def report_marks(report: DebriefReport, course: Course) -> list[Mark]:
    """Numbered marks in case-time order, over everything the session played."""
    played = report.played
    found: list[tuple[float, str, str, bool]] = []
    for inj in report.injections:
        found.append((inj.perturbation.start, f"{inj.label} ({inj.source})",
                      INJECTION_COLOUR, False))
    found += [(t, f"stopped: {perturbation_label(course, p)}", STOP_COLOUR, False)
              for t, p in report.stops]
    assert played is not None
    t0, t1 = played.range
    found += [(ev.t, f"case event: {ev.label}", EVENT_COLOUR, True)
              for ev in course.scenario.events
              if t0 <= ev.t <= t1 and played.played(ev.t)]
    if len(report.notes) <= MAX_NOTE_MARKS:  # else they are text only (page.py says so)
        found += [(n.case_time, n.shown if n.bookmark else f"note: {n.shown}",
                   NOTE_COLOUR, True) for n in report.notes]
    found.sort(key=lambda m: m[0])
    return [Mark(i, t, what, colour, dashed)
            for i, (t, what, colour, dashed) in enumerate(found, 1)]


def unnumbered_text(marks: Sequence[Mark], t0: float, t1: float) -> str:
    n = sum(t0 <= m.t <= t1 for m in marks)
    if n <= MAX_NUMBERED_MARKS:
        return ""
    return f"; {n} marks, too many to number here: drawn as lines, numbered in the list above"
