"""What the monitor shows at a case time: which devices, drugs and strip rows are on screen.

A monitor shows a module only while it is plugged in: the ECMO panel only while the circuit
is connected, the ventilator strip only while the patient is intubated (otherwise the
oxygen therapy), a drug field only once the drug has run, a waveform row only while one of
its values is measured. All of it is a pure function of the course and the case time, like
every value on screen, so a seek shows exactly what playing to that time would.

Qt-free: the window asks `ScreenPlan.at` once per case second (with the numerics, never per
painted frame) and only touches widgets when the answer changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from replay_data.course import Course
from replay_data.devices import ECMO, devices_at, ever_has

from .monitor_layout import StripRow

# The drug infusions shown under the waveforms (heparin belongs to the circuit: it is on
# the ECMO panel with its ACT target).
DRUG_CHANNELS: tuple[str, ...] = ("norepinephrine_rate",)


@dataclass(frozen=True)
class ScreenState:
    ecmo: bool  # the circuit is connected and its pump has started
    ventilator: bool  # intubated, on the ventilator
    drugs: frozenset[str]  # drug channels that have run by now
    rows: frozenset[str]  # waveforms of the strip rows shown
    # Of those rows, the ones whose own waveform is measured: a row whose trace is not
    # connected (no CVP line, no capnograph on the ward) shows its measured tiles only,
    # compact, with no empty trace.
    strips: frozenset[str] = frozenset()
    tiles: frozenset[str] = frozenset()  # tiles (named by their first channel) measured


def drug_first_run(course: Course, channel: str) -> float:
    """The case time the drug first runs (inf: never): its first keyframe above 0, or the
    start of a disturbance on the course that sets or raises it (an instructor's override,
    an injection), whichever is first."""
    first = math.inf
    keys = course.scenario.numeric_keyframes.get(channel)
    if keys is not None:
        for t, v in zip(keys.times, keys.values, strict=True):
            if v > 0:
                first = min(first, t)
                break
    for p in course.perturbation_index.perturbations:
        for e in p.effects:
            if e.channel == channel and ((e.set or 0) > 0 or (e.add or 0) > 0):
                first = min(first, p.start)
    return first


def _measured(values: Mapping[str, float], channels: Iterable[str]) -> bool:
    return any(math.isfinite(values.get(c, math.nan)) for c in channels)


def strip_measured(row: StripRow, values: Mapping[str, float], flags: Iterable[str]) -> bool:
    """A row's trace is shown while its own value (the first tile's: HR for the ECG, EtCO2
    for the capnogram) is measured, or while its sensor reports a status or a flag keeps
    it (a cardiac arrest: the ECG shows the VF though no rate can be counted)."""
    if any(flag in flags for flag, _ in row.status) or any(f in flags for f in row.kept_by):
        return True
    return bool(row.tiles) and _measured(values, row.tiles[0].channels)


def row_measured(row: StripRow, values: Mapping[str, float], flags: Iterable[str]) -> bool:
    """A row is shown while any of its tiles' values is measured (not NaN), or while its
    sensor reports a status (ECG LEADS OFF must stay in view: the values are gone then)
    or a flag keeps it (StripRow.kept_by)."""
    if any(flag in flags for flag, _ in row.status) or any(f in flags for f in row.kept_by):
        return True
    return any(math.isfinite(values.get(c, math.nan))
               for tile in row.tiles for c in tile.channels)


class ScreenPlan:
    """The screen's make-up for one course: built again when the course changes (its
    disturbances can start a drug)."""

    def __init__(self, course: Course, rows: tuple[StripRow, ...]) -> None:
        self.course = course
        self.rows = rows
        self.has_circuit = ever_has(course.scenario, ECMO)
        self._first_run = {c: drug_first_run(course, c) for c in DRUG_CHANNELS}
        self._pump_start = course.scenario.role_time("ecmo_start")

    def drug_ever_runs(self, channel: str) -> bool:
        return math.isfinite(self._first_run[channel])

    def at(self, t: float, values: Mapping[str, float], flags: Iterable[str]) -> ScreenState:
        devices = devices_at(self.course.scenario, t)
        flags = frozenset(flags)
        # The circuit is on the patient from cannulation, but it carries no blood until
        # the pump starts: through the cannulation its panel would be dashes only.
        pump_on = self._pump_start is None or t >= self._pump_start
        strips = frozenset(r.waveform for r in self.rows if strip_measured(r, values, flags))
        return ScreenState(
            ecmo=devices.ecmo and pump_on, ventilator=devices.ventilator,
            drugs=frozenset(c for c, first in self._first_run.items() if first <= t),
            rows=frozenset(r.waveform for r in self.rows if row_measured(r, values, flags)),
            strips=strips,
            # A tile shows while measured; the tile of a trace that is shown stays too
            # (ECG LEADS OFF: the HR tile reads --- under its status, as a monitor does).
            tiles=frozenset(tile.channels[0] for r in self.rows for i, tile in enumerate(r.tiles)
                            if _measured(values, tile.channels)
                            or (i == 0 and r.waveform in strips)))
