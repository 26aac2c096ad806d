"""Whole-course alarm timeline with numpy: every rule's raise / escalate / clear times.

Same semantics as the sequential AlarmEngine's condition layer (conditions.py docstring),
computed from run lengths instead of a per-sample loop:

* a level's *enter* mask (strict condition) and *stay* mask (condition widened by the
  hysteresis margin) are elementwise comparisons;
* each run of *enter* starting at sample s raises at the first sample r in the run with
  t[r] >= t[s] + delay (searchsorted), if the run lasts that long;
* a raised level stays raised to the end of the *stay* run that holds r (with a hold,
  until hold_s after that run, joining a run that starts within it); later enter runs
  inside the same stay run are absorbed (the level is already raised);
* a rule is active while any level is raised; levels are combined on the few interval
  boundaries, not on every sample.

* a group of rules (one problem, one alarm: groups.py) folds its members' events in the
  engine's order with the engine's own GroupTracker: the alarm raises, escalates and
  clears under the group id, each member's own events become member_raise / ... .

No operator actions (acknowledge, pauses, ALARM OFF, limit changes) enter here: this is
the alarm conditions the case itself produces, e.g. for marks on a trend view.

`course_timeline` samples a course for it: only the channels and flags the profile's
rules read, a day at a time, so the whole course's alarms come in about a second.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .conditions import AlarmRule, ConditionEvent, FlagClause, Level, NumericClause
from .groups import GroupTracker
from .kinds import Priority
from .profile import AlarmGroup, AlarmProfile

if TYPE_CHECKING:
    from replay_data.course import Course

_EMPTY = np.zeros(0, dtype=np.int64)
# Samples per course call in course_timeline (a day at 1 s): bounds temporary memory.
_CHUNK_SAMPLES = 86400
_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


@dataclass(frozen=True)
class TimelineEvent:
    case_time: float
    index: int  # sample index on the grid
    event: str  # raise | escalate | clear
    alarm_id: str
    priority: Priority
    message: str


@dataclass(frozen=True)
class AlarmInterval:
    alarm_id: str
    start: float
    end: float  # NaN: still active at the end of the grid
    priority: Priority  # highest reached
    message: str  # message of that level


@dataclass(frozen=True)
class RuleTimeline:
    """Indices into the grid; clear_index == len(t) means still active at the end."""

    rule: AlarmRule
    raise_index: np.ndarray
    clear_index: np.ndarray
    raise_level: np.ndarray
    peak_level: np.ndarray
    escalate_index: np.ndarray
    escalate_level: np.ndarray


@dataclass(frozen=True)
class GroupTimeline:
    """A folded alarm's events: (index, triggering member's profile order, event, lead
    member's rule, lead level), in the order the engine reports them."""

    group: AlarmGroup
    events: tuple[tuple[int, int, str, AlarmRule, int], ...]


