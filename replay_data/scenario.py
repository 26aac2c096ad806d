"""Load and validate a scenario file: the case as data (events, keyframes, draws, injections).

Every problem is reported as a ScenarioError naming the file and the key, e.g.
``sle_dah_ecmo.toml: events[4].t: unknown event 'intubaton'``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .catalogue import Catalogue, load_catalogue
from .errors import ReplayDataError, ScenarioError, TimeExpressionError
from .input_file import decode_utf8, is_path_like, parse_toml, read_bytes
from .timeexpr import parse_duration, split_reference

BASES = ("case", "assumed", "derived")
MAX_DRAWS = 100_000  # per [[draws]] entry: one every minute for over two months
REQUIRED_EVENTS = (
    "admission", "sle_diagnosis", "intubation", "abg_pre_ecmo", "ecmo_start",
    "act_target_raised", "ecmo_end", "extubation",
)


@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from: the case report (with quote), derived, or assumed."""
    basis: str
    quote: str = ""
    note: str = ""


@dataclass(frozen=True)
class Event:
    id: str
    t: float
    label: str
    kind: str
    provenance: Provenance


@dataclass(frozen=True)
class ChannelKeyframes:
    """One channel's keyframes in time order; NaN means not measured from there on."""
    times: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class ResultDraw:
    t: float
    test: str
    exact: float | None  # reported value (case fact) or None = sample the level
    provenance: Provenance


@dataclass(frozen=True)
class Effect:
    channel: str
    set: float | None = None
    add: float | None = None
    oscillate: float = 0.0
    period: float = 2.0
    off: bool = False
    onset: float | None = None  # overrides the injection's onset for this effect
    offset: float | None = None  # overrides the injection's offset (recovery) for this effect


@dataclass(frozen=True)
class InjectionVariant:
    """One named form of an all-or-nothing event (e.g. pump stop: power loss, clamped)."""
    id: str
    label: str
    effects: tuple[Effect, ...]
    flags: tuple[str, ...] = ()
    onset: float | None = None


@dataclass(frozen=True)
class ControlCondition:
    """A setting the team makes: `control` (a control.* channel) at least / at most /
    exactly a value."""
    control: str
    at_least: float | None = None
    at_most: float | None = None

    def met(self, value: float) -> bool:
        return ((self.at_least is None or value >= self.at_least - 1e-9)
                and (self.at_most is None or value <= self.at_most + 1e-9))


@dataclass(frozen=True)
class ExpectedResponse:
    """One thing the team should do after an injection, within `within` seconds of its
    start; any one of `any` counts."""
    id: str
    label: str
    within: float
    any: tuple[ControlCondition, ...]


@dataclass(frozen=True)
class InjectionSpec:
    id: str
    label: str
    category: str
    description: str
    default_severity: float
    default_duration: float
    onset: float
    offset: float
    flags: tuple[str, ...]
    effects: tuple[Effect, ...]
    provenance: Provenance
    # What severity 1.0 means physically; "" for all-or-nothing events with variants.
    severity_meaning: str = ""
    variants: Mapping[str, InjectionVariant] = field(default_factory=dict)
    default_variant: str = ""
    # What the bedside team is expected to do, scored by the debrief.
    expected: tuple[ExpectedResponse, ...] = ()

    @property
    def graded(self) -> bool:
        """Severity is a physical fraction (else the event is all-or-nothing)."""
        return bool(self.severity_meaning)


@dataclass(frozen=True)
class ScheduledInjection:
    injection: str
    t: float
    severity: float
    duration: float
    provenance: Provenance


@dataclass(frozen=True)
class FlagPeriod:
    flag: str
    start: float
    end: float


@dataclass(frozen=True)
class TeachingNote:
    start: float
    end: float
    text: str
    basis: str


