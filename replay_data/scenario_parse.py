"""A case file's tables into a Scenario: one reader per table.

Every problem is one line naming the file, the line and the key, e.g.
``sle_dah_ecmo.toml:78: events[4].t: unknown event 'intubaton'``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalogue import Catalogue, load_catalogue
from .errors import TimeExpressionError
from .scenario_data import (
    BASES,
    ChannelKeyframes,
    Event,
    FlagPeriod,
    InjectionSpec,
    Provenance,
    ResultDraw,
    Scenario,
    ScheduledInjection,
    TeachingNote,
)
from .scenario_devices import circuit, patient, roles
from .scenario_tables import (
    MAX_CASE_S,
    briefing,
    check_name,
    in_course,
    in_range,
    injections,
    optional_duration,
    provenance,
)
from .timeexpr import split_reference
from .toml_reader import Table, TomlDocument

MAX_DRAWS = 100_000  # per [[draws]] entry: one every minute for over two months
TOP_KEYS = {"scenario", "patient", "circuit", "roles", "events", "keyframes", "modes",
            "flag_periods", "draws", "injections", "scheduled", "teaching", "briefing"}

Points = dict[str, list[tuple[float, float, int]]]  # channel -> (t, value, keyframe index)


def parse_scenario(doc: dict | TomlDocument, source: str, path: str | None = None
                   ) -> Scenario:
    """A Scenario from a parsed case file (a TomlDocument gives messages line numbers)."""
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    cat = load_catalogue()
    top = doc.root()
    top.check_keys(TOP_KEYS)
    meta = top.child("scenario")
    meta.check_keys({"id", "title", "source", "end", "default_start", "alarm_profile",
                     "monitoring_start"})
    clock = CaseClock(event_times(top))
    events = _events(top, clock)
    the_circuit = circuit(top)
    the_roles = roles(top, clock.times, the_circuit is not None)
    origin = the_roles["admission"]
    clock.end = _end(meta, clock)
    for i, e in events:
        if not (clock.start <= e.t <= clock.end):
            raise top.fail(("events", i, "t"), f"event {e.id!r} at {e.t:.0f} s is outside "
                                                f"the scenario (0 to {clock.end:.0f} s)")
    numeric_points: Points = {}
    result_points: Points = {}
    modes, keyframe_provenance = _keyframes(top, clock, cat, numeric_points, result_points)
    specs = injections(top, cat)
    scenario = Scenario(
        id=check_name(meta, "id", meta.text("id", nonempty=True), "scenario"),
        title=meta.text("title", nonempty=True),
        source=meta.text("source", ""),
        path=path or source,
        patient=patient(top),
        events=tuple(sorted((e for _, e in events), key=lambda e: e.t)),
        start=clock.start,
        end=clock.end,
        default_start=clock.when(meta, "default_start", origin),
        monitoring_start=clock.when(meta, "monitoring_start", origin),
        alarm_profile=meta.text("alarm_profile", "adult_icu"),
        numeric_keyframes=_series(numeric_points),
        result_levels=_series(result_points),
        modes=modes,
        draws=_draws(top, clock, cat, result_points),
        injections=specs,
        scheduled=_scheduled(top, clock, specs),
        flag_periods=_flag_periods(top, clock, cat),
        teaching=_teaching(top, clock),
        keyframe_provenance=tuple(keyframe_provenance),
        briefing=briefing(top),
        circuit=the_circuit,
        roles=the_roles,
    )
    for name in ("default_start", "monitoring_start"):
        if not (clock.start <= getattr(scenario, name) <= clock.end):
            raise meta.fail(name, "outside the scenario")
    return scenario


# --------------------------------------------------------------------------- times


@dataclass
class CaseClock:
    """The case's event times, and its span once [scenario].end is known."""
    times: dict[str, float]
    start: float = 0.0
    end: float = math.inf

    def when(self, r: Table, name: str, default: object = ...) -> float:
        """A time expression ('ecmo_start+2h', '3600') at key `name` of `r`."""
        v = r.get(name, (str, int, float), default)
        try:
            ref, offset = split_reference(str(v))
        except TimeExpressionError as exc:
            raise r.fail(name, str(exc)) from None
        if ref is None:
            return offset
        if ref not in self.times:
            raise r.fail(name, f"unknown event {ref!r}")
        value = self.times[ref] + offset
        if not math.isfinite(value):
            raise r.fail(name, "time out of range")
        return value

    def within(self, r: Table, name: str, default: object = ...) -> float:
        """when(), refused outside the case."""
        t = self.when(r, name, default)
        in_course(r, name, t, self.start, self.end)
        return t


