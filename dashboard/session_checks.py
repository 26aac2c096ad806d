"""Checks of what a session file's perturbation records may hold.

A record is replayed as data (replay_data.perturbations), so a value the scenario file
would refuse must be refused here too: a zero oscillation period (NaN on every channel),
negative durations or ramps, a severity outside (0, 1], effects on unknown or derived
channels or beyond the channel's physical range, unknown flags. The ranges come from the
channel catalogue, as for scenarios. Injection names can only be checked against the
scenario, once it is loaded (`check_injection_names`), and the alarms trainee actions
name only against the scenario's alarm profile (`check_alarm_names`).

Each check raises ValueError with a one-line message (the reader adds file and line).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from replay_data.catalogue import Catalogue, load_catalogue
from replay_data.perturbations import Perturbation
from replay_data.scenario import Effect, Scenario

MAX_SESSION_SEED = 2**32 - 1  # the noise's seed width; larger ones would alias


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SESSION_SEED:
        raise ValueError(f"'seed' must be between 0 and {MAX_SESSION_SEED}, not {seed}")


def check_perturbation(p: Perturbation, catalogue: Catalogue | None = None) -> None:
    cat = catalogue or load_catalogue()
    if p.duration is not None and p.duration <= 0:
        raise ValueError(f"perturbation {p.id!r}: duration must be longer than 0 s or null "
                         f"(until stopped), not {p.duration:g}")
    if not 0 < p.severity <= 1:
        raise ValueError(f"perturbation {p.id!r}: severity must be in (0, 1], not "
                         f"{p.severity:g}")
    for name in ("onset", "offset"):
        v = getattr(p, name)
        if v < 0:
            raise ValueError(f"perturbation {p.id!r}: {name} must not be negative, not {v:g}")
    if p.kind == "override" and p.name not in cat.numerics:
        raise ValueError(f"perturbation {p.id!r}: override of unknown channel {p.name!r}")
    for f in p.flags:
        if f not in cat.flags:
            raise ValueError(f"perturbation {p.id!r}: unknown flag {f!r}")
    for e in p.effects:
        _check_effect(p.id, e, cat)


def _check_effect(pid: str, e: Effect, cat: Catalogue) -> None:
    where = f"perturbation {pid!r}: effect on {e.channel!r}"
    ch = cat.numerics.get(e.channel)
    if ch is None:
        raise ValueError(f"{where}: unknown channel")
    if ch.derived:
        raise ValueError(f"{where}: the channel is derived from others")
    lo, hi = ch.physical
    if e.set is not None and not lo <= e.set <= hi:
        raise ValueError(f"{where}: set {e.set:g} is outside {lo:g} to {hi:g}")
    width = hi - lo
    if e.add is not None and abs(e.add) > width:
        raise ValueError(f"{where}: add {e.add:g} is more than the whole range ({width:g})")
    if abs(e.oscillate) > width:  # negative: the opposite phase
        raise ValueError(f"{where}: oscillate {e.oscillate:g} is more than the whole range "
                         f"({width:g})")
    if not (math.isfinite(e.period) and e.period > 0):
        raise ValueError(f"{where}: period must be longer than 0 s, not {e.period:g}")
    if e.onset is not None and e.onset < 0:
        raise ValueError(f"{where}: onset must not be negative")


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