@dataclass(frozen=True)
class Briefing:
    """The scenario's teaching material for a session: what the drill should teach, the
    case stem read out at the pre-brief, and questions for the debrief."""
    objectives: tuple[str, ...] = ()
    case_stem: str = ""
    debrief_prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    source: str
    path: str
    patient: Mapping[str, object]
    events: tuple[Event, ...]
    start: float
    end: float
    default_start: float
    monitoring_start: float
    alarm_profile: str
    numeric_keyframes: Mapping[str, ChannelKeyframes]
    result_levels: Mapping[str, ChannelKeyframes]
    modes: Mapping[str, tuple[tuple[float, str], ...]]
    draws: tuple[ResultDraw, ...]
    injections: Mapping[str, InjectionSpec]
    scheduled: tuple[ScheduledInjection, ...]
    flag_periods: tuple[FlagPeriod, ...]
    teaching: tuple[TeachingNote, ...]
    keyframe_provenance: tuple[tuple[float, str, Provenance], ...] = field(default=())
    briefing: Briefing = field(default=Briefing())

    @property
    def event_times(self) -> dict[str, float]:
        return {e.id: e.t for e in self.events}

    def event(self, event_id: str) -> Event:
        for e in self.events:
            if e.id == event_id:
                return e
        raise ScenarioError(self.path, f"unknown event {event_id!r}")

    def resolve_option(self, option: str, text: str) -> float:
        """resolve() for a command-line option: the error names the option and its value."""
        try:
            return self.resolve(text)
        except ReplayDataError as exc:
            raise ReplayDataError(f"{option} {text}: {exc}") from None

    def resolve(self, text: str | float) -> float:
        """Resolve a time expression; raise TimeExpressionError when outside the course."""
        from .timeexpr import resolve_time

        t = resolve_time(text, self.event_times)
        if not (self.start <= t <= self.end):
            raise TimeExpressionError(
                f"time {text!r} = {t:.0f} s is outside the scenario "
                f"({self.start:.0f} to {self.end:.0f} s)"
            )
        return t


# --------------------------------------------------------------------------- loading


def builtin_scenarios() -> list[str]:
    root = resources.files("resources.scenarios")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path = "sle_dah_ecmo") -> Scenario:
    """A built-in scenario by name, or a TOML file by path (read through the hardened
    reader: regular file, size limit, UTF-8, nesting and number limits)."""
    text_name = str(name_or_path)
    path = Path(text_name)
    try:
        is_path = is_path_like(text_name) or path.exists()
    except (OSError, ValueError) as exc:  # name too long, NUL byte
        raise ScenarioError(text_name, f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                            ) from None
    if is_path:
        raw = read_bytes(path, "scenario")
        source, shown_path = path.name, str(path)
    else:
        if text_name not in builtin_scenarios():
            raise ScenarioError(
                text_name,
                f"no built-in scenario of that name (built-in: {', '.join(builtin_scenarios())})",
            )
        ref = resources.files("resources.scenarios").joinpath(text_name + ".toml")
        raw = ref.read_bytes()
        source = text_name + ".toml"
        shown_path = source
    doc = parse_toml(decode_utf8(raw, source, "scenario"), source, "scenario")
    return parse_scenario(doc, source, shown_path)


def _expected(source: str, raw: list, key: str, cat: Catalogue) -> tuple[ExpectedResponse, ...]:
    out = []
    for i, _ in enumerate(raw):
        r = _Reader(source, raw[i], f"{key}.expected[{i}]")
        r.check_keys({"id", "label", "within", "any"})
        conds = []
        for j, c in enumerate(r.array("any")):
            cr = _Reader(source, c, f"{r.key}.any[{j}]")
            cr.check_keys({"control", "at_least", "at_most", "equals"})
            cid = cr.text("control")
            ch = cat.numerics.get(cid)
            if ch is None or ch.group != "controls":
                raise ScenarioError(cr.where("control"), f"unknown control {cid!r}")
            if "equals" in cr.table:
                lo = hi = cr.number("equals")
            else:
                lo = cr.number("at_least") if "at_least" in cr.table else None
                hi = cr.number("at_most") if "at_most" in cr.table else None
            if lo is None and hi is None:
                raise ScenarioError(cr.where(), "needs equals, at_least or at_most")
            conds.append(ControlCondition(cid, lo, hi))
        if not conds:
            raise ScenarioError(r.where("any"), "needs at least one condition")
        out.append(ExpectedResponse(r.text("id"), r.text("label"), r.duration("within"),
                                    tuple(conds)))
    return tuple(out)