@dataclass(frozen=True)
class AlarmTimeline:
    t: np.ndarray
    rules: dict[str, RuleTimeline]
    groups: dict[str, GroupTimeline] = dataclasses.field(default_factory=dict)

    def _group_of(self) -> dict[str, AlarmGroup]:
        return {m: g.group for g in self.groups.values() for m in g.group.members}

    def _time(self, idx: int) -> float:
        return float(self.t[idx]) if idx < len(self.t) else math.nan

    def intervals(self) -> list[AlarmInterval]:
        out: list[AlarmInterval] = []
        folded = self._group_of()
        for gid, gt in self.groups.items():
            start: float | None = None
            for idx, _, event, rule, level in gt.events:
                if event == "raise":
                    start = float(self.t[idx])
                elif event == "clear" and start is not None:
                    out.append(AlarmInterval(gid, start, float(self.t[idx]),
                                             rule.levels[level].priority, gt.group.message))
                    start = None
            if start is not None:
                rule, level = gt.events[-1][3], gt.events[-1][4]
                out.append(AlarmInterval(gid, start, math.nan, rule.levels[level].priority,
                                         gt.group.message))
        for rid, rt in self.rules.items():
            if rid in folded:
                continue
            for r, c, p in zip(rt.raise_index, rt.clear_index, rt.peak_level, strict=True):
                lv = rt.rule.levels[int(p)]
                out.append(AlarmInterval(rid, float(self.t[r]), self._time(int(c)),
                                         lv.priority, lv.message))  # fmt: skip
        out.sort(key=lambda iv: (iv.start, iv.alarm_id))
        return out

    def events(self) -> list[TimelineEvent]:
        """All events in the order the engine reports them: by sample, then profile order,
        then raise/escalate/clear as they happen for one rule."""
        order = {rid: i for i, rid in enumerate(self.rules)}
        folded = self._group_of()
        rows: list[tuple[int, int, int, TimelineEvent]] = []
        for rid, rt in self.rules.items():
            levels = rt.rule.levels
            group = folded.get(rid)

            def add(kind: str, idx: int, level: int, rank: int, rid: str = rid, levels=levels,
                    group: AlarmGroup | None = group):
                lv: Level = levels[level]
                if group is None:
                    ev = TimelineEvent(float(self.t[idx]), idx, kind, rid, lv.priority,
                                       lv.message)
                else:  # a member's own crossing: the detail under its folded alarm
                    ev = TimelineEvent(float(self.t[idx]), idx, f"member_{kind}", rid,
                                       lv.priority, f"{lv.message} (in {group.message})")
                rows.append((idx, order[rid], rank, ev))

            for r, lvl in zip(rt.raise_index, rt.raise_level, strict=True):
                add("raise", int(r), int(lvl), 0)
            for e, lvl in zip(rt.escalate_index, rt.escalate_level, strict=True):
                add("escalate", int(e), int(lvl), 1)
            for c, lvl in zip(rt.clear_index, rt.peak_level, strict=True):
                if c < len(self.t):
                    add("clear", int(c), int(lvl), 2)
        for gid, gt in self.groups.items():
            # Right after the member event that set it off, as the engine reports it.
            for idx, o, event, rule, level in gt.events:
                lv = rule.levels[level]
                rows.append((idx, o, 3, TimelineEvent(float(self.t[idx]), idx, event, gid,
                                                      lv.priority, gt.group.message)))
        rows.sort(key=lambda row: row[:3])
        return [row[3] for row in rows]


def compute_timeline(
    t: np.ndarray,
    values: Mapping[str, np.ndarray],
    flags: Mapping[str, np.ndarray],
    profile: AlarmProfile,
) -> AlarmTimeline:
    """Alarm conditions over a whole course sampled on grid t (seconds, non-decreasing).

    values: channel -> float array (NaN = not measured); flags: flag -> bool array.
    A missing channel is not measured; a missing flag is never set."""
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError("t must be one-dimensional")
    n = t.size
    if n and (not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0)):
        raise ValueError("t must be finite and non-decreasing")
    vals = {k: _column(k, v, n, np.float64) for k, v in values.items()}
    flgs = {k: _column(k, v, n, np.bool_) for k, v in flags.items()}
    out: dict[str, RuleTimeline] = {}
    for rule in profile.rules:
        per_level = [_level_intervals(t, lv, vals, flgs) for lv in rule.levels]
        out[rule.id] = _combine(rule, per_level, n)
    order = {rid: i for i, rid in enumerate(out)}
    groups = {g.id: _fold(g, out, order, n) for g in profile.groups}
    return AlarmTimeline(t, out, groups)


def _fold(group: AlarmGroup, rules: Mapping[str, RuleTimeline], order: Mapping[str, int],
          n: int) -> GroupTimeline:
    """The group's events from its members' (few: one per raise, escalate or clear),
    walked in the engine's order (sample, then profile order) through its tracker."""
    rows: list[tuple[int, int, int, str, int]] = []
    for rid in group.members:
        rt = rules[rid]
        o = order[rid]
        rows += [(int(r), o, 0, "raise", int(lv)) for r, lv in
                 zip(rt.raise_index, rt.raise_level, strict=True)]
        rows += [(int(e), o, 1, "escalate", int(lv)) for e, lv in
                 zip(rt.escalate_index, rt.escalate_level, strict=True)]
        rows += [(int(c), o, 2, "clear", int(lv)) for c, lv in
                 zip(rt.clear_index, rt.peak_level, strict=True) if c < n]
    rows.sort()
    by_order = {order[m]: rules[m].rule for m in group.members}
    tracker = GroupTracker()
    events: list[tuple[int, int, str, AlarmRule, int]] = []
    for idx, o, _, event, level in rows:
        got = tracker.update(by_order[o], ConditionEvent(event, level))
        if got is not None:
            events.append((idx, o, got.event, got.rule, got.level))
    return GroupTimeline(group, tuple(events))


