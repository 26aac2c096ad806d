"""Checks of what a session file may hold beyond its own lines' form.

A perturbation record is checked as the scenario file would be
(replay_data.perturbation_data.check_perturbation). What needs the scenario is checked
once it is loaded, by `check_recording` -- the one validator both `--replay` and the
debrief use (through reader.course_for): case times inside the case, disturbances no
longer than the scenario allows (`check_limits`), injections the scenario defines
(`check_injection_names`), and alarms its profile has (`check_alarm_names`).

Each check raises ValueError with a one-line message (the reader adds file and line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from replay_data.perturbations import Perturbation
from replay_data.scenario import MAX_DURATION_S, Scenario

MAX_SESSION_SEED = 2**32 - 1  # the noise's seed width; larger ones would alias


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SESSION_SEED:
        raise ValueError(f"'seed' must be between 0 and {MAX_SESSION_SEED}, not {seed}")


def _outside(what: str, t: float, sc: Scenario) -> str | None:
    if sc.start <= t <= sc.end:
        return None
    return (f"{what} {t:g} s is outside the case ({sc.start:g} to {sc.end:g} s): the "
            "clock never leaves it")


def _too_long(p: Perturbation) -> str | None:
    """A length the scenario file could not give (MAX_DURATION_S), or None."""
    lengths = [("duration", p.duration), ("onset", p.onset), ("offset", p.offset)]
    lengths += [(f"effect on {e.channel!r}: {name}", getattr(e, name))
                for e in p.effects for name in ("onset", "offset")]
    for name, v in lengths:
        if v is not None and v > MAX_DURATION_S:
            return (f"perturbation {p.id!r}: {name} {v:g} s is longer than a scenario "
                    f"allows ({MAX_DURATION_S:g} s)")
    return None


def check_limits(start: float, entries: Iterable[tuple[int, float, Perturbation | None]],
                 scenario: Scenario) -> tuple[int, str] | None:
    """(line, problem) of the first thing outside the scenario's own limits, or None: the
    header's start (line 1) and each line's case time inside the case (the clock clamps
    to it, so a file that leaves it was not written by a session); a perturbation's start
    inside the case and its lengths at most MAX_DURATION_S. `entries`: (line, case time,
    the line's perturbation or None)."""
    bad = _outside("'start'", start, scenario)
    if bad is not None:
        return 1, bad
    for line, t, p in entries:
        bad = _outside("case_time", t, scenario)
        if bad is None and p is not None:
            bad = _outside(f"perturbation {p.id!r}: start", p.start, scenario) or _too_long(p)
        if bad is not None:
            return line, bad
    return None


def check_injection_names(records: Iterable[tuple[int, Perturbation]], scenario: Scenario
                          ) -> tuple[int, str] | None:
    """(line, problem) of the first injection the scenario does not define, or None."""
    for line, p in records:
        if p.kind == "injection" and p.name not in scenario.injections:
            known = ", ".join(scenario.injections) or "none"
            return line, (f"perturbation {p.id!r}: unknown injection {p.name!r} in scenario "
                          f"{scenario.id!r} (known: {known})")
    return None


def check_alarm_names(actions: Iterable[tuple[int, str, Mapping[str, Any]]],
                      profile: Any) -> tuple[int, str] | None:
    """(line, problem) of the first recorded action (line, kind, fields) naming an alarm
    or alarm limits the profile does not have, or None -- what a replay refuses
    (SessionController.check), so the debrief refuses it as well."""
    rules = profile.alarm_ids  # rule ids and the ids of folded alarms (groups)
    for line, kind, fields in actions:
        if kind == "acknowledge" and fields.get("alarm_id") is not None and \
                fields["alarm_id"] not in rules:
            return line, f"acknowledge: unknown alarm id {fields['alarm_id']!r}"
        if kind == "limits" and fields.get("parameter") not in profile.parameters:
            return line, f"limits: no alarm limits for {fields.get('parameter')!r}"
        if kind == "alarm_off" and fields.get("target") not in profile.parameters and \
                fields.get("target") not in rules:
            return line, f"alarm_off: unknown alarm {fields.get('target')!r}"
    return None
