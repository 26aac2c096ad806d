"""Event marks on the trend review: what happened and when, with a label a clinician can
read -- the scenario's events, the instructor's injections and overrides, and the team's
settings on the ECMO console and the ventilator.

Labels of events minutes apart would pile up on one another; `stagger` places them on a
few rows and shortens (elides) a label only where the next one on its row begins, so no
two labels ever overlap. The full text stays in the tooltip. Pure functions, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from replay_data.controls import CONTROLS
from replay_data.course import Course

# Mark colours by who caused the mark (the lines and their labels).
MARK_COLOURS = {
    "event": "#ffb74d",      # the case's own timeline (orange, as on the timeline)
    "injection": "#ff80ab",  # an instructor's disturbance
    "override": "#ce93d8",   # an instructor's channel override
    "team": "#80cbc4",       # the team's hands on the consoles
}
# Shorter than this a label is not worth showing (a few letters and '…'): the line
# and its tooltip remain.
MIN_LABEL_PX = 40.0
LABEL_GAP_PX = 6.0


@dataclass(frozen=True)
class TrendMark:
    t: float        # case time (s)
    label: str      # what is written on the trend
    kind: str       # a MARK_COLOURS key


@dataclass(frozen=True)
class PlacedLabel:
    row: int
    width_px: float  # room for its text; below MIN_LABEL_PX the label is not drawn


def _value(v: float, unit: str) -> str:
    text = f"{v:g}"
    return f"{text} {unit}" if unit else text


def course_marks(course: Course, *, bedside: bool = False) -> list[TrendMark]:
    """Every mark of a course, in time order: scenario events, scheduled and instructor
    injections, overrides, and the team's console settings. On the trainees' bedside
    (`bedside`) only what a monitor would know: the case's charted events and the team's
    own settings (the alarm episodes have their own lane) -- never the instructor's
    injections or overrides, whose names would give the diagnosis away."""
    sc = course.scenario
    cat = course.catalogue
    marks = [TrendMark(e.t, e.label, "event") for e in sc.events]
    for p in course.all_perturbations:
        if bedside and p.kind in ("injection", "override"):
            continue
        if p.kind == "injection":
            spec = sc.injections.get(p.name)
            label = spec.label if spec is not None else p.name
            if p.variant and spec is not None and p.variant in spec.variants:
                label += f" ({spec.variants[p.variant].label})"
            marks.append(TrendMark(p.start, label, "injection"))
        elif p.kind == "override":
            ch = cat.numerics.get(p.name)
            target = next((e.set for e in p.effects if e.set is not None), None)
            name = ch.label if ch is not None else p.name
            unit = ch.unit if ch is not None else ""
            to = "" if target is None or not math.isfinite(target) else \
                f" to {_value(round(float(target), ch.precision if ch else 2), unit)}"
            marks.append(TrendMark(p.start, f"Override {name}{to}", "override"))
        elif p.kind == "control":
            spec = CONTROLS.get(p.name)
            value = next((e.set for e in p.effects if e.channel == p.name), None)
            if spec is None:
                label = f"Team: {p.name}"
            elif spec.high == 1 and spec.step == 1:  # a switch or a clamp
                label = f"Team: {spec.label} {'on' if value and value >= 0.5 else 'off'}"
            else:
                label = f"Team: {spec.label} {_value(float(value or 0.0), spec.unit)}"
            marks.append(TrendMark(p.start, label, "team"))
    marks.sort(key=lambda m: m.t)
    return marks


def stagger(xs: list[float], widths: list[float], rows: int,
            gap: float = LABEL_GAP_PX) -> list[PlacedLabel]:
    """Place labels starting at pixel xs (sorted) with natural widths on `rows` rows:
    each on the first row that is free at its x; when none is, on the row that frees up
    first, and the label before it there is shortened to end before it begins."""
    ends = [-math.inf] * rows
    last: list[int | None] = [None] * rows  # index of the last label on each row
    out: list[PlacedLabel] = []
    for i, (x, w) in enumerate(zip(xs, widths, strict=True)):
        free = [r for r in range(rows) if ends[r] + gap <= x]
        r = free[0] if free else min(range(rows), key=lambda k: ends[k])
        prev = last[r]
        if prev is not None and not free:
            room = max(0.0, x - xs[prev] - gap)
            out[prev] = PlacedLabel(r, min(out[prev].width_px, room))
        out.append(PlacedLabel(r, w))
        ends[r] = x + w
        last[r] = i
    return out