def _column(name: str, v: np.ndarray, n: int, dtype) -> np.ndarray:
    a = np.asarray(v, dtype=dtype)
    if a.shape != (n,):
        raise ValueError(f"{name}: expected {n} samples, got shape {a.shape}")
    return a


def _clause_masks(
    c: NumericClause | FlagClause, vals: Mapping[str, np.ndarray],
    flgs: Mapping[str, np.ndarray], n: int,
) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """(enter, stay) masks; None means 'never met' (channel absent)."""
    if isinstance(c, FlagClause):
        f = flgs.get(c.flag)
        if f is None:
            return None if c.present else (np.ones(n, bool), np.ones(n, bool))
        m = f if c.present else ~f
        return m, m
    v = vals.get(c.channel)
    if v is None:
        return None
    if c.ref is not None:
        thr = vals.get(c.ref)
        if thr is None:
            return None
    else:
        thr = c.value
    # NaN compares false, so "not measured" falls out of the comparison itself. The
    # widened threshold is formed exactly as conditions.NumericClause.met forms it.
    cmp = _COMPARE[c.op]
    enter = cmp(v, thr)
    if not c.hysteresis:
        return enter, enter
    wider = thr + c.hysteresis if c.op in ("<", "<=") else thr - c.hysteresis
    return enter, cmp(v, wider)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and exclusive end indices of the True runs of a bool mask."""
    padded = np.zeros(mask.size + 2, dtype=bool)
    padded[1:-1] = mask
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[0::2], edges[1::2]


def _level_intervals(
    t: np.ndarray, level: Level, vals: Mapping[str, np.ndarray], flgs: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """[raise, clear) index intervals during which one level is raised."""
    n = t.size
    enter: np.ndarray | None = None
    stay: np.ndarray | None = None
    for c in level.clauses:
        masks = _clause_masks(c, vals, flgs, n)
        if masks is None:
            return _EMPTY, _EMPTY
        e, s = masks
        if enter is None:
            enter, stay = e, s
        else:
            # Keep stay identical to enter while no clause has a margin: one run search.
            both = stay is enter and e is s
            enter = enter & e
            stay = enter if both else stay & s
    assert enter is not None and stay is not None
    starts, ends = _runs(enter)
    if starts.size == 0:
        return _EMPTY, _EMPTY
    # First sample with t >= t[start] + delay (same float expression as the engine);
    # never before the run's own start when the grid repeats a time.
    r = np.maximum(np.searchsorted(t, t[starts] + level.delay_s, side="left"), starts)
    r = r[r < ends]
    if r.size == 0:
        return _EMPTY, _EMPTY
    s_starts, s_ends = (starts, ends) if stay is enter else _runs(stay)
    if level.hold_s > 0:
        s_starts, s_ends = _held(t, s_starts, s_ends, level.hold_s)
    k = np.searchsorted(s_starts, r, side="right") - 1
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return r[first], s_ends[k[first]]


def _held(t: np.ndarray, starts: np.ndarray, ends: np.ndarray, hold: float
          ) -> tuple[np.ndarray, np.ndarray]:
    """Stay runs with the hold: a raised level clears at the first sample with
    t >= t[last met] + hold (the engine's expression); a run starting by then joins
    the one before it. Returns the merged runs, each ending where it clears."""
    n = t.size
    clear = np.searchsorted(t, t[ends - 1] + hold, side="left")
    clear = np.maximum(clear, ends)  # never before the first sample not met
    out_s: list[int] = []
    out_e: list[int] = []
    for s0, c in zip(starts.tolist(), clear.tolist(), strict=True):
        if out_e and s0 <= out_e[-1]:  # met again by the clearing sample: held on
            out_e[-1] = c
        else:
            out_s.append(s0)
            out_e.append(c)
    return (np.array(out_s, dtype=np.int64),
            np.minimum(np.array(out_e, dtype=np.int64), n))


def _combine(
    rule: AlarmRule, per_level: list[tuple[np.ndarray, np.ndarray]], n: int
) -> RuleTimeline:
    """Rule instances from level intervals: active while any level is raised; the level
    only rises (escalates) until the instance clears."""
    if len(per_level) == 1:
        r, c = per_level[0]
        zeros = np.zeros(r.size, dtype=np.int64)
        return RuleTimeline(rule, r, c, zeros, zeros, _EMPTY, _EMPTY)
    points = np.unique(np.concatenate([a for pair in per_level for a in pair]))
    points = points[points < n]
    if points.size == 0:
        return RuleTimeline(rule, _EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY)
    # Level in force on each segment [points[i], points[i+1]): the highest raised one.
    cur = np.full(points.size, -1, dtype=np.int64)
    for lvl, (r, c) in enumerate(per_level):
        if r.size == 0:
            continue
        k = np.searchsorted(r, points, side="right") - 1
        inside = (k >= 0) & (points < c[np.maximum(k, 0)])
        cur[inside] = lvl
    active = cur >= 0
    seg_start, seg_end = _runs(active)
    width = len(per_level) + 1
    is_start = np.zeros(points.size, dtype=bool)
    is_start[seg_start] = True
    # Running maximum that restarts with each instance: offset every instance's levels
    # above all earlier ones, accumulate, take the offset off again.
    run_no = np.cumsum(is_start)
    key = np.where(active, run_no * width + cur, -1)
    peak = np.maximum.accumulate(key) - run_no * width
    prev_peak = np.concatenate([[-1], peak[:-1]])
    esc = active & ~is_start & (peak > prev_peak)
    clear_idx = np.where(seg_end < points.size, points[np.minimum(seg_end, points.size - 1)], n)
    return RuleTimeline(
        rule,
        raise_index=points[seg_start],
        clear_index=clear_idx,
        raise_level=cur[seg_start],
        peak_level=peak[seg_end - 1],
        escalate_index=points[esc],
        escalate_level=peak[esc],
    )


def profile_inputs(profile: AlarmProfile) -> tuple[set[str], set[str]]:
    """(channels, flags) the profile's rules read."""
    channels: set[str] = set()
    flags: set[str] = set()
    for rule in profile.rules:
        for level in rule.levels:
            for c in level.clauses:
                if isinstance(c, FlagClause):
                    flags.add(c.flag)
                else:
                    channels.add(c.channel)
                    if c.ref is not None:
                        channels.add(c.ref)
    return channels, flags


def course_timeline(course: Course, profile: AlarmProfile, t0: float | None = None,
                    t1: float | None = None, step: float = 1.0) -> AlarmTimeline:
    """The alarm timeline of a course (disturbances included) on the grid t0, t0 + step, ...
    < t1 (default: the whole course), reading only what the rules need."""
    sc = course.scenario
    start = sc.start if t0 is None else float(t0)
    end = sc.end if t1 is None else float(t1)
    t = np.arange(start, end, float(step))
    channels, flag_names = profile_inputs(profile)
    numeric = sorted(c for c in channels if c in course.catalogue.numerics)
    held = sorted(c for c in channels if c not in course.catalogue.numerics
                  and c in course.catalogue.results)
    values = {c: np.empty(t.size) for c in (*numeric, *held)}
    flags = {f: np.zeros(t.size, dtype=bool) for f in flag_names}
    for a in range(0, t.size, _CHUNK_SAMPLES):
        g = t[a:a + _CHUNK_SAMPLES]
        got = course.numerics(numeric, g)
        for c in numeric:
            values[c][a:a + g.size] = got[c]
        for c in held:
            values[c][a:a + g.size] = course.held_result(c, g)
        on = course.flags(g)
        for f in flag_names:
            if f in on:
                flags[f][a:a + g.size] = on[f]
    return compute_timeline(t, values, flags, profile)