def event_times(top: Table) -> dict[str, float]:
    """Resolve event times that refer to each other; detect unknown refs and cycles."""
    exprs: dict[str, tuple[str, Table]] = {}
    for r in top.items("events"):
        eid = check_name(r, "id", r.text("id"), "event")
        if eid in exprs:
            raise r.fail("id", f"duplicate event id {eid!r}")
        exprs[eid] = (str(r.get("t", (str, int, float))), r)
    if not exprs:
        raise top.fail("events", "a scenario needs events")
    times: dict[str, float] = {}
    # Follow each chain of references iteratively (a long chain must not hit Python's
    # recursion limit), then assign times back along the chain.
    for first in exprs:
        chain: list[tuple[str, str, float]] = []  # (event, event it refers to, offset)
        on_chain: set[str] = set()
        eid = first
        while eid not in times:
            expr, r = exprs[eid]
            if eid in on_chain:
                names = [e for e, _, _ in chain]
                cycle = " -> ".join(names[names.index(eid):] + [eid])
                raise r.fail("t", f"cyclic event references: {cycle}")
            try:
                ref, offset = split_reference(expr)
            except TimeExpressionError as exc:
                raise r.fail("t", str(exc)) from None
            if ref is None:
                times[eid] = offset
                break
            if ref not in exprs:
                raise r.fail("t", f"unknown event {ref!r}")
            chain.append((eid, ref, offset))
            on_chain.add(eid)
            eid = ref
        for eid, ref, offset in reversed(chain):
            value = times[ref] + offset
            if not math.isfinite(value):
                raise exprs[eid][1].fail("t", "time out of range")
            times[eid] = value
    return times


def _events(top: Table, clock: CaseClock) -> list[tuple[int, Event]]:
    """(index in the file, event)."""
    out = []
    for i, r in enumerate(top.items("events")):
        r.check_keys({"id", "t", "label", "kind", "basis", "quote", "note"})
        eid = r.text("id")
        out.append((i, Event(eid, clock.times[eid], r.text("label"), r.text("kind", "clinical"),
                             provenance(r))))
    return out


def _end(meta: Table, clock: CaseClock) -> float:
    end = clock.when(meta, "end")
    if end <= clock.start:
        raise meta.fail("end", "the scenario must end after admission")
    if end > MAX_CASE_S:
        raise meta.fail("end", f"{end:.0f} s is longer than a case may last "
                               f"({MAX_CASE_S / 86400:.0f} days = {MAX_CASE_S:.0f} s)")
    return end


# --------------------------------------------------------------------------- keyframes


def _keyframes(top: Table, clock: CaseClock, cat: Catalogue, numeric_points: Points,
               result_points: Points
               ) -> tuple[dict[str, tuple[tuple[float, str], ...]],
                          list[tuple[float, str, Provenance]]]:
    """[[keyframes]] and [modes]: fills the points; returns the modes and provenance."""
    mode_points: dict[str, list[tuple[float, str]]] = {}
    base_modes = top.child("modes")
    for k in base_modes.table:
        mode_points[k] = [(-math.inf, base_modes.text(k))]
    prov_out: list[tuple[float, str, Provenance]] = []
    for i, r in enumerate(top.items("keyframes", [])):
        r.check_keys({"t", "basis", "quote", "note", "values", "results", "modes"})
        t = clock.when(r, "t")
        if not (clock.start <= t <= clock.end):
            raise r.fail("t", f"keyframe at {t:.0f} s is outside the scenario "
                              f"(0 to {clock.end:.0f} s)")
        prov = provenance(r)
        for table, known, dest in (("values", cat.numerics, numeric_points),
                                   ("results", cat.results, result_points)):
            vals = r.child(table)
            for ch, v in vals.table.items():
                if ch not in known:
                    raise vals.fail(ch, f"unknown channel {ch!r}")
                if table == "values" and cat.numerics[ch].derived:
                    raise vals.fail(ch, f"{ch!r} is derived, not keyframed")
                if table == "values" and cat.numerics[ch].model:
                    raise vals.fail(ch, f"{ch!r} is computed by the model from the input "
                                        "channels, not keyframed")
                if table == "results" and cat.results[ch].channel:
                    raise vals.fail(ch, f"result {ch!r} is read from channel "
                                        f"{cat.results[ch].channel!r}, not keyframed")
                if isinstance(v, bool) or not isinstance(v, int | float) or math.isinf(v):
                    raise vals.fail(ch, "must be a number (or nan)")
                in_range(vals, ch, float(v), known[ch])
                dest.setdefault(ch, []).append((t, float(v), i))
                prov_out.append((t, ch, prov))
        modes = r.child("modes")
        for k in modes.table:
            mode_points.setdefault(k, []).append((t, modes.text(k)))
    modes_out = {k: tuple(sorted(v, key=lambda p: p[0])) for k, v in mode_points.items()}
    return modes_out, prov_out


def _series(points: Points) -> dict[str, ChannelKeyframes]:
    out = {}
    for ch, pts in points.items():
        pts.sort(key=lambda p: (p[0], p[2]))
        out[ch] = ChannelKeyframes(tuple(p[0] for p in pts), tuple(p[1] for p in pts))
    return out