class _Reader:
    """Typed access to a TOML table that reports the file and key path on error."""

    def __init__(self, source: str, table: object, key: str) -> None:
        if not isinstance(table, dict):
            raise ScenarioError(f"{source}: {key}" if key else source, "must be a table")
        self.source, self.table, self.key = source, table, key

    def where(self, name: str | None = None) -> str:
        path = self.key if name is None else (f"{self.key}.{name}" if self.key else name)
        return f"{self.source}: {path}"

    def check_keys(self, allowed: set[str]) -> None:
        for k in self.table:
            if k not in allowed:
                allowed_text = ", ".join(sorted(allowed))
                raise ScenarioError(self.where(k), f"unknown key (allowed: {allowed_text})")

    def get(self, name: str, kind: type | tuple[type, ...], default: object = ...) -> object:
        if name not in self.table:
            if default is ...:
                raise ScenarioError(self.where(name), "missing")
            return default
        value = self.table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            raise ScenarioError(self.where(name), f"must be {names}, not {type(value).__name__}")
        return value

    def text(self, name: str, default: object = ...) -> str:
        return self.get(name, str, default)  # type: ignore[return-value]

    def number(self, name: str, default: object = ...) -> float:
        v = self.get(name, (int, float), default)
        if isinstance(v, int | float) and not math.isfinite(v):
            raise ScenarioError(self.where(name), "must be a finite number")
        return float(v)  # type: ignore[arg-type]

    def duration(self, name: str, default: object = ...) -> float:
        v = self.get(name, (str, int, float), default)
        try:
            return parse_duration(str(v))
        except TimeExpressionError as exc:
            raise ScenarioError(self.where(name), str(exc)) from None

    def provenance(self) -> Provenance:
        basis = self.text("basis")
        if basis not in BASES:
            raise ScenarioError(self.where("basis"), f"must be one of {', '.join(BASES)}")
        quote = self.text("quote", "")
        if basis == "case" and not quote:
            raise ScenarioError(self.where("quote"), "a case fact must quote the report")
        return Provenance(basis, quote, self.text("note", ""))

    def array(self, name: str, default: object = ...) -> list:
        return self.get(name, list, default)  # type: ignore[return-value]

    def child(self, name: str, index: int | None = None) -> _Reader:
        if index is None:
            return _Reader(self.source, self.table.get(name, {}), f"{self.key}.{name}".lstrip("."))
        return _Reader(self.source, self.table[name][index], f"{name}[{index}]")


def _resolve_events(source: str, raw_events: list) -> dict[str, float]:
    """Resolve event times that refer to each other; detect unknown refs and cycles."""
    exprs: dict[str, tuple[str, int]] = {}
    for i, ev in enumerate(raw_events):
        r = _Reader(source, ev, f"events[{i}]")
        eid = r.text("id")
        if eid in exprs:
            raise ScenarioError(r.where("id"), f"duplicate event id {eid!r}")
        t = r.get("t", (str, int, float))
        exprs[eid] = (str(t), i)
    times: dict[str, float] = {}
    # Follow each chain of references iteratively (a long chain must not hit Python's
    # recursion limit), then assign times back along the chain.
    for first in exprs:
        chain: list[tuple[str, str, float]] = []  # (event, event it refers to, offset)
        on_chain: set[str] = set()
        eid = first
        while eid not in times:
            expr, i = exprs[eid]
            where = f"{source}: events[{i}].t"
            if eid in on_chain:
                names = [e for e, _, _ in chain]
                cycle = " -> ".join(names[names.index(eid):] + [eid])
                raise ScenarioError(where, f"cyclic event references: {cycle}")
            try:
                ref, offset = split_reference(expr)
            except TimeExpressionError as exc:
                raise ScenarioError(where, str(exc)) from None
            if ref is None:
                times[eid] = offset
                break
            if ref not in exprs:
                raise ScenarioError(where, f"unknown event {ref!r}")
            chain.append((eid, ref, offset))
            on_chain.add(eid)
            eid = ref
        for eid, ref, offset in reversed(chain):
            value = times[ref] + offset
            if not math.isfinite(value):
                raise ScenarioError(f"{source}: events[{exprs[eid][1]}].t", "time out of range")
            times[eid] = value
    return times


