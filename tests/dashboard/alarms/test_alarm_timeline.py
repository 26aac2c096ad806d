"""Vectorised timeline: must agree with the sequential engine, sample for sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from alarm_support import ADULT, CALM, ECMO
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.alarms import AlarmEngine, Priority, compute_timeline
from dashboard.alarms.conditions import NumericClause, known_flags


def _candidates() -> dict[str, list[float]]:
    """Values around every threshold in the profile: at, just past, inside and outside
    the hysteresis margin, plus not measured."""
    out: dict[str, set[float]] = {ch: {v, math.nan} for ch, v in CALM.items()}
    for rule in ECMO.rules:
        for level in rule.levels:
            for c in level.clauses:
                if isinstance(c, NumericClause) and c.value is not None:
                    h = c.hysteresis or 1.0
                    for k in (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0):
                        out[c.channel].add(c.value + k * h)
    out["act"] |= {130.0, 170.0, 190.0, 210.0}
    out["act_target_low"] |= {180.0}
    out["act_target_high"] |= {200.0}
    return {k: sorted(v, key=lambda x: (math.isnan(x), x)) for k, v in out.items()}


CANDIDATES = _candidates()
# The strategies are built once, not inside every example: hypothesis caches a strategy
# only when its arguments are hashable, and rebuilding these (lists of candidate values)
# for each of the 300 examples cost more than running the engine.
_STEPS = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 3.0, 7.0])
_START = st.sampled_from([0.0, 86400.0 * 3 + 0.25])


def _runs_of(elements: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(st.tuples(elements, st.integers(1, 25)), min_size=1, max_size=8)


_VALUE_RUNS = {ch: _runs_of(st.sampled_from(v)) for ch, v in CANDIDATES.items()}
_FLAG_RUNS = _runs_of(st.booleans())
_MOVING = st.sets(st.sampled_from(sorted(CANDIDATES)), min_size=1, max_size=8)
_PROFILES = st.sampled_from([ECMO, ADULT])


@st.composite
def courses(draw):
    n = draw(st.integers(min_value=1, max_value=80))
    steps = draw(st.lists(_STEPS, min_size=n, max_size=n))
    t = np.cumsum(np.array(steps)) + draw(_START)

    def runs(segments):
        segs = draw(segments)
        seq = [v for v, k in segs for _ in range(k)]
        while len(seq) < n:
            seq += seq
        return seq[:n]

    # Only some channels move in one example, the others stay calm: shrinks better.
    moving = draw(_MOVING)
    values = {
        ch: np.array(runs(_VALUE_RUNS[ch]) if ch in moving else [CALM[ch]] * n)
        for ch in CANDIDATES
    }
    raised_flags = draw(st.sets(st.sampled_from(sorted(known_flags())), max_size=3))
    flags = {f: np.array(runs(_FLAG_RUNS), dtype=bool) for f in raised_flags}
    profile = draw(_PROFILES)
    return t, values, flags, profile


def engine_events(t, values, flags, profile):
    e = AlarmEngine(profile)
    out = []
    for i in range(len(t)):
        fl = frozenset(f for f, a in flags.items() if a[i])
        for c in e.update(t[i], {k: v[i] for k, v in values.items()}, fl):
            # The folded alarms (groups) and their members' own crossings too.
            if c.event.removeprefix("member_") in ("raise", "escalate", "clear"):
                out.append((i, c.event, c.alarm_id, c.priority, c.message))
    return out


@settings(max_examples=300, deadline=None)
@given(courses())
def test_timeline_agrees_with_sequential_engine(course):
    t, values, flags, profile = course
    timeline = compute_timeline(t, values, flags, profile)
    got = [(e.index, e.event, e.alarm_id, e.priority, e.message) for e in timeline.events()]
    assert got == engine_events(t, values, flags, profile)


def test_timeline_on_a_hand_made_course():
    t = np.arange(0.0, 100.0)
    hr = np.full(100, 90.0)
    hr[10:40] = 145  # raised at 16 (delay 6)
    hr[40:50] = 160  # extreme from 40: escalate at 46
    hr[50:60] = 139  # inside the limit but not by the 2 /min margin: still active
    # from 60 calm again: clears at 60
    spo2 = np.full(100, 95.0)
    spo2[70:72] = 70  # Desat: no delay
    tl = compute_timeline(t, {"hr": hr, "spo2": spo2}, {}, ECMO)
    ev = [(e.case_time, e.event, e.alarm_id, e.priority) for e in tl.events()]
    assert ev == [
        (16.0, "raise", "hr.high", Priority.MEDIUM),
        (46.0, "escalate", "hr.high", Priority.HIGH),
        (60.0, "clear", "hr.high", Priority.HIGH),
        (70.0, "raise", "spo2.low", Priority.HIGH),
        (72.0, "clear", "spo2.low", Priority.HIGH),
    ]
    iv = tl.intervals()
    assert [(i.alarm_id, i.start, i.end, i.priority, i.message) for i in iv] == [
        ("hr.high", 16.0, 60.0, Priority.HIGH, "Extreme tachy"),
        ("spo2.low", 70.0, 72.0, Priority.HIGH, "Desat"),
    ]


def test_alarm_still_active_at_the_end_has_no_clear():
    t = np.arange(0.0, 20.0)
    tl = compute_timeline(t, {"etco2": np.full(20, 60.0)}, {}, ECMO)
    [iv] = tl.intervals()
    assert iv.start == 10.0 and math.isnan(iv.end)
    assert [e.event for e in tl.events()] == ["raise"]


def test_missing_channels_are_not_measured_and_missing_flags_not_set():
    tl = compute_timeline(np.arange(5.0), {}, {}, ECMO)
    assert tl.events() == []


def test_bad_grids_are_refused():
    with pytest.raises(ValueError, match="non-decreasing"):
        compute_timeline(np.array([0.0, 2.0, 1.0]), {}, {}, ECMO)
    with pytest.raises(ValueError, match="hr: expected 3 samples"):
        compute_timeline(np.arange(3.0), {"hr": np.zeros(4)}, {}, ECMO)
    with pytest.raises(ValueError, match="air_in_circuit"):
        compute_timeline(np.arange(3.0), {}, {"air_in_circuit": np.zeros(2, bool)}, ECMO)