# --------------------------------------------------------------------------- the rest


def _flag_periods(top: Table, clock: CaseClock, cat: Catalogue) -> tuple[FlagPeriod, ...]:
    out = []
    for r in top.items("flag_periods", []):
        r.check_keys({"flag", "start", "end", "basis", "quote", "note"})
        fs, fe = clock.when(r, "start"), clock.when(r, "end")
        if fe <= fs:
            raise r.fail("end", "end must be after start")
        for name, ft in (("start", fs), ("end", fe)):
            in_course(r, name, ft, clock.start, clock.end)
        flag = r.text("flag")
        flags_known = cat.flags
        if flag not in flags_known:
            raise r.fail("flag", f"unknown flag {flag!r} (known: "
                                 f"{', '.join(sorted(flags_known))})")
        out.append(FlagPeriod(flag, fs, fe))
    return tuple(out)


def _draws(top: Table, clock: CaseClock, cat: Catalogue, result_points: Points
           ) -> tuple[ResultDraw, ...]:
    start, end = clock.start, clock.end
    draws: list[ResultDraw] = []
    for r in top.items("draws", []):
        r.check_keys({"at", "start", "end", "every", "tests", "basis", "quote", "note",
                      "values"})
        prov = provenance(r)
        tests = r.array("tests")
        if not tests:
            raise r.fail("tests", "a draw needs at least one test")
        for j, test in enumerate(tests):
            if not isinstance(test, str):
                raise r.fail(("tests", j), "must be the name of a result")
            if test not in cat.results:
                raise r.fail(("tests", j), f"unknown result {test!r}")
            if ("values" not in r and test not in result_points
                    and cat.results[test].channel is None):
                raise r.fail(("tests", j), f"no keyframed level for result {test!r}")
        values = r.child("values")
        exact = values.table
        for k, v in exact.items():
            if k not in tests:
                raise values.fail(k, "value for a test not in tests")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise values.fail(k, "must be a finite number")
            in_range(values, k, float(v), cat.results[k])
        if "at" in r:
            if "start" in r or "end" in r or "every" in r:
                raise r.fail(None, "give either at (one draw) or start, end and every (a "
                                   "series), not both")
            draw_times = [clock.when(r, "at")]
            if not (start <= draw_times[0] <= end):
                raise r.fail("at", f"draw at {draw_times[0]:.0f} s is outside the scenario")
        else:
            d0, d1, every = clock.when(r, "start"), clock.when(r, "end"), r.duration("every")
            if every <= 0:
                raise r.fail("every", "must be longer than 0 s")
            if d1 < d0:
                raise r.fail("end", "end is before start")
            for name, dt in (("start", d0), ("end", d1)):
                if not (start <= dt <= end):
                    raise r.fail(name, f"{dt:.0f} s is outside the scenario")
            n = int(math.floor((d1 - d0) / every)) + 1
            if n > MAX_DRAWS:
                raise r.fail("every", f"{n} draws; at most {MAX_DRAWS} per entry")
            draw_times = [d0 + k * every for k in range(n)]
        for dt in draw_times:
            if not (start <= dt <= end):
                raise r.fail(None, f"draw at {dt:.0f} s is outside the scenario")
            for test in tests:
                ex = exact.get(test)
                draws.append(ResultDraw(dt, test, None if ex is None else float(ex), prov))
    draws.sort(key=lambda d: (d.t, d.test))
    return tuple(draws)


def _scheduled(top: Table, clock: CaseClock, specs: dict[str, InjectionSpec]
               ) -> tuple[ScheduledInjection, ...]:
    out = []
    for r in top.items("scheduled", []):
        r.check_keys({"injection", "at", "severity", "duration", "basis", "quote", "note"})
        iid = r.text("injection")
        if iid not in specs:
            raise r.fail("injection", f"unknown injection {iid!r}")
        sev = r.number("severity", specs[iid].default_severity)
        if not 0 < sev <= 1:
            raise r.fail("severity", "must be in (0, 1]")
        duration = optional_duration(r, "duration", specs[iid].default_duration)
        at = clock.within(r, "at")
        out.append(ScheduledInjection(iid, at, sev, duration, provenance(r)))
    return tuple(out)


def _teaching(top: Table, clock: CaseClock) -> tuple[TeachingNote, ...]:
    out = []
    for r in top.items("teaching", []):
        r.check_keys({"from", "to", "basis", "text"})
        basis = r.choice("basis", BASES)
        t_from, t_to = clock.within(r, "from"), clock.within(r, "to")
        if t_to < t_from:
            raise r.fail("to", "is before from")
        out.append(TeachingNote(t_from, t_to, r.text("text"), basis))
    return tuple(out)