def parse_scenario(doc: dict, source: str, path: str | None = None) -> Scenario:
    cat = load_catalogue()
    top = _Reader(source, doc, "")
    top.check_keys({"scenario", "patient", "events", "keyframes", "modes", "flag_periods",
                    "draws", "injections", "scheduled", "teaching", "briefing"})
    meta = top.child("scenario")
    meta.check_keys({"id", "title", "source", "end", "default_start", "alarm_profile",
                     "monitoring_start"})
    raw_events = top.array("events")
    if not raw_events:
        raise ScenarioError(top.where("events"), "a scenario needs events")
    times = _resolve_events(source, raw_events)

    def when(r: _Reader, name: str, default: object = ...) -> float:
        v = r.get(name, (str, int, float), default)
        try:
            ref, offset = split_reference(str(v))
        except TimeExpressionError as exc:
            raise ScenarioError(r.where(name), str(exc)) from None
        if ref is None:
            return offset
        if ref not in times:
            raise ScenarioError(r.where(name), f"unknown event {ref!r}")
        value = times[ref] + offset
        if not math.isfinite(value):
            raise ScenarioError(r.where(name), "time out of range")
        return value

    events: list[Event] = []
    event_index: dict[str, int] = {}
    for i, _ in enumerate(raw_events):
        r = top.child("events", i)
        r.check_keys({"id", "t", "label", "kind", "basis", "quote", "note"})
        eid = r.text("id")
        event_index[eid] = i
        events.append(Event(eid, times[eid], r.text("label"), r.text("kind", "clinical"),
                            r.provenance()))
    events.sort(key=lambda e: e.t)
    if times.get("admission") != 0.0:
        raise ScenarioError(top.where("events"), "the event 'admission' must exist at t = 0")
    start = 0.0
    end = when(meta, "end")
    if end <= start:
        raise ScenarioError(meta.where("end"), "the scenario must end after admission")
    for e in events:
        if not (start <= e.t <= end):
            raise ScenarioError(f"{source}: events[{event_index[e.id]}].t",
                                f"event {e.id!r} at {e.t:.0f} s is outside the scenario "
                                f"(0 to {end:.0f} s)")

    numeric_points: dict[str, list[tuple[float, float, int]]] = {}
    result_points: dict[str, list[tuple[float, float, int]]] = {}
    mode_points: dict[str, list[tuple[float, str]]] = {}
    base_modes = top.child("modes")
    for k in base_modes.table:
        mode_points[k] = [(-math.inf, base_modes.text(k))]
    provenance: list[tuple[float, str, Provenance]] = []
    for i, _ in enumerate(top.array("keyframes", [])):
        r = top.child("keyframes", i)
        r.check_keys({"t", "basis", "quote", "note", "values", "results", "modes"})
        t = when(r, "t")
        if not (start <= t <= end):
            raise ScenarioError(r.where("t"), f"keyframe at {t:.0f} s is outside the scenario "
                                              f"(0 to {end:.0f} s)")
        prov = r.provenance()
        for table, known, dest in (("values", cat.numerics, numeric_points),
                                   ("results", cat.results, result_points)):
            vals = r.child(table)
            for ch, v in vals.table.items():
                if ch not in known:
                    raise ScenarioError(vals.where(ch), f"unknown channel {ch!r}")
                if ch in known and table == "values" and cat.numerics[ch].derived:
                    raise ScenarioError(vals.where(ch), f"{ch!r} is derived, not keyframed")
                if table == "values" and cat.numerics[ch].model:
                    raise ScenarioError(vals.where(ch), f"{ch!r} is computed by the model from "
                                        "the input channels, not keyframed")
                if table == "results" and cat.results[ch].channel:
                    raise ScenarioError(vals.where(ch), f"result {ch!r} is read from channel "
                                        f"{cat.results[ch].channel!r}, not keyframed")
                if isinstance(v, bool) or not isinstance(v, int | float) or math.isinf(v):
                    raise ScenarioError(vals.where(ch), "must be a number (or nan)")
                _in_range(vals.where(ch), float(v), known[ch])
                dest.setdefault(ch, []).append((t, float(v), i))
                provenance.append((t, ch, prov))
        modes = r.child("modes")
        for k in modes.table:
            mode_points.setdefault(k, []).append((t, modes.text(k)))

    def series(points: dict[str, list[tuple[float, float, int]]]) -> dict[str, ChannelKeyframes]:
        out = {}
        for ch, pts in points.items():
            pts.sort(key=lambda p: (p[0], p[2]))
            out[ch] = ChannelKeyframes(tuple(p[0] for p in pts), tuple(p[1] for p in pts))
        return out

    flag_periods = []
    for i, _ in enumerate(top.array("flag_periods", [])):
        r = top.child("flag_periods", i)
        r.check_keys({"flag", "start", "end", "basis", "quote", "note"})
        fs, fe = when(r, "start"), when(r, "end")
        if fe <= fs:
            raise ScenarioError(r.where("end"), "end must be after start")
        for name, ft in (("start", fs), ("end", fe)):
            _in_course(r.where(name), ft, start, end)
        flag = r.text("flag")
        _known_flag(r.where("flag"), flag, cat.flags)
        flag_periods.append(FlagPeriod(flag, fs, fe))

    draws: list[ResultDraw] = []
    for i, _ in enumerate(top.array("draws", [])):
        r = top.child("draws", i)
        r.check_keys({"at", "start", "end", "every", "tests", "basis", "quote", "note", "values"})
        prov = r.provenance()
        tests = r.array("tests")
        for j, test in enumerate(tests):
            if not isinstance(test, str):
                raise ScenarioError(r.where(f"tests[{j}]"), "must be the name of a result")
            if test not in cat.results:
                raise ScenarioError(r.where(f"tests[{j}]"), f"unknown result {test!r}")
            if ("values" not in r.table and test not in result_points
                    and cat.results[test].channel is None):
                raise ScenarioError(r.where(f"tests[{j}]"),
                                    f"no keyframed level for result {test!r}")
        exact = r.child("values").table
        for k, v in exact.items():
            if k not in tests:
                raise ScenarioError(r.where(f"values.{k}"), "value for a test not in tests")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ScenarioError(r.where(f"values.{k}"), "must be a finite number")
            _in_range(r.where(f"values.{k}"), float(v), cat.results[k])
        if "at" in r.table:
            draw_times = [when(r, "at")]
            if not (start <= draw_times[0] <= end):
                raise ScenarioError(r.where("at"),
                                    f"draw at {draw_times[0]:.0f} s is outside the scenario")
        else:
            d0, d1, every = when(r, "start"), when(r, "end"), r.duration("every")
            if every <= 0:
                raise ScenarioError(r.where("every"), "must be longer than 0 s")
            if d1 < d0:
                raise ScenarioError(r.where("end"), "end is before start")
            for name, dt in (("start", d0), ("end", d1)):
                if not (start <= dt <= end):
                    raise ScenarioError(r.where(name), f"{dt:.0f} s is outside the scenario")
            n = int(math.floor((d1 - d0) / every)) + 1
            if n > MAX_DRAWS:
                raise ScenarioError(r.where("every"), f"{n} draws; at most {MAX_DRAWS} per entry")
            draw_times = [d0 + k * every for k in range(n)]
        for dt in draw_times:
            if not (start <= dt <= end):
                raise ScenarioError(r.where(), f"draw at {dt:.0f} s is outside the scenario")
            for test in tests:
                ex = exact.get(test)
                draws.append(ResultDraw(dt, test, None if ex is None else float(ex), prov))
    draws.sort(key=lambda d: (d.t, d.test))

    injections: dict[str, InjectionSpec] = {}
    inj_root = top.child("injections")
    for iid in inj_root.table:
        r = _Reader(source, inj_root.table[iid], f"injections.{iid}")
        r.check_keys({"label", "category", "basis", "quote", "note", "description",
                      "default_severity", "default_duration", "onset", "offset", "flags",
                      "effects", "severity_meaning", "variants", "default_variant",
                      "expected"})
        effects = _effects(source, r.array("effects", []), f"injections.{iid}.effects", cat)
        variants: dict[str, InjectionVariant] = {}
        vroot = r.child("variants")
        for vid in vroot.table:
            vr = _Reader(source, vroot.table[vid], f"injections.{iid}.variants.{vid}")
            vr.check_keys({"label", "effects", "flags", "onset"})
            vflags = vr.array("flags", [])
            if not all(isinstance(f, str) for f in vflags):
                raise ScenarioError(vr.where("flags"), "must be a list of strings")
            for f in vflags:
                _known_flag(vr.where("flags"), f, cat.flags)
            variants[vid] = InjectionVariant(
                vid, vr.text("label"),
                _effects(source, vr.array("effects", []), f"{vr.key}.effects", cat),
                tuple(vflags), vr.duration("onset") if "onset" in vr.table else None)
        if not effects and not variants and "flags" not in r.table:
            raise ScenarioError(r.where("effects"), "an injection needs effects, variants or "
                                "flags")
        meaning = r.text("severity_meaning", "")
        default_variant = r.text("default_variant", next(iter(variants), ""))
        if variants and default_variant not in variants:
            raise ScenarioError(r.where("default_variant"), f"unknown variant {default_variant!r}")
        if not variants and "default_variant" in r.table:
            raise ScenarioError(r.where("default_variant"), "the injection has no variants")
        sev = r.number("default_severity", 1.0)
        if not 0 < sev <= 1:
            raise ScenarioError(r.where("default_severity"), "must be in (0, 1]")
        flags = r.array("flags", [])
        if not all(isinstance(f, str) for f in flags):
            raise ScenarioError(r.where("flags"), "must be a list of strings")
        for f in flags:
            _known_flag(r.where("flags"), f, cat.flags)
        if r.duration("default_duration") <= 0:
            raise ScenarioError(r.where("default_duration"), "must be longer than 0 s")
        injections[iid] = InjectionSpec(
            id=iid, label=r.text("label"), category=r.text("category", "patient"),
            description=r.text("description", ""), default_severity=sev,
            default_duration=r.duration("default_duration"), onset=r.duration("onset", "0s"),
            offset=r.duration("offset", "0s"), flags=tuple(flags), effects=tuple(effects),
            provenance=r.provenance(), severity_meaning=meaning, variants=variants,
            default_variant=default_variant,
            expected=_expected(source, r.array("expected", []), f"injections.{iid}", cat),
        )

    scheduled = []
    for i, _ in enumerate(top.array("scheduled", [])):
        r = top.child("scheduled", i)
        r.check_keys({"injection", "at", "severity", "duration", "basis", "quote", "note"})
        iid = r.text("injection")
        if iid not in injections:
            raise ScenarioError(r.where("injection"), f"unknown injection {iid!r}")
        sev = r.number("severity", injections[iid].default_severity)
        if not 0 < sev <= 1:
            raise ScenarioError(r.where("severity"), "must be in (0, 1]")
        duration = r.duration("duration", injections[iid].default_duration)
        if duration <= 0:
            raise ScenarioError(r.where("duration"), "must be longer than 0 s")
        at = when(r, "at")
        _in_course(r.where("at"), at, start, end)
        scheduled.append(ScheduledInjection(iid, at, sev, duration, r.provenance()))

    teaching = []
    for i, _ in enumerate(top.array("teaching", [])):
        r = top.child("teaching", i)
        r.check_keys({"from", "to", "basis", "text"})
        basis = r.text("basis")
        if basis not in BASES:
            raise ScenarioError(r.where("basis"), f"must be one of {', '.join(BASES)}")
        t_from, t_to = when(r, "from"), when(r, "to")
        for name, tt in (("from", t_from), ("to", t_to)):
            _in_course(r.where(name), tt, start, end)
        if t_to < t_from:
            raise ScenarioError(r.where("to"), "is before from")
        teaching.append(TeachingNote(t_from, t_to, r.text("text"), basis))

    patient = top.child("patient")
    sid = meta.text("id")
    scenario = Scenario(
        id=sid,
        title=meta.text("title"),
        source=meta.text("source", ""),
        path=path or source,
        patient=dict(patient.table),
        events=tuple(events),
        start=start,
        end=end,
        default_start=when(meta, "default_start", "admission"),
        monitoring_start=when(meta, "monitoring_start", "admission"),
        alarm_profile=meta.text("alarm_profile", "adult_icu"),
        numeric_keyframes=series(numeric_points),
        result_levels=series(result_points),
        modes={k: tuple(sorted(v, key=lambda p: p[0])) for k, v in mode_points.items()},
        draws=tuple(draws),
        injections=injections,
        scheduled=tuple(scheduled),
        flag_periods=tuple(flag_periods),
        teaching=tuple(teaching),
        keyframe_provenance=tuple(provenance),
        briefing=_briefing(top),
    )
    for name in ("default_start", "monitoring_start"):
        v = getattr(scenario, name)
        if not (start <= v <= end):
            raise ScenarioError(meta.where(name), "outside the scenario")
    return scenario


