"""Intermittent results: the blood gases, labs and ACTs the scenario draws, with their values
and H/L flags, as the lab or the bedside analyser reports them.

A draw's value is the model's (or its input's) level at the draw plus the test's scatter,
keyed by the seed and the draw's time, so it is a pure function of the course like every
numeric; each draw is computed when first asked for (a seek reads the model only at the
draws it shows). The course hands itself in as the `PatientValues` it reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from . import noise
from .catalogue import Catalogue
from .keyframes import interpolate
from .scenario import ResultDraw, Scenario


@dataclass(frozen=True)
class Result:
    """One intermittent result as the lab or the bedside analyser reports it; `flag` is
    "H" or "L" against the current target band (ACT on heparin) or the normal range."""
    t: float
    test: str
    value: float
    basis: str
    flag: str = ""


class PatientValues(Protocol):
    """What the results read of a course (replay_data.course.Course is one)."""
    scenario: Scenario
    seed: int
    catalogue: Catalogue

    def truth(self, channel: str, t: np.ndarray) -> np.ndarray: ...

    def true_inputs(self, channels, t: np.ndarray) -> dict[str, np.ndarray]: ...


class LabResults:
    """The results of one course's draws (cached per course: Course.lab)."""

    def __init__(self, course: PatientValues) -> None:
        self.course = course
        self._drawn: dict[int, Result] = {}  # by position in scenario.draws, when first asked

    @cached_property
    def _draw_index(self) -> dict[str, tuple[np.ndarray, list[int]]]:
        """Per test: draw times (sorted) and the draws' positions in scenario.draws."""
        by_test: dict[str, list[int]] = {}
        for i, d in enumerate(self.course.scenario.draws):
            by_test.setdefault(d.test, []).append(i)
        return {test: (np.array([self.course.scenario.draws[i].t for i in idx]), idx)
                for test, idx in by_test.items()}

    def _results_of(self, test: str, positions: Sequence[int]) -> list[Result]:
        """Results of one test's draws (positions into that test's draws), computed when
        first asked: a seek reads the model only at the draws it shows, not the course."""
        _, idx = self._draw_index[test]
        draws = self.course.scenario.draws
        missing = [idx[p] for p in positions if idx[p] not in self._drawn]
        if missing:
            levels = np.full(len(missing), np.nan)
            channel = self.course.catalogue.results[test].channel
            if channel:
                # Blood gases from the model, Hb from its input: disturbances included.
                exact = np.array([draws[i].exact is not None for i in missing])
                if not exact.all():
                    times = np.array([draws[i].t for i in missing])
                    levels[~exact] = self.course.truth(channel, times[~exact])
            for i, level in zip(missing, levels):
                d = draws[i]
                value = self._draw_value(d, float(level))
                self._drawn[i] = Result(d.t, d.test, value, d.provenance.basis,
                                        self._flag(d.test, value, d.t))
        return [self._drawn[idx[p]] for p in positions]

    @cached_property
    def _results(self) -> tuple[Result, ...]:
        """Every draw of the course, in scenario order (by time, then test)."""
        for test, (times, _) in self._draw_index.items():
            self._results_of(test, range(times.size))
        return tuple(self._drawn[i] for i in range(len(self.course.scenario.draws)))

    def _flag(self, test_id: str, value: float, t: float) -> str:
        test = self.course.catalogue.results[test_id]
        lo, hi = test.normal
        if test.target:
            band = self.course.true_inputs(test.target, np.array([t]))
            tlo, thi = (float(band[c][0]) for c in test.target)
            if np.isfinite(tlo) and np.isfinite(thi):
                lo, hi = tlo, thi
        return "H" if value > hi else ("L" if value < lo else "")

    def _draw_value(self, d: ResultDraw, channel_level: float = math.nan) -> float:
        if d.exact is not None:
            return d.exact
        test = self.course.catalogue.results[d.test]
        if test.channel:
            level = channel_level
        else:
            level = interpolate(self.course.scenario.result_levels[d.test], np.array([d.t]))[0]
        key = noise.stream_key(self.course.seed, "result:" + d.test)
        scatter = noise.normal(key, np.array([int(round(d.t))]), clip=2.0)[0] * test.scatter_sd
        value = min(max(level + scatter, test.limits[0]), test.limits[1])
        return float(round(value, test.precision))

    def results_until(self, t: float) -> list[Result]:
        """Results drawn at or before t, oldest first."""
        count = int(np.searchsorted([d.t for d in self.course.scenario.draws], t, side="right"))
        if count == len(self.course.scenario.draws):
            return list(self._results)
        for test, (times, _) in self._draw_index.items():
            self._results_of(test, range(int(np.searchsorted(times, t, side="right"))))
        return [self._drawn[i] for i in range(count)]

    def latest_results(self, t: float) -> dict[str, Result]:
        out: dict[str, Result] = {}
        latest = []
        for test, (times, _) in self._draw_index.items():
            p = int(np.searchsorted(times, t, side="right")) - 1
            if p >= 0:
                latest.append(self._results_of(test, [p])[0])
        # In draw order, as before: dict order follows the draws.
        for r in sorted(latest, key=lambda r: (r.t, r.test)):
            out[r.test] = r
        return out

    def latest_result(self, test: str, t: float) -> Result | None:
        return self.latest_results(t).get(test)

    def held_result(self, test: str, t: np.ndarray) -> np.ndarray:
        """Latest value of a result at each t (NaN before the first draw)."""
        got = self._draw_index.get(test)
        if got is None:
            return np.full(np.shape(t), np.nan)
        times, _ = got
        i = np.searchsorted(times, t, side="right") - 1
        needed = np.unique(i[i >= 0]) if np.ndim(i) else ([int(i)] if i >= 0 else [])
        vals = np.full(times.size, np.nan)
        for p, r in zip(needed, self._results_of(test, [int(p) for p in needed])):
            vals[p] = r.value
        return np.where(i >= 0, vals[np.maximum(i, 0)], np.nan)
