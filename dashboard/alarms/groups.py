"""Folded alarms: the alarm condition of a group of rules that one problem sets off.

One hypotension crosses the ABP systolic, diastolic and mean low limits within seconds:
one problem, so one alarm ("ABP low"), not three entries in the bar, the log and the
audio queue. Each member rule keeps its own condition (delay, hysteresis, hold,
escalation; conditions.RuleTracker); the group's condition is present while any member's
is, and its priority is the highest any member has reached since it started (one-way
until it clears, as a rule's own escalation). Modelled on IEC 60601-1-8, where an alarm
signal may stand for several alarm conditions and takes the priority of the most urgent.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import AlarmRule, ConditionEvent
from .kinds import Priority


@dataclass(frozen=True)
class ConditionChange:
    """A change of an alarm's condition: 'raise', 'escalate' or 'clear'. For a group,
    `rule` and `level` are the member that set its priority (its lead); for a single
    rule, that rule and its level."""

    event: str
    rule: AlarmRule
    level: int

    @property
    def priority(self) -> Priority:
        return self.rule.levels[self.level].priority


class GroupTracker:
    """Which members' conditions are present, and the lead: the member at the highest
    priority, the first to reach it (whose value the alarm and the log report)."""

    __slots__ = ("active", "lead")

    def __init__(self) -> None:
        self.active: dict[str, int] = {}  # member rule id -> its level now
        self.lead: tuple[AlarmRule, int] | None = None

    def update(self, rule: AlarmRule, ev: ConditionEvent) -> ConditionChange | None:
        """Fold one member's condition event into the group; what changed, if anything."""
        if ev.event == "clear":
            self.active.pop(rule.id, None)
            if self.active or self.lead is None:
                return None
            lead, self.lead = self.lead, None
            return ConditionChange("clear", *lead)
        self.active[rule.id] = ev.level
        if self.lead is None:
            self.lead = (rule, ev.level)
            return ConditionChange("raise", rule, ev.level)
        lead_rule, lead_level = self.lead
        if rule.levels[ev.level].priority > lead_rule.levels[lead_level].priority:
            self.lead = (rule, ev.level)
            return ConditionChange("escalate", rule, ev.level)
        return None

    def renamed(self, rule: AlarmRule) -> None:
        """The lead's rule object was replaced (new limits): keep the new one."""
        if self.lead is not None and self.lead[0].id == rule.id:
            self.lead = (rule, self.lead[1])
