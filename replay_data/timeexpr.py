"""Case-time expressions: '3600', '90s', 'ecmo_start', 'ecmo_start+1h30m', 'abg_pre_ecmo-5m'.

Case time is seconds from the scenario's `admission` event. Durations use the units
clinicians write on charts (s, m, h, d), combinable as in '1d6h' or '1h30m'.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .errors import TimeExpressionError

_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_EXPR = re.compile(r"^(?P<ref>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?P<sign>[+-])\s*(?P<dur>\S+))?$")


def parse_duration(text: str) -> float:
    """'90s' -> 90, '15m' -> 900, '1h30m' -> 5400, '2' -> 2 (bare numbers are seconds)."""
    s = str(text).strip()
    if not s:
        raise TimeExpressionError("empty duration")
    if _NUMBER.fullmatch(s):
        value = float(s)
    else:
        pos = 0
        value = 0.0
        units_seen: list[str] = []
        for m in _DURATION_PART.finditer(s):
            if m.start() != pos:
                break
            unit = m.group(2)
            if unit in units_seen:
                raise TimeExpressionError(f"duration {text!r} repeats unit {unit!r}")
            units_seen.append(unit)
            value += float(m.group(1)) * _UNIT_SECONDS[unit]
            pos = m.end()
        if pos != len(s) or not units_seen:
            raise TimeExpressionError(
                f"bad duration {text!r}: use seconds or units s, m, h, d (e.g. 90s, 15m, 1h30m)"
            )
    if not math.isfinite(value) or value < 0:
        raise TimeExpressionError(f"bad duration {text!r}: must be a finite, non-negative time")
    return value


def split_reference(text: str) -> tuple[str | None, float]:
    """Split 'event+dur' into ('event', +seconds); a plain number gives (None, seconds)."""
    s = str(text).strip()
    if not s:
        raise TimeExpressionError("empty time")
    if _NUMBER.fullmatch(s):
        value = float(s)
        if not math.isfinite(value):
            raise TimeExpressionError(f"bad time {text!r}")
        return None, value
    m = _EXPR.match(s)
    if not m:
        raise TimeExpressionError(
            f"bad time {text!r}: use seconds, <event>, <event>+<dur> or <event>-<dur>"
        )
    offset = 0.0
    if m.group("dur") is not None:
        offset = parse_duration(m.group("dur"))
        if m.group("sign") == "-":
            offset = -offset
    return m.group("ref"), offset


def resolve_time(text: str | float | int, events: Mapping[str, float]) -> float:
    """Resolve a time expression against known event times (seconds)."""
    if isinstance(text, bool):
        raise TimeExpressionError(f"bad time {text!r}")
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:  # an int beyond any float
            value = math.inf
        if not math.isfinite(value):
            raise TimeExpressionError(f"bad time {text!r}")
        return value
    ref, offset = split_reference(text)
    if ref is None:
        return offset
    if ref not in events:
        known = ", ".join(sorted(events)) or "none"
        raise TimeExpressionError(f"unknown event {ref!r} in time {text!r} (events: {known})")
    return events[ref] + offset


def format_case_time(t: float) -> str:
    """'Day D HH:MM:SS' with day 1 starting at admission (replay_data.casetime)."""
    from .casetime import case_clock

    return case_clock(t, seconds=True)


def format_duration(seconds: float) -> str:
    """Compact duration like '2d 03:15' or '00:04:10' for elapsed times on screen."""
    total = int(math.floor(max(0.0, seconds)))
    day, rest = divmod(total, 86400)
    hh, rest = divmod(rest, 3600)
    mm, ss = divmod(rest, 60)
    if day:
        return f"{day}d {hh:02d}:{mm:02d}"
    return f"{hh:02d}:{mm:02d}:{ss:02d}"
