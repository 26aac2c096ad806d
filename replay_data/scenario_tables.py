"""Readers for the tables a case file and a drill file share, and the limits every time,
duration and name in them must keep.

Each reader takes a replay_data.toml_reader.Table, so a problem is one line naming the
file, the line and the key. The limits are checked here, where the file is read, so a
file that validates is one the monitor, the consoles and replay can show:

- case times lie within MAX_CASE_S (the timeline slider counts seconds in a 32-bit
  integer; far below that, a year is longer than any ICU case a drill replays);
- an injection lasts at most MAX_DURATION_S;
- ids that time expressions, actions and recordings name (events, injections, expected
  responses) are names (letters, digits, _), never empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .catalogue import Catalogue, NumericChannel, ResultTest
from .scenario_data import (
    BASES,
    Briefing,
    ControlCondition,
    Effect,
    EndCondition,
    ExpectedResponse,
    InjectionSpec,
    InjectionVariant,
    Provenance,
)
from .toml_reader import Table, allowed_names

MAX_CASE_S = 366 * 86400.0
MAX_DURATION_S = 1e7  # about 115 days
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # what a time expression can refer to
NAME_RULE = "letters, digits and _, not starting with a digit"


def check_name(r: Table, key: str | int | None, value: object, what: str) -> str:
    """An id a time expression, an action or a file can name (see NAME)."""
    if not isinstance(value, str):
        raise r.fail(key, f"must be text, not {type(value).__name__}")
    if not NAME.fullmatch(value):
        shown = "empty" if not value else repr(value)
        raise r.fail(key, f"{what} id {shown}: use {NAME_RULE}")
    return value


def provenance(r: Table) -> Provenance:
    basis = r.text("basis")
    if basis not in BASES:
        raise r.fail("basis", f"{basis!r}: must be one of {', '.join(BASES)} (case: the "
                              "report says it, with a quote; derived: worked out from it; "
                              "assumed: a plausible value)")
    quote = r.text("quote", "")
    if basis == "case" and not quote:
        raise r.fail("quote", "a case fact must quote the report")
    return Provenance(basis, quote, r.text("note", ""))


def briefing(top: Table) -> Briefing:
    """The optional [briefing] table: objectives, case_stem, debrief_prompts."""
    if "briefing" not in top:
        return Briefing()
    r = top.child("briefing")
    r.check_keys({"objectives", "case_stem", "debrief_prompts"})

    def texts(name: str) -> tuple[str, ...]:
        items = r.array(name, [])
        for i, x in enumerate(items):
            if not isinstance(x, str) or not x.strip():
                raise r.fail((name, i), "must be non-empty text")
        return tuple(x.strip() for x in items)

    return Briefing(texts("objectives"), r.text("case_stem", "").strip(),
                    texts("debrief_prompts"))


def in_course(r: Table, key: str | None, t: float, start: float, end: float) -> None:
    if not (start <= t <= end):
        raise r.fail(key, f"{t:.0f} s is outside the scenario ({start:.0f} to {end:.0f} s)")


def in_range(r: Table, key: str | tuple, value: float,
             channel: NumericChannel | ResultTest) -> None:
    """A value must lie in the channel's physical range (from the catalogue); NaN means
    not measured and is always allowed."""
    lo, hi = channel.physical
    if not math.isnan(value) and not (lo <= value <= hi):
        unit = channel.unit
        raise r.fail(key, f"{value:g} {unit} is outside the physical range "
                          f"{lo:g} to {hi:g} {unit}".replace("  ", " "))


UNTIL_STOPPED = "until stopped"


def default_duration(r: Table) -> float | None:
    """An injection's `default_duration`: a duration, or "until stopped" (None): an
    all-or-nothing emergency lasts until the team's action or the instructor ends it."""
    if r.raw("default_duration") == UNTIL_STOPPED:
        return None
    return check_duration(r, "default_duration", r.duration("default_duration"))


def optional_duration(r: Table, key: str, default: float | None) -> float | None:
    """A scheduled injection's `duration` (default: the injection's own, which may be
    None: until stopped)."""
    if key not in r and default is None:
        return None
    if r.raw(key, None) == UNTIL_STOPPED:
        return None
    return check_duration(r, key, r.duration(key, default))


def check_duration(r: Table, key: str, seconds: float) -> float:
    """A disturbance's length: longer than 0 s, at most MAX_DURATION_S."""
    if seconds <= 0:
        raise r.fail(key, "must be longer than 0 s")
    if seconds > MAX_DURATION_S:
        raise r.fail(key, f"{seconds:g} s is longer than an injection may last "
                          f"({MAX_DURATION_S:g} s)")
    return seconds


