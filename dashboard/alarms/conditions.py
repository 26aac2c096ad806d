"""Alarm conditions: compiled rules and their sequential, history-dependent tracking.

A rule (one alarm id, e.g. ``hr.low``) has one or more *levels* in rising severity
(the normal limit, then the extreme limit). Each level is a conjunction of clauses.
Its state follows one small machine, which timeline.py reproduces with numpy:

    idle     -> pending  when the condition is met (strict comparison)
    pending  -> raised   once it has held for delay_s: at the first sample with
                         t >= pending_since + delay_s (this exact float expression is
                         what timeline.py uses too, so both agree to the sample)
    pending  -> idle     as soon as the condition is not met
    raised   -> idle     when the value is no longer beyond the limit *widened by the
                         hysteresis margin* (a value hovering at the limit cannot chatter)
                         and has stayed so for the level's hold_s (0 by default: at
                         once; at the first sample with t >= last_met + hold_s)

The rule's alarm condition is present while any enabled level is raised; its level is
the highest one reached since it started (escalation is one-way until it clears, so a
value hovering at the extreme limit does not flip the priority back and forth).

A numeric clause on a NaN channel (not measured / not connected) is never met, so a
condition on an unmeasured channel is not active; flag clauses ignore NaN, which is how
sensor-off technical alarms work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from replay_data import catalogue

from .kinds import AlarmKind, Category, Priority


def known_channels() -> frozenset[str]:
    """The channel ids a sample may carry (the input contract with the replay model): the
    catalogue's measured numerics and the results a sample holds. Profiles are checked
    against these so a typo cannot silently disable an alarm."""
    return catalogue.load_catalogue().sampled_channels


def known_flags() -> frozenset[str]:
    """The flags a sample may carry: the catalogue's `[flag.*]` entries
    (resources/catalogue/channels.toml), the one list scenarios are checked against too."""
    return frozenset(catalogue.load_catalogue().flags)


OPS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class NumericClause:
    """`channel op threshold`; threshold is a constant or another channel (ref)."""

    channel: str
    op: str
    value: float | None = None
    ref: str | None = None
    hysteresis: float = 0.0

    def threshold(self, values: Mapping[str, float]) -> float:
        if self.ref is not None:
            return float(values.get(self.ref, math.nan))
        assert self.value is not None
        return self.value

    def met(self, values: Mapping[str, float], raised: bool) -> bool:
        """Strict test while not raised; widened by the hysteresis margin once raised."""
        v = float(values.get(self.channel, math.nan))
        thr = self.threshold(values)
        if math.isnan(v) or math.isnan(thr):
            return False
        h = self.hysteresis if raised else 0.0
        op = self.op
        if op == "<":
            return v < thr + h
        if op == "<=":
            return v <= thr + h
        if op == ">":
            return v > thr - h
        return v >= thr - h


@dataclass(frozen=True)
class FlagClause:
    """A flag that must be present (or, with present=False, absent)."""

    flag: str
    present: bool = True

    def met(self, flags: frozenset[str]) -> bool:
        return (self.flag in flags) == self.present


Clause = NumericClause | FlagClause


@dataclass(frozen=True)
class Level:
    """One severity step of a rule. The first clause is the primary one (its channel's
    value and threshold are what the log and the screen report)."""

    priority: Priority
    delay_s: float
    message: str
    switchable: bool
    clauses: tuple[Clause, ...]
    # Once raised, the level stays raised until its condition has been absent this long
    # (a suction that comes and goes with each flow dip is one alarm, not one per dip).
    hold_s: float = 0.0

    @property
    def primary(self) -> NumericClause | None:
        first = self.clauses[0]
        return first if isinstance(first, NumericClause) else None

    def met(self, values: Mapping[str, float], flags: frozenset[str], raised: bool) -> bool:
        for c in self.clauses:
            ok = c.met(flags) if isinstance(c, FlagClause) else c.met(values, raised)
            if not ok:
                return False
        return True

    def limit(self, values: Mapping[str, float]) -> float | None:
        p = self.primary
        return None if p is None else p.threshold(values)


@dataclass(frozen=True)
class AlarmRule:
    """Everything needed to detect one alarm (id like 'hr.low' or 'sweep_gas_low')."""

    id: str
    channel: str | None  # channel whose value is shown and logged; None for flag alarms
    parameter: str | None  # parameter whose limits set_limits() may change, else None
    direction: str | None  # 'low' / 'high' for parameter limit rules, else None
    kind: AlarmKind
    category: Category
    levels: tuple[Level, ...]  # rising severity
    latching: bool | None = None  # None: the profile's per-priority default

    @property
    def switchable(self) -> bool:
        """ALARM OFF is refused only when no level of the rule may be switched off."""
        return any(lv.switchable for lv in self.levels)


class LevelTracker:
    """The idle / pending / raised machine of one level (see module docstring)."""

    __slots__ = ("last_met", "pending_since", "raised")

    def __init__(self) -> None:
        self.pending_since: float | None = None
        self.raised = False
        self.last_met = -math.inf  # while raised: when the condition last held

    def update(self, level: Level, t: float, values: Mapping[str, float], flags: frozenset[str]):
        if self.raised:
            if level.met(values, flags, raised=True):
                self.last_met = t
            elif t >= self.last_met + level.hold_s:  # hold 0: clears at once
                self.raised = False
            return
        if not level.met(values, flags, raised=False):
            self.pending_since = None
            return
        if self.pending_since is None:
            self.pending_since = t
        if t >= self.pending_since + level.delay_s:
            self.raised = True
            self.pending_since = None
            self.last_met = t


@dataclass(frozen=True)
class ConditionEvent:
    """A change of a rule's alarm condition: 'raise', 'escalate' or 'clear'."""

    event: str
    level: int  # level index: the one reached (raise/escalate) or the peak (clear)


class RuleTracker:
    """Tracks one rule's alarm condition: the per-level machines plus the instance
    (present while any enabled level is raised; level only rises until it clears)."""

    __slots__ = ("levels", "active", "peak")

    def __init__(self, rule: AlarmRule) -> None:
        self.levels = [LevelTracker() for _ in rule.levels]
        self.active = False
        self.peak = -1

    def update(
        self, rule: AlarmRule, t: float, values: Mapping[str, float], flags: frozenset[str]
    ) -> None:
        for level, tracker in zip(rule.levels, self.levels, strict=True):
            tracker.update(level, t, values, flags)

    def current_level(self, enabled: tuple[bool, ...]) -> int:
        cur = -1
        for i, (tracker, on) in enumerate(zip(self.levels, enabled, strict=True)):
            if on and tracker.raised:
                cur = i
        return cur

    def reconcile(self, enabled: tuple[bool, ...]) -> ConditionEvent | None:
        """Fold the level states into the instance; say what changed, if anything."""
        cur = self.current_level(enabled)
        if self.active:
            if cur < 0:
                self.active = False
                peak, self.peak = self.peak, -1
                return ConditionEvent("clear", peak)
            if cur > self.peak:
                self.peak = cur
                return ConditionEvent("escalate", cur)
            return None
        if cur >= 0:
            self.active = True
            self.peak = cur
            return ConditionEvent("raise", cur)
        return None
