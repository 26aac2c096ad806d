"""The one way case time is written on every screen and in the debrief.

Case time is seconds from admission (replay_data.timeexpr). People read it as the
case's day and clock time, the way a chart is kept: day 1 starts at admission, so
`Day 13 17:11` is 12 days, 17 h 11 min after it. Where it helps (the banner, the
console, the debrief) the ECMO run time is added: `ECMO run 1 d 02:03`. Elapsed times
(time to acknowledge, how long an injection lasted) are spoken durations: `1 min 55 s`.

Before admission (a scenario may start earlier) the clock reads `-HH:MM` rather than a
day number, so a pre-admission time can never pass for a hospital day.
"""

from __future__ import annotations

import math

DAY = 86400


def _split(t: float) -> tuple[int, int, int, int]:
    total = int(math.floor(abs(t)))
    day, rest = divmod(total, DAY)
    hh, rest = divmod(rest, 3600)
    mm, ss = divmod(rest, 60)
    return day, hh, mm, ss


def case_clock(t: float, *, seconds: bool = False) -> str:
    """'Day 13 17:11' (or 'Day 13 17:11:05' with seconds)."""
    day, hh, mm, ss = _split(t)
    clock = f"{hh:02d}:{mm:02d}" + (f":{ss:02d}" if seconds else "")
    if t < 0:
        return f"-{day}d {clock}"
    return f"Day {day + 1} {clock}"


def clock_of_day(t: float, *, seconds: bool = False) -> str:
    """'17:11' -- the clock time alone (a trend axis; the day is shown once)."""
    _, hh, mm, ss = _split(t if t >= 0 else t % DAY)
    return f"{hh:02d}:{mm:02d}" + (f":{ss:02d}" if seconds else "")


def case_day(t: float) -> int:
    """Hospital day of case time t (day 1 starts at admission; 0 before it)."""
    return int(math.floor(t / DAY)) + 1 if t >= 0 else 0


def ecmo_run(t: float, ecmo_start: float | None, ecmo_end: float | None = None) -> str:
    """'ECMO run 1 d 02:03' while on ECMO, 'ECMO ended' after, '' before (or no ECMO)."""
    if ecmo_start is None or t < ecmo_start:
        return ""
    if ecmo_end is not None and t >= ecmo_end:
        return "ECMO ended"
    day, hh, mm, _ = _split(t - ecmo_start)
    return f"ECMO run {day} d {hh:02d}:{mm:02d}" if day else f"ECMO run {hh:02d}:{mm:02d}"


def span_text(seconds: float | None) -> str:
    """A duration as spoken: '12 s', '1 min 55 s', '4 min', '1 h 05 min', '2 d 3 h'.
    Rounded to the whole second; None is 'until stopped'."""
    if seconds is None or not math.isfinite(seconds):
        return "until stopped"
    s = int(round(abs(seconds)))
    sign = "-" if seconds < 0 and s else ""
    day, rest = divmod(s, DAY)
    hh, rest = divmod(rest, 3600)
    mm, ss = divmod(rest, 60)
    if day:
        text = f"{day} d {hh} h" if hh else f"{day} d"
    elif hh:
        text = f"{hh} h {mm:02d} min" if mm else f"{hh} h"
    elif mm:
        text = f"{mm} min {ss} s" if ss else f"{mm} min"
    else:
        text = f"{ss} s"
    return sign + text