def check_span(r: Table, key: str, seconds: float | None) -> float | None:
    """A ramp or a response window (onset, offset, within): 0 s up to MAX_DURATION_S; a
    longer one could never be reached (and 1e300 s overflowed the clocks that use it)."""
    if seconds is not None and not 0 <= seconds <= MAX_DURATION_S:
        raise r.fail(key, f"{seconds:g} s: between 0 s and {MAX_DURATION_S:g} s")
    return seconds


def flags(r: Table, key: str, known: Mapping[str, str]) -> tuple[str, ...]:
    values = r.array(key, [])
    if not all(isinstance(f, str) for f in values):
        raise r.fail(key, "must be a list of strings")
    for f in values:
        if f not in known:
            raise r.fail(key, f"unknown flag {f!r}" + allowed_names(f, known))
    return tuple(values)


# --------------------------------------------------------------------------- injections


def _check_effect(r: Table, eff: Effect, channel: NumericChannel) -> None:
    """What an injection may do to a channel: set a value in its physical range, or add or
    oscillate by at most the range's width (so a full-severity effect stays a change a
    patient or device could show; the course clamps to the monitor's limits)."""
    lo, hi = channel.physical
    if eff.set is not None:
        in_range(r, "set", eff.set, channel)
    width = hi - lo
    if eff.add is not None and abs(eff.add) > width:
        raise r.fail("add", f"{eff.add:g} is more than the channel's whole physical range "
                            f"({width:g})")
    if abs(eff.oscillate) > width:  # negative: the opposite phase
        raise r.fail("oscillate", f"{eff.oscillate:g} is more than the channel's whole "
                                  f"physical range ({width:g})")


def effects(parent: Table, key: str, cat: Catalogue) -> tuple[Effect, ...]:
    out = []
    for er in parent.items(key, []):
        er.check_keys({"channel", "set", "add", "oscillate", "period", "off", "onset",
                       "offset"})
        ch = er.text("channel")
        if ch not in cat.numerics:
            raise er.fail("channel", f"unknown channel {ch!r}" + allowed_names(
                ch, (c.id for c in cat.numerics.values() if not c.derived), "channels"))
        if cat.numerics[ch].derived:
            raise er.fail("channel", f"{ch!r} is derived from other channels")
        eff = Effect(
            channel=ch,
            set=er.optional_number("set"),
            add=er.optional_number("add"),
            oscillate=er.number("oscillate", 0.0),
            period=er.duration("period", "2s"),
            off=bool(er.get("off", bool, False)),
            onset=check_span(er, "onset", er.duration("onset") if "onset" in er else None),
            offset=check_span(er, "offset",
                              er.duration("offset") if "offset" in er else None),
        )
        if eff.set is not None and eff.add is not None:
            raise er.fail(None, "give either set or add, not both")
        if eff.set is None and eff.add is None and not eff.off and not eff.oscillate:
            raise er.fail(None, "an effect needs set, add, oscillate or off")
        if eff.period <= 0:
            raise er.fail("period", "must be longer than 0 s")
        _check_effect(er, eff, cat.numerics[ch])
        out.append(eff)
    return tuple(out)


def control_name(cr: Table, cat: Catalogue) -> str:
    """The `control` of a condition: a team control of the catalogue (else one line with
    the closest names)."""
    cid = cr.text("control")
    ch = cat.numerics.get(cid)
    if ch is None or ch.group != "controls":
        raise cr.fail("control", f"unknown control {cid!r}" + allowed_names(
            cid, (c.id for c in cat.numerics.values() if c.group == "controls"),
            "controls"))
    return cid


def expected(parent: Table, key: str, cat: Catalogue) -> tuple[ExpectedResponse, ...]:
    """The responses the team is expected to make (an injection's `expected`, or a
    drill's `[expected]` list for one injection)."""
    out: list[ExpectedResponse] = []
    for r in parent.items(key, []):
        r.check_keys({"id", "label", "within", "any"})
        rid = check_name(r, "id", r.text("id"), "expected response")
        if any(e.id == rid for e in out):
            raise r.fail("id", f"duplicate expected response id {rid!r}")
        conds = []
        for cr in r.items("any"):
            cr.check_keys({"control", "at_least", "at_most", "equals"})
            cid = control_name(cr, cat)
            if "equals" in cr:
                lo = hi = cr.number("equals")
            else:
                lo, hi = cr.optional_number("at_least"), cr.optional_number("at_most")
            if lo is None and hi is None:
                raise cr.fail(None, "needs equals, at_least or at_most")
            conds.append(ControlCondition(cid, lo, hi))
        if not conds:
            raise r.fail("any", "needs at least one condition")
        within = r.duration("within")
        if within <= 0:
            raise r.fail("within", "must be longer than 0 s (the time the team has)")
        check_span(r, "within", within)
        out.append(ExpectedResponse(rid, r.text("label", nonempty=True), within,
                                    tuple(conds)))
    return tuple(out)


