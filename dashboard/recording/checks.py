"""Checks of what a session file may hold beyond its own lines' form.

A perturbation record is checked as the scenario file would be
(replay_data.perturbation_data.check_perturbation, re-exported here). Injection names
can only be checked against the scenario, once it is loaded (`check_injection_names`),
and the alarms trainee actions name only against the scenario's alarm profile
(`check_alarm_names`).

Each check raises ValueError with a one-line message (the reader adds file and line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from replay_data.perturbations import Perturbation
from replay_data.scenario import Scenario

MAX_SESSION_SEED = 2**32 - 1  # the noise's seed width; larger ones would alias


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SESSION_SEED:
        raise ValueError(f"'seed' must be between 0 and {MAX_SESSION_SEED}, not {seed}")


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
    rules = {r.id for r in profile.rules}
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