def _in_course(where: str, t: float, start: float, end: float) -> None:
    if not (start <= t <= end):
        raise ScenarioError(where, f"{t:.0f} s is outside the scenario ({start:.0f} to "
                                   f"{end:.0f} s)")


def _in_range(where: str, value: float, channel: object) -> None:
    """A value must lie in the channel's physical range (from the catalogue); NaN means
    not measured and is always allowed."""
    lo, hi = channel.physical  # type: ignore[attr-defined]
    if not math.isnan(value) and not (lo <= value <= hi):
        unit = channel.unit  # type: ignore[attr-defined]
        raise ScenarioError(where, f"{value:g} {unit} is outside the physical range "
                                   f"{lo:g} to {hi:g} {unit}".replace("  ", " "))


def _known_flag(where: str, flag: str, known: Mapping[str, str]) -> None:
    if flag not in known:
        raise ScenarioError(where, f"unknown flag {flag!r} (known: {', '.join(sorted(known))})")


def _check_effect(r: _Reader, eff: Effect, channel: object) -> None:
    """What an injection may do to a channel: set a value in its physical range, or add or
    oscillate by at most the range's width (so a full-severity effect stays a change a
    patient or device could show; the course clamps to the monitor's limits)."""
    lo, hi = channel.physical  # type: ignore[attr-defined]
    if eff.set is not None:
        _in_range(r.where("set"), eff.set, channel)
    width = hi - lo
    if eff.add is not None and abs(eff.add) > width:
        raise ScenarioError(r.where("add"), f"{eff.add:g} is more than the channel's whole "
                                            f"physical range ({width:g})")
    if abs(eff.oscillate) > width:  # negative: the opposite phase
        raise ScenarioError(r.where("oscillate"), f"{eff.oscillate:g} is more than the "
                                                  f"channel's whole physical range ({width:g})")


