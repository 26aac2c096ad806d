"""A parameter's normal alarm limits: read them from the rules, check new ones, write them
into new rules. The extreme limits (a rule's further levels) stay as profiled; a normal
limit may not pass its extreme one, and low stays below high.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from .conditions import AlarmRule
from .profile import AlarmProfile
from .records import LimitError


def current_limits(rules: Mapping[str, AlarmRule],
                   parameter: str) -> tuple[float | None, float | None]:
    """Current (low, high) alarm limits of a parameter; None where it has none."""
    out: list[float | None] = []
    for side in ("low", "high"):
        rule = rules.get(f"{parameter}.{side}")
        clause = None if rule is None else rule.levels[0].primary
        out.append(None if clause is None else clause.value)
    return out[0], out[1]


def check_limits(rules: Mapping[str, AlarmRule], profile: AlarmProfile, parameter: str,
                 low: float | None, high: float | None) -> None:
    """LimitError unless the new limits (None: unchanged) can be used."""
    if parameter not in profile.parameters:
        known = ", ".join(profile.parameters)
        raise LimitError(f"no alarm limits for {parameter!r} (parameters: {known})")
    cur_low, cur_high = current_limits(rules, parameter)
    new_low = cur_low if low is None else low
    new_high = cur_high if high is None else high
    for side, value in (("low", low), ("high", high)):
        if value is None:
            continue
        rid = f"{parameter}.{side}"
        if rid not in rules:
            raise LimitError(f"{parameter} has no {side} alarm limit")
        if isinstance(value, bool) or not math.isfinite(value):
            raise LimitError(f"{parameter} {side} limit must be a finite number, got {value!r}")
        rule = rules[rid]
        if len(rule.levels) > 1:
            ext = rule.levels[1].primary
            assert ext is not None and ext.value is not None
            if (side == "low" and not value > ext.value) or (
                side == "high" and not value < ext.value
            ):
                raise LimitError(
                    f"{parameter} {side} limit {value:g} would pass the extreme limit "
                    f"{ext.value:g} ({rule.levels[1].message})"
                )
    if new_low is not None and new_high is not None and not new_low < new_high:
        raise LimitError(f"{parameter} low limit {new_low:g} must be below high {new_high:g}")


def with_normal_limit(rule: AlarmRule, value: float) -> tuple[AlarmRule, float | None]:
    """The rule with its normal (first-level) limit at `value`, and the old limit."""
    lv0 = rule.levels[0]
    old = lv0.primary
    assert old is not None
    clause = dataclasses.replace(old, value=float(value))
    lv0 = dataclasses.replace(lv0, clauses=(clause, *lv0.clauses[1:]))
    return dataclasses.replace(rule, levels=(lv0, *rule.levels[1:])), old.value
