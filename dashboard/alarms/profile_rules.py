"""Alarm profile rules: merged profile data checked key by key into an AlarmProfile.

Every clinical number (limit, delay, priority, hysteresis) and every alarm-system timing
lives in the profile files; this module only knows their shape. The value checks are the
one TOML reader's (replay_data.toml_reader.as_*), so a problem reads like every other
file's: ``FILE:LINE: key.path: what is wrong``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from replay_data.toml_reader import (
    BadValue,
    TomlDocument,
    as_bool,
    as_choice,
    as_number,
    as_text,
    unknown_key,
)

from .conditions import (
    OPS,
    AlarmRule,
    Clause,
    FlagClause,
    Level,
    NumericClause,
    known_channels,
    known_flags,
)
from .kinds import AlarmKind, Category, Priority
from .profile_model import AlarmGroup, AlarmProfile, ProfileError, ToneSpec

_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_INDEXED = re.compile(r"(.+)\[(\d+)\]")

_MISSING = object()


class ProfileBuilder:
    """Turns merged profile data into an AlarmProfile, reporting file + key on error."""

    def __init__(self, data: dict[str, Any], provenance: dict[tuple[str, ...], str], chain: str,
                 docs: Mapping[str, TomlDocument] | None = None):
        self.data = data
        self.prov = provenance
        self.chain = chain
        self.docs = docs or {}

    # -- error and value helpers (the checks are the shared reader's: toml_reader.as_*)
    def fail(self, path: tuple[str, ...], problem: str) -> ProfileError:
        """The error naming the file the key came from (a child or a parent profile) and
        the line it is written on there."""
        where = self.chain.split(" <- ")[0]
        for n in range(len(path), -1, -1):
            if path[:n] in self.prov:
                where = self.prov[path[:n]]
                break
        doc = self.docs.get(where)
        line = doc.line(_key_path(path)) if doc is not None else None
        return ProfileError(where, ".".join(path) or None, problem, line)

    def get(self, table: Mapping[str, Any], path: tuple[str, ...], key: str, default=_MISSING):
        if key in table:
            return table[key]
        if default is _MISSING:
            raise self.fail((*path, key), "missing (required)")
        return default

    def checked(self, check: Callable[..., Any], table: Mapping[str, Any],
                path: tuple[str, ...], key: str, default: object = _MISSING, **options: Any):
        """check(value, **options) on the key's value (or its default)."""
        v = self.get(table, path, key, default)
        try:
            return check(v, **options)
        except BadValue as exc:
            raise self.fail((*path, key), str(exc)) from None

    def table(self, table: Mapping[str, Any], path: tuple[str, ...], key: str, required=True):
        v = self.get(table, path, key, _MISSING if required else None)
        if v is None:
            return None
        if not isinstance(v, dict):
            raise self.fail((*path, key), "must be a table")
        return v

    def number(self, table, path, key, default=_MISSING, minimum: float | None = None) -> float:
        return self.checked(as_number, table, path, key, default, minimum=minimum)

    def text(self, table, path, key, default=_MISSING) -> str:
        return self.checked(as_text, table, path, key, default, nonempty=True)

    def boolean(self, table, path, key, default=_MISSING) -> bool:
        return self.checked(as_bool, table, path, key, default)

    def optional_bool(self, table, path, key) -> bool | None:
        return None if key not in table else self.boolean(table, path, key)

    def choice(self, table, path, key, options: tuple[str, ...], default=_MISSING) -> str:
        return self.checked(as_choice, table, path, key, default, options=options)

    def only(self, table: Mapping[str, Any], path: tuple[str, ...], allowed: set[str]) -> None:
        k = unknown_key(table, allowed)
        if k is not None:
            raise self.fail((*path, k), f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def priority(self, table, path, key="priority") -> Priority:
        return Priority.from_label(self.choice(table, path, key, ("high", "medium", "low")))

    def kind(self, table, path, default=_MISSING) -> AlarmKind:
        return AlarmKind(
            self.choice(table, path, "kind", tuple(k.value for k in AlarmKind), default)
        )

    def category(self, table, path) -> Category:
        return Category(self.choice(table, path, "category", tuple(c.value for c in Category)))

    def flags(self, table, path, key) -> tuple[str, ...]:
        v = self.get(table, path, key, [])
        if not isinstance(v, list) or not all(isinstance(f, str) for f in v):
            raise self.fail((*path, key), "must be a list of flag names")
        known = known_flags()
        for f in v:
            if f not in known:
                raise self.fail((*path, key), f"unknown flag {f!r} (known: {_known(known)})")
        return tuple(v)

    # -- the profile
    def build(self) -> AlarmProfile:
        d, top = self.data, ()
        self.only(
            d,
            top,
            {"name", "description", "system", "latching", "sound", "parameters", "conditions",
             "groups", "visual"},
        )
        system = self.table(d, top, "system")
        sp = ("system",)
        self.only(system, sp, {"audio_pause_s", "alarm_pause_s", "latched_audible"})
        latching = self.table(d, top, "latching")
        self.only(latching, ("latching",), {"high", "medium", "low"})
        rules = self.parameter_rules() + self.condition_rules()
        ids = [r.id for r in rules]
        assert len(ids) == len(set(ids))
        amplitude, tones = self.sound()
        visual = self.table(d, top, "visual")
        vp = ("visual",)
        self.only(visual, vp, {"high_flash_hz", "medium_flash_hz", "low_flash_hz", "duty"})
        flash_hz = {p: self.number(visual, vp, f"{p.label}_flash_hz", minimum=0)
                    for p in Priority}
        duty = self.number(visual, vp, "duty", minimum=0.05)
        if duty >= 1:
            raise self.fail((*vp, "duty"), "must be below 1 (the fraction of a cycle lit)")
        return AlarmProfile(
            name=self.text(d, top, "name"),
            description=self.text(d, top, "description", ""),
            source=self.chain,
            audio_pause_s=self.number(system, sp, "audio_pause_s", minimum=1),
            alarm_pause_s=self.number(system, sp, "alarm_pause_s", minimum=1),
            latched_audible=self.boolean(system, sp, "latched_audible"),
            latching={p: self.boolean(latching, ("latching",), p.label) for p in Priority},
            amplitude=amplitude,
            tones=tones,
            rules=tuple(rules),
            flash_hz=flash_hz,
            flash_duty=duty,
            groups=self.groups(rules),
        )

    def parameter_rules(self) -> list[AlarmRule]:
        params = self.table(self.data, (), "parameters", required=False) or {}
        rules: list[AlarmRule] = []
        for name, spec in params.items():
            path = ("parameters", name)
            if name not in known_channels():
                raise self.fail(path, f"unknown channel (known: {_known(known_channels())})")
            if not isinstance(spec, dict):
                raise self.fail(path, "must be a table")
            self.only(
                spec,
                path,
                {"kind", "category", "hysteresis", "suppressed_by", "latching", "low", "high"},
            )
            kind = self.kind(spec, path, "physiological")
            category = self.category(spec, path)
            hysteresis = self.number(spec, path, "hysteresis", 0.0, minimum=0)
            guards = tuple(
                FlagClause(f, present=False) for f in self.flags(spec, path, "suppressed_by")
            )
            latching = self.optional_bool(spec, path, "latching")
            limits: dict[str, float] = {}
            for direction in ("low", "high"):
                side = self.table(spec, path, direction, required=False)
                if side is None:
                    continue
                dpath = (*path, direction)
                self.only(
                    side,
                    dpath,
                    {
                        "enabled",
                        "limit",
                        "priority",
                        "delay_s",
                        "message",
                        "switchable",
                        "hysteresis",
                        "latching",
                        "hold_s",
                        "extreme",
                    },
                )
                if not self.boolean(side, dpath, "enabled", True):
                    continue
                op = "<" if direction == "low" else ">"
                h = self.number(side, dpath, "hysteresis", hysteresis, minimum=0)
                limit = self.number(side, dpath, "limit")
                limits[direction] = limit
                levels = [
                    Level(
                        priority=self.priority(side, dpath),
                        delay_s=self.number(side, dpath, "delay_s", minimum=0),
                        message=self.text(side, dpath, "message"),
                        switchable=self.boolean(side, dpath, "switchable", True),
                        clauses=(NumericClause(name, op, value=limit, hysteresis=h), *guards),
                        hold_s=self.number(side, dpath, "hold_s", 0.0, minimum=0),
                    )
                ]
                ext = self.table(side, dpath, "extreme", required=False)
                if ext is not None:
                    epath = (*dpath, "extreme")
                    self.only(ext, epath, {"limit", "priority", "delay_s", "message", "switchable",
                                           "hold_s"})
                    if "priority" in ext and ext["priority"] != "high":
                        raise self.fail((*epath, "priority"), "extreme limits are always high")
                    elimit = self.number(ext, epath, "limit")
                    beyond = elimit < limit if direction == "low" else elimit > limit
                    if not beyond:
                        side_word = "below" if direction == "low" else "above"
                        raise self.fail(
                            (*epath, "limit"),
                            f"extreme limit {elimit:g} must be {side_word} the "
                            f"{direction} limit {limit:g}",
                        )
                    levels.append(
                        Level(
                            priority=Priority.HIGH,
                            delay_s=self.number(ext, epath, "delay_s", minimum=0),
                            message=self.text(ext, epath, "message"),
                            switchable=self.boolean(ext, epath, "switchable", True),
                            clauses=(NumericClause(name, op, value=elimit, hysteresis=h), *guards),
                            hold_s=self.number(ext, epath, "hold_s", 0.0, minimum=0),
                        )
                    )
                if levels[0].priority == Priority.HIGH and len(levels) > 1:
                    raise self.fail(
                        (*dpath, "priority"), "already high: an extreme limit could not escalate it"
                    )
                side_latching = self.optional_bool(side, dpath, "latching")
                rules.append(
                    AlarmRule(
                        id=f"{name}.{direction}",
                        channel=name,
                        parameter=name,
                        direction=direction,
                        kind=kind,
                        category=category,
                        levels=tuple(levels),
                        latching=latching if side_latching is None else side_latching,
                    )
                )
            if "low" in limits and "high" in limits and not limits["low"] < limits["high"]:
                raise self.fail(
                    (*path, "low", "limit"),
                    f"low limit {limits['low']:g} must be below the high limit {limits['high']:g}",
                )
        return rules

    def condition_rules(self) -> list[AlarmRule]:
        conds = self.table(self.data, (), "conditions", required=False) or {}
        rules: list[AlarmRule] = []
        for cid, spec in conds.items():
            path = ("conditions", cid)
            if not _RULE_ID.match(cid):
                raise self.fail(path, "condition ids are lower_case_with_underscores")
            if not isinstance(spec, dict):
                raise self.fail(path, "must be a table")
            self.only(
                spec,
                path,
                {
                    "enabled",
                    "kind",
                    "category",
                    "channel",
                    "priority",
                    "delay_s",
                    "message",
                    "switchable",
                    "latching",
                    "hold_s",
                    "when",
                    "suppressed_by",
                },
            )
            if not self.boolean(spec, path, "enabled", True):
                continue
            clauses = self.clauses(spec, path)
            guards = tuple(
                FlagClause(f, present=False) for f in self.flags(spec, path, "suppressed_by")
            )
            channel = spec.get("channel")
            if channel is None:
                channel = next((c.channel for c in clauses if isinstance(c, NumericClause)), None)
            elif channel not in known_channels():
                raise self.fail((*path, "channel"), f"unknown channel {channel!r}")
            rules.append(
                AlarmRule(
                    id=cid,
                    channel=channel,
                    parameter=None,
                    direction=None,
                    kind=self.kind(spec, path),
                    category=self.category(spec, path),
                    levels=(
                        Level(
                            priority=self.priority(spec, path),
                            delay_s=self.number(spec, path, "delay_s", minimum=0),
                            message=self.text(spec, path, "message"),
                            switchable=self.boolean(spec, path, "switchable", True),
                            clauses=(*clauses, *guards),
                            hold_s=self.number(spec, path, "hold_s", 0.0, minimum=0),
                        ),
                    ),
                    latching=self.optional_bool(spec, path, "latching"),
                )
            )
        return rules

    def groups(self, rules: list[AlarmRule]) -> tuple[AlarmGroup, ...]:
        """[groups.<id>]: message, members (rule ids). A member switched off in this
        profile (enabled = false) is left out; a group left with one member is none."""
        table = self.table(self.data, (), "groups", required=False) or {}
        by_id = {r.id: r for r in rules}
        taken: dict[str, str] = {}
        out: list[AlarmGroup] = []
        for gid, spec in table.items():
            path = ("groups", gid)
            if not _RULE_ID.match(gid):
                raise self.fail(path, "group ids are lower_case_with_underscores")
            if gid in by_id:
                raise self.fail(path, f"{gid!r} is already an alarm id")
            if not isinstance(spec, dict):
                raise self.fail(path, "must be a table")
            self.only(spec, path, {"enabled", "message", "members"})
            if not self.boolean(spec, path, "enabled", True):
                continue
            message = self.text(spec, path, "message")
            members = self.get(spec, path, "members")
            mpath = (*path, "members")
            if not isinstance(members, list) or len(members) < 2 or \
                    not all(isinstance(m, str) for m in members):
                raise self.fail(mpath, "must be a list of two or more alarm ids")
            kept: list[str] = []
            for m in members:
                if m in taken:
                    raise self.fail(mpath, f"{m!r} is already in group {taken[m]!r}")
                if m in by_id:
                    kept.append(m)
                elif not self._switched_off(m):
                    raise self.fail(mpath, f"unknown alarm {m!r} (known: "
                                           f"{_known(frozenset(by_id))})")
            kinds = {by_id[m].kind for m in kept}
            if len(kinds) > 1:
                raise self.fail(mpath, "mixes physiological and technical alarms (they "
                                       "show in different blocks of the alarm bar)")
            if len(kept) < 2:
                continue
            taken.update((m, gid) for m in kept)
            out.append(AlarmGroup(gid, message, tuple(kept),
                                  tuple(_label(by_id[m].levels[0].message, message)
                                        for m in kept)))
        return tuple(out)

    def _switched_off(self, alarm_id: str) -> bool:
        """Whether alarm_id names a rule this profile has but switched off."""
        name, _, side = alarm_id.rpartition(".")
        spec = (self.data.get("parameters", {}).get(name, {}).get(side) if name
                else self.data.get("conditions", {}).get(side))
        return isinstance(spec, dict) and spec.get("enabled") is False

    def clauses(self, spec: Mapping[str, Any], path: tuple[str, ...]) -> tuple[Clause, ...]:
        when = self.get(spec, path, "when")
        if not isinstance(when, list) or not when:
            raise self.fail((*path, "when"), "must be a non-empty array of clauses")
        out: list[Clause] = []
        for i, c in enumerate(when):
            cpath = (*path, f"when[{i}]")
            if not isinstance(c, dict):
                raise self.fail(
                    cpath, "must be a table like { channel = 'x', op = '<', value = 1 }"
                )
            if "flag" in c:
                self.only(c, cpath, {"flag", "present"})
                flag = c["flag"]
                known = known_flags()
                if flag not in known:
                    raise self.fail(
                        (*cpath, "flag"), f"unknown flag {flag!r} (known: {_known(known)})"
                    )
                out.append(FlagClause(flag, self.boolean(c, cpath, "present", True)))
                continue
            self.only(c, cpath, {"channel", "op", "value", "ref", "hysteresis"})
            channel = self.get(c, cpath, "channel")
            if channel not in known_channels():
                raise self.fail(
                    (*cpath, "channel"),
                    f"unknown channel {channel!r} (known: {_known(known_channels())})",
                )
            op = self.choice(c, cpath, "op", OPS)
            if ("value" in c) == ("ref" in c):
                raise self.fail(cpath, "give exactly one of value (a number) or ref (a channel)")
            ref = c.get("ref")
            if ref is not None and ref not in known_channels():
                raise self.fail((*cpath, "ref"), f"unknown channel {ref!r}")
            value = self.number(c, cpath, "value") if "value" in c else None
            h = self.number(c, cpath, "hysteresis", 0.0, minimum=0)
            out.append(NumericClause(channel, op, value=value, ref=ref, hysteresis=h))
        return tuple(out)

    def sound(self) -> tuple[float, dict[Priority, ToneSpec]]:
        s = self.table(self.data, (), "sound")
        path = ("sound",)
        self.only(s, path, {"amplitude", "high", "medium", "low"})
        amplitude = self.number(s, path, "amplitude", minimum=0.0)
        if amplitude > 1:
            raise self.fail((*path, "amplitude"), "must be <= 1 (fraction of full scale)")
        fixed_pulses = {Priority.HIGH: 10, Priority.MEDIUM: 3}  # IEC burst shapes, not settings
        tones: dict[Priority, ToneSpec] = {}
        for p in Priority:
            tp = (*path, p.label)
            t = self.table(s, path, p.label)
            allowed = {"pulse_ms", "rise_ms", "fall_ms", "spacing_ms", "repeat_s"}
            if p == Priority.HIGH:
                allowed.add("half_gap_ms")
            if p == Priority.LOW:
                allowed.add("pulses")
            self.only(t, tp, allowed)
            pulse = self.number(t, tp, "pulse_ms", minimum=1)
            rise = self.number(t, tp, "rise_ms", minimum=0)
            fall = self.number(t, tp, "fall_ms", minimum=0)
            if rise + fall > pulse:
                raise self.fail((*tp, "rise_ms"), "rise_ms + fall_ms must not exceed pulse_ms")
            if p == Priority.LOW:
                pulses = self.get(t, tp, "pulses")
                if pulses not in (1, 2) or isinstance(pulses, bool):
                    raise self.fail((*tp, "pulses"), "low priority plays 1 or 2 pulses")
            else:
                pulses = fixed_pulses[p]
            tones[p] = ToneSpec(
                pulses=int(pulses),
                pulse_ms=pulse,
                rise_ms=rise,
                fall_ms=fall,
                spacing_ms=self.number(t, tp, "spacing_ms", minimum=0),
                half_gap_ms=self.number(t, tp, "half_gap_ms", minimum=0)
                if p == Priority.HIGH
                else 0.0,
                repeat_s=self.number(t, tp, "repeat_s", minimum=0),
            )
        return amplitude, tones


def _key_path(path: tuple[str, ...]) -> tuple[str | int, ...]:
    """('conditions', 'x', 'when[0]') -> ('conditions', 'x', 'when', 0), as the reader
    finds lines."""
    out: list[str | int] = []
    for part in path:
        m = _INDEXED.fullmatch(part)
        out.extend((m.group(1), int(m.group(2))) if m else (part,))
    return tuple(out)


def _label(member_message: str, group_message: str) -> str:
    """A member's short name beside its value: its message without the group's words
    ('ABP sys low' in 'ABP low' -> 'sys'); the whole message if nothing is left."""
    common = {w.lower() for w in group_message.split()}
    left = [w for w in member_message.split() if w.lower() not in common]
    return " ".join(left) or member_message


def _known(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
