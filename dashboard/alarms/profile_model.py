"""Alarm profiles as data: the profile, its tones, and the error a bad file gives.

Built by dashboard.alarms.profile_rules from the files dashboard.alarms.profile_files
reads; nothing here reads a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .conditions import AlarmRule
from .kinds import Priority


class ProfileError(ValueError):
    """An alarm profile that cannot be used. Message: '<file>:<line>: <key>: <problem>'
    (the line where the key is written, when the file gives it)."""

    def __init__(self, where: str, key: str | None, problem: str, line: int | None = None
                 ) -> None:
        self.where = where
        self.key = key
        self.problem = problem
        self.line = line
        head = f"{where}:{line}" if line else where
        super().__init__(f"{head}: {key}: {problem}" if key else f"{head}: {problem}")


@dataclass(frozen=True)
class ToneSpec:
    """Timing of one priority's auditory burst (IEC 60601-1-8 style parameters)."""

    pulses: int  # high 10, medium 3, low 1 or 2
    pulse_ms: float  # pulse duration, rise to end of fall
    rise_ms: float
    fall_ms: float
    spacing_ms: float  # silence between pulses within a group
    half_gap_ms: float  # high only: silence between the 5th and 6th pulse
    repeat_s: float  # burst start to next burst start; 0 = play once


@dataclass(frozen=True)
class AlarmGroup:
    """Alarm rules that one problem sets off together, shown as one alarm (e.g. a
    hypotension crosses the systolic, diastolic and mean limits at once: "ABP low").

    Each member is still tracked and logged as its own limit crossing; the operator
    sees, hears and acknowledges one alarm with the highest priority of its members."""

    id: str
    message: str
    members: tuple[str, ...]  # rule ids, in the order their values are shown
    labels: tuple[str, ...]  # each member's short name beside its value ("sys", "mean")


@dataclass(frozen=True)
class AlarmProfile:
    name: str
    description: str
    source: str  # file chain, child first, for messages
    audio_pause_s: float
    alarm_pause_s: float
    latching: Mapping[Priority, bool]
    latched_audible: bool
    amplitude: float
    tones: Mapping[Priority, ToneSpec]
    rules: tuple[AlarmRule, ...]
    # Visual signal per priority: flashing frequency (0 = steady) and fraction lit.
    flash_hz: Mapping[Priority, float] = dataclasses.field(default_factory=dict)
    flash_duty: float = 0.5
    groups: tuple[AlarmGroup, ...] = ()

    def group_of(self, rule_id: str) -> AlarmGroup | None:
        """The group a rule is folded into, or None."""
        for g in self.groups:
            if rule_id in g.members:
                return g
        return None

    @property
    def alarm_ids(self) -> frozenset[str]:
        """What an operator may name to acknowledge or switch off: rules and groups."""
        return frozenset([*(r.id for r in self.rules), *(g.id for g in self.groups)])

    def rule(self, alarm_id: str) -> AlarmRule:
        for r in self.rules:
            if r.id == alarm_id:
                return r
        raise KeyError(alarm_id)

    def latches(self, rule: AlarmRule, priority: Priority) -> bool:
        return self.latching[priority] if rule.latching is None else rule.latching

    @property
    def parameters(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for r in self.rules:
            if r.parameter is not None:
                seen[r.parameter] = None
        return tuple(seen)