def _effects(source: str, raws: list, key: str, cat) -> tuple[Effect, ...]:  # noqa: ANN001
    effects = []
    for j, raw in enumerate(raws):
        er = _Reader(source, raw, f"{key}[{j}]")
        er.check_keys({"channel", "set", "add", "oscillate", "period", "off", "onset",
                       "offset"})
        ch = er.text("channel")
        if ch not in cat.numerics:
            raise ScenarioError(er.where("channel"), f"unknown channel {ch!r}")
        if cat.numerics[ch].derived:
            raise ScenarioError(er.where("channel"), f"{ch!r} is derived from other channels")
        eff = Effect(
            channel=ch,
            set=er.number("set") if "set" in er.table else None,
            add=er.number("add") if "add" in er.table else None,
            oscillate=er.number("oscillate", 0.0),
            period=er.duration("period", "2s"),
            off=bool(er.get("off", bool, False)),
            onset=er.duration("onset") if "onset" in er.table else None,
            offset=er.duration("offset") if "offset" in er.table else None,
        )
        if eff.set is not None and eff.add is not None:
            raise ScenarioError(er.where(), "give either set or add, not both")
        if eff.set is None and eff.add is None and not eff.off and not eff.oscillate:
            raise ScenarioError(er.where(), "an effect needs set, add, oscillate or off")
        if eff.period <= 0:
            raise ScenarioError(er.where("period"), "must be longer than 0 s")
        _check_effect(er, eff, cat.numerics[ch])
        effects.append(eff)
    return tuple(effects)


def _briefing(top: _Reader) -> Briefing:
    """The optional [briefing] table: objectives, case_stem, debrief_prompts."""
    if "briefing" not in top.table:
        return Briefing()
    if not isinstance(top.table["briefing"], dict):
        raise ScenarioError(top.where("briefing"), "must be a table")
    r = top.child("briefing")
    r.check_keys({"objectives", "case_stem", "debrief_prompts"})

    def texts(name: str) -> tuple[str, ...]:
        items = r.array(name, [])
        for i, x in enumerate(items):
            if not isinstance(x, str) or not x.strip():
                raise ScenarioError(r.where(f"{name}[{i}]"), "must be non-empty text")
        return tuple(x.strip() for x in items)

    return Briefing(texts("objectives"), r.text("case_stem", "").strip(),
                    texts("debrief_prompts"))


def check_case_events(scenario: Scenario) -> None:
    """The built-in case must carry the events the dashboard and the trainers rely on."""
    have = scenario.event_times
    for eid in REQUIRED_EVENTS:
        if eid not in have:
            raise ScenarioError(scenario.path, f"required event {eid!r} is missing")
