"""A perturbation as plain JSON data and back: what a session file records and what the
instructor's session state carries to the room's displays.

perturbation_to_data writes every field (effects included), enough to rebuild the exact
Perturbation; perturbation_from_data reads it back and checks it as the scenario file
would be checked: a value the scenario file would refuse is refused here too (a zero
oscillation period, negative durations or ramps, a severity outside (0, 1], effects on
unknown or derived channels or beyond the channel's physical range, unknown flags). The
ranges come from the channel catalogue, as for scenarios.

Beside the perturbations (not in the recording) because the session controller needs it
for its state, below the recording in the layers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from replay_data.catalogue import Catalogue, load_catalogue
from replay_data.perturbations import Perturbation
from replay_data.scenario import Effect


class RecordError(Exception):
    """A problem in one record; a reader adds the file and line number."""


_PERTURBATION_FIELDS = tuple(f.name for f in dataclasses.fields(Perturbation))
_EFFECT_FIELDS = tuple(f.name for f in dataclasses.fields(Effect))


def perturbation_to_data(p: Perturbation) -> dict[str, Any]:
    """Every field, effects included: enough to rebuild the exact Perturbation. (What
    dataclasses.asdict gives -- the fields are plain values -- without its deep copies:
    a session state with thousands of disturbances is built after every action.)"""
    d = {name: getattr(p, name) for name in _PERTURBATION_FIELDS}
    d["flags"] = list(p.flags)
    # plain JSON data: lists, as a reader gets them
    d["effects"] = [{name: getattr(e, name) for name in _EFFECT_FIELDS} for e in p.effects]
    return d


def number_field(d: Mapping[str, Any], key: str, *, optional: bool = False) -> float | None:
    if key not in d:
        raise RecordError(f"missing {key!r}")
    v = d[key]
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise RecordError(f"{key!r} must be a number{' or null' if optional else ''}, not {v!r}")
    return float(v)


def text_field(d: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    if key not in d:
        raise RecordError(f"missing {key!r}")
    v = d[key]
    if (v is None and optional) or isinstance(v, str):
        return v
    raise RecordError(f"{key!r} must be text{' or null' if optional else ''}, not {v!r}")


def fields_of(cls: type, d: object, what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise RecordError(f"{what} must be an object")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - set(names))
    if unknown:
        raise RecordError(f"{what}: unknown key {unknown[0]!r}")
    required = [n for n, f in names.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in d]
    if missing:
        raise RecordError(f"{what}: missing {missing[0]!r}")
    return d


def effect_from_data(d: object) -> Effect:
    d = fields_of(Effect, d, "effect")
    channel = text_field(d, "channel")
    kw: dict[str, Any] = {"channel": channel}
    for key in ("set", "add", "onset", "offset"):
        if key in d:
            kw[key] = number_field(d, key, optional=True)
    for key in ("oscillate", "period"):
        if key in d:
            kw[key] = number_field(d, key)
    if "off" in d:
        if not isinstance(d["off"], bool):
            raise RecordError(f"effect 'off' must be true or false, not {d['off']!r}")
        kw["off"] = d["off"]
    return Effect(**kw)


def perturbation_from_record(d: object) -> Perturbation:
    d = fields_of(Perturbation, d, "perturbation")
    flags = d["flags"]
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise RecordError("perturbation 'flags' must be a list of text")
    effects = d["effects"]
    if not isinstance(effects, list):
        raise RecordError("perturbation 'effects' must be a list")
    kind = text_field(d, "kind")
    if kind not in ("injection", "override", "control"):
        raise RecordError(f"perturbation kind must be injection, override or control, not {kind!r}")
    p = Perturbation(
        id=text_field(d, "id"), kind=kind, name=text_field(d, "name"),
        start=number_field(d, "start"),
        duration=number_field(d, "duration", optional=True), severity=number_field(d, "severity"),
        onset=number_field(d, "onset"), offset=number_field(d, "offset"), flags=tuple(flags),
        effects=tuple(effect_from_data(e) for e in effects),
        variant=(text_field(d, "variant", optional=True) or "") if "variant" in d else "",
    )
    try:
        check_perturbation(p)
    except ValueError as exc:
        raise RecordError(str(exc)) from None
    return p


def perturbation_from_data(d: object) -> Perturbation:
    """A perturbation as perturbation_to_data wrote it (ValueError if malformed)."""
    try:
        return perturbation_from_record(d)
    except RecordError as exc:
        raise ValueError(f"disturbance: {exc}") from None


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