# The model inputs a team's setting restates (replay_data.controls.control_perturbation):
# what an `ended_by` condition may ask of the state the setting gives.
TEAM_SET_INPUTS = ("ecmo_flow", "ecmo_rpm", "drainage_resistance", "sweep_flow", "fdo2",
                   "fio2", "peep", "rr", "tidal_volume")


def ended_by(parent: Table, key: str, cat: Catalogue) -> tuple[EndCondition, ...]:
    """An injection's `ended_by`: what of the team's ends it once it began, any one of
    `{ control = "control.ecmo.pump", equals = 1 }` (their setting of that control) or
    `{ input = "ecmo_flow", above = 0 }` (the state any setting of theirs gives)."""
    if key not in parent:
        return ()
    out = []
    for cr in parent.items(key, nonempty=True):
        cr.check_keys({"control", "input", "equals", "at_least", "at_most", "above"})
        if ("control" in cr) == ("input" in cr):
            raise cr.fail(None, "give either control (a team's setting) or input (the "
                                "state it gives), not both or neither")
        if "control" in cr:
            cid = control_name(cr, cat)
        else:
            cid = cr.text("input")
            if cid not in TEAM_SET_INPUTS:
                raise cr.fail("input", f"{cid!r} is not set by the team's consoles"
                              + allowed_names(cid, TEAM_SET_INPUTS, "inputs"))
        if "equals" in cr:
            if any(k in cr for k in ("at_least", "at_most", "above")):
                raise cr.fail("equals", "give equals alone, or at_least / at_most / above")
            lo = hi = cr.number("equals")
            above = None
        else:
            lo, hi = cr.optional_number("at_least"), cr.optional_number("at_most")
            above = cr.optional_number("above")
        if lo is None and hi is None and above is None:
            raise cr.fail(None, "needs equals, at_least, at_most or above")
        out.append(EndCondition(cid, lo, hi, above))
    return tuple(out)


def _variant(vr: Table, vid: str, cat: Catalogue) -> InjectionVariant:
    vr.check_keys({"label", "effects", "flags", "onset", "formerly"})
    formerly = vr.array("formerly", [])
    if not all(isinstance(f, str) and f for f in formerly):
        raise vr.fail("formerly", "must be a list of earlier variant names")
    return InjectionVariant(vid, vr.text("label", nonempty=True), effects(vr, "effects", cat),
                            flags(vr, "flags", cat.flags),
                            check_span(vr, "onset",
                                       vr.duration("onset") if "onset" in vr else None),
                            tuple(formerly))


def injection(r: Table, iid: str, cat: Catalogue) -> InjectionSpec:
    """One `[injections.ID]` table."""
    check_name(r, None, iid, "injection")
    r.check_keys({"label", "category", "basis", "quote", "note", "description",
                  "default_severity", "default_duration", "onset", "offset", "flags",
                  "effects", "severity_meaning", "variants", "default_variant", "expected",
                  "ended_by"})
    own_effects = effects(r, "effects", cat)
    variant_tables = r.child("variants")
    for vid in variant_tables.table:  # "pump_stop:clamped" names a variant: ids are names
        check_name(variant_tables, vid, vid, "variant")
    variants = {vid: _variant(vr, vid, cat) for vid, vr in variant_tables.tables().items()}
    for v in variants.values():
        for old in v.formerly:
            if old in variants or sum(old in w.formerly for w in variants.values()) > 1:
                raise variant_tables.fail(f"{v.id}.formerly",
                                          f"{old!r} already names another variant")
    if not own_effects and not variants and "flags" not in r:
        raise r.fail("effects", "an injection needs effects, variants or flags")
    default_variant = r.text("default_variant", next(iter(variants), ""))
    if variants and default_variant not in variants:
        raise r.fail("default_variant", f"unknown variant {default_variant!r}")
    if not variants and "default_variant" in r:
        raise r.fail("default_variant", "the injection has no variants")
    sev = r.number("default_severity", 1.0)
    if not 0 < sev <= 1:
        raise r.fail("default_severity", "must be in (0, 1]")
    own_flags = flags(r, "flags", cat.flags)
    duration = default_duration(r)
    return InjectionSpec(
        id=iid, label=r.text("label", nonempty=True), category=r.text("category", "patient"),
        description=r.text("description", ""), default_severity=sev,
        default_duration=duration, onset=check_span(r, "onset", r.duration("onset", "0s")),
        offset=check_span(r, "offset", r.duration("offset", "0s")), flags=own_flags,
        effects=own_effects,
        provenance=provenance(r), severity_meaning=r.text("severity_meaning", ""),
        variants=variants, default_variant=default_variant,
        expected=expected(r, "expected", cat), ended_by=ended_by(r, "ended_by", cat),
    )


def injections(top: Table, cat: Catalogue) -> dict[str, InjectionSpec]:
    return {iid: injection(r, iid, cat) for iid, r in top.child("injections").tables().items()}
