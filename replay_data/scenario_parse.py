"""A case file's tables into a Scenario: one reader per table.

Every problem is one line naming the file, the line and the key, e.g.
``sle_dah_ecmo.toml:78: events[4].t: unknown event 'intubaton'``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalogue import Catalogue, NumericChannel, ResultTest, load_catalogue
from .errors import Problems, ScenarioError, TimeExpressionError
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
from .scenario_devices import circuit, patient, roles, ventilator
from .scenario_tables import (
    MAX_CASE_S,
    briefing,
    check_name,
    in_course,
    in_range,
    injection,
    optional_duration,
    provenance,
)
from .timeexpr import split_reference
from .toml_reader import Table, TomlDocument, allowed_names

MAX_DRAWS = 100_000  # per [[draws]] entry: one every minute for over two months
TOP_KEYS = {"scenario", "patient", "circuit", "ventilator", "roles", "events", "keyframes",
            "modes", "flag_periods", "draws", "injections", "scheduled", "teaching",
            "briefing"}

Points = dict[str, list[tuple[float, float, int]]]  # channel -> (t, value, keyframe index)


def parse_scenario(doc: dict | TomlDocument, source: str, path: str | None = None
                   ) -> Scenario:
    """A Scenario from a parsed case file (a TomlDocument gives messages line numbers).

    Every independent problem is collected (replay_data.errors.Problems) and raised
    together as one ScenarioProblems: its message is the first problem found, what a
    loader shows; `replay-data validate` lists them all."""
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    found = Problems()
    try:
        scenario = _parse(doc.root(problems=found), source, path, found)
    except ScenarioError as exc:  # a problem that stops the rest (event times, ...)
        found.add(exc)
        scenario = None
    found.raise_any()
    assert scenario is not None  # no problem recorded: every part returned its value
    return scenario


def _parse(top: Table, source: str, path: str | None, found: Problems) -> Scenario | None:
    """The tables one by one, each part's problem recorded in `found` (None then)."""
    cat = load_catalogue()
    top.check_keys(TOP_KEYS)
    meta = top.child("scenario")
    meta.check_keys({"id", "title", "source", "end", "default_start", "alarm_profile",
                     "monitoring_start"})
    # Every other time refers to the events: when they do not resolve, stop here.
    clock = CaseClock(event_times(top))
    events = _events(top, clock, found)
    the_circuit = found.attempt(lambda: circuit(top), None)
    # "circuit" in top, not the parsed circuit: a broken [circuit] is its own problem,
    # not also "an ECMO role needs a [circuit]".
    the_roles = found.attempt(lambda: roles(top, clock.times, "circuit" in top), None)
    origin: str | float = the_roles["admission"] if the_roles else 0.0
    clock.end = found.attempt(lambda: _end(meta, clock), math.inf)
    outside = [(i, e) for i, e in events if not (clock.start <= e.t <= clock.end)]
    for i, e in outside:
        found.add(top.fail(("events", i, "t"), f"event {e.id!r} at {e.t:.0f} s is outside "
                                               f"the scenario (0 to {clock.end:.0f} s)"))
    if outside:
        # An event after the end is most often an `end` set too early: every later time
        # past it would say so again. The events' lines say it once; the rest is checked
        # against no end.
        clock.end = math.inf
    numeric_points: Points = {}
    result_points: Points = {}
    modes, keyframe_provenance, keyframed_results = _keyframes(
        top, clock, cat, numeric_points, result_points, found)
    specs, broken = _injections(top, cat, found)
    values = {
        "id": found.attempt(lambda: check_name(meta, "id", meta.text("id", nonempty=True),
                                               "scenario"), ""),
        "title": found.attempt(lambda: meta.text("title", nonempty=True), ""),
        "source": found.attempt(lambda: meta.text("source", ""), ""),
        "patient": found.attempt(lambda: patient(top), None),
        "ventilator": found.attempt(lambda: ventilator(top), None),
        "alarm_profile": found.attempt(lambda: meta.text("alarm_profile", "adult_icu"), ""),
        "draws": _draws(top, clock, cat, keyframed_results, found),
        "scheduled": _scheduled(top, clock, specs, broken, found),
        "flag_periods": _flag_periods(top, clock, cat, found),
        "teaching": _teaching(top, clock, found),
        "briefing": found.attempt(lambda: briefing(top), None),
    }
    for name in ("default_start", "monitoring_start"):
        values[name] = found.attempt(lambda name=name: _start(meta, name, clock, origin), 0.0)
    if found.found:
        return None
    return Scenario(
        path=path or source,
        events=tuple(sorted((e for _, e in events), key=lambda e: e.t)),
        start=clock.start,
        end=clock.end,
        numeric_keyframes=_series(numeric_points),
        result_levels=_series(result_points),
        modes=modes,
        injections=specs,
        keyframe_provenance=tuple(keyframe_provenance),
        circuit=the_circuit,
        roles=the_roles,
        **values,
    )


def _start(meta: Table, name: str, clock: CaseClock, origin: str | float) -> float:
    """[scenario] default_start or monitoring_start (default: the origin event)."""
    t = clock.when(meta, name, origin)
    if not (clock.start <= t <= clock.end):
        raise meta.fail(name, f"{t:.0f} s is outside the scenario ({clock.start:.0f} to "
                              f"{clock.end:.0f} s)")
    return t


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
            raise r.fail(name, f"unknown event {ref!r}"
                               + allowed_names(ref, self.times, "events"))
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
                raise r.fail("t", f"unknown event {ref!r}" + allowed_names(ref, exprs, "events"))
            chain.append((eid, ref, offset))
            on_chain.add(eid)
            eid = ref
        for eid, ref, offset in reversed(chain):
            value = times[ref] + offset
            if not math.isfinite(value):
                raise exprs[eid][1].fail("t", "time out of range")
            times[eid] = value
    return times


def _events(top: Table, clock: CaseClock, found: Problems) -> list[tuple[int, Event]]:
    """(index in the file, event); each event checked on its own."""
    out = []
    for i, r in enumerate(top.items("events")):
        r.check_keys({"id", "t", "label", "kind", "basis", "quote", "note"})
        with found.part():
            eid = r.text("id")
            out.append((i, Event(eid, clock.times[eid], r.text("label"),
                                 r.text("kind", "clinical"), provenance(r))))
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
               result_points: Points, found: Problems
               ) -> tuple[dict[str, tuple[tuple[float, str], ...]],
                          list[tuple[float, str, Provenance]], set[str]]:
    """[[keyframes]] and [modes]: fills the points; returns the modes, the provenance and
    every result a keyframe names (a draw of one whose keyframe is broken has a level:
    the keyframe's own problem is the one to report). Each value is checked on its own."""
    mode_points: dict[str, list[tuple[float, str]]] = {}
    base_modes = top.child("modes")
    for k in base_modes.table:
        with found.part():
            mode_points[k] = [(-math.inf, base_modes.text(k))]
    prov_out: list[tuple[float, str, Provenance]] = []
    named_results: set[str] = set()
    # Console controls are keyframeable too, but their values come from the inputs
    # (replay_data.controls): the list names what an author keyframes.
    inputs = sorted(ch.id for ch in cat.numerics.values()
                    if ch.keyframed and ch.group != "controls")
    levels = sorted(k for k, res in cat.results.items() if not res.channel)
    for i, r in enumerate(top.items("keyframes", [])):
        r.check_keys({"t", "basis", "quote", "note", "values", "results", "modes"})
        t = found.attempt(lambda r=r: clock.within(r, "t"), None)
        prov = found.attempt(lambda r=r: provenance(r), None)
        for table, dest in (("values", numeric_points), ("results", result_points)):
            vals = found.attempt(lambda r=r, table=table: r.child(table), None)
            if vals is None:
                continue
            if table == "results":
                named_results.update(vals.table)
            for ch, v in vals.table.items():
                with found.part():
                    value = _keyframe_value(vals, ch, v, cat, inputs, levels)
                    if t is not None and prov is not None:
                        dest.setdefault(ch, []).append((t, value, i))
                        prov_out.append((t, ch, prov))
        modes = found.attempt(lambda r=r: r.child("modes"), None)
        for k in modes.table if modes is not None else ():
            with found.part():
                text = modes.text(k)
                if t is not None:
                    mode_points.setdefault(k, []).append((t, text))
    modes_out = {k: tuple(sorted(v, key=lambda p: p[0])) for k, v in mode_points.items()}
    return modes_out, prov_out, named_results


def _keyframe_value(vals: Table, ch: str, v: object, cat: Catalogue, inputs: list[str],
                    levels: list[str]) -> float:
    """One channel = value of a keyframe's `values` (input channels) or `results` (the
    levels of results no channel gives), in the channel's physical range."""
    if vals.path[-1] == "values":
        if ch not in cat.numerics:
            raise vals.fail(ch, f"unknown channel {ch!r}" + allowed_names(
                ch, inputs, "a keyframe sets input channels", close_from=cat.numerics))
        if cat.numerics[ch].derived:
            raise vals.fail(ch, f"{ch!r} is derived from {cat.numerics[ch].derived}, not "
                                "keyframed" + allowed_names(ch, inputs, "input channels"))
        if cat.numerics[ch].model:
            raise vals.fail(ch, f"{ch!r} is computed by the model from the input "
                                "channels, not keyframed" + allowed_names(
                                    ch, inputs, "input channels"))
        channel: NumericChannel | ResultTest = cat.numerics[ch]
    else:
        if ch not in cat.results:
            raise vals.fail(ch, f"unknown channel {ch!r}" + allowed_names(
                ch, levels, "a keyframe's results set"))
        if cat.results[ch].channel:
            raise vals.fail(ch, f"result {ch!r} is read from channel "
                                f"{cat.results[ch].channel!r}, not keyframed")
        channel = cat.results[ch]
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isinf(v):
        raise vals.fail(ch, f"must be a number (or nan), not {type(v).__name__} {v!r}")
    in_range(vals, ch, float(v), channel)
    return float(v)


def _series(points: Points) -> dict[str, ChannelKeyframes]:
    out = {}
    for ch, pts in points.items():
        pts.sort(key=lambda p: (p[0], p[2]))
        out[ch] = ChannelKeyframes(tuple(p[0] for p in pts), tuple(p[1] for p in pts))
    return out


# --------------------------------------------------------------------------- the rest


def _injections(top: Table, cat: Catalogue, found: Problems
                ) -> tuple[dict[str, InjectionSpec], set[str]]:
    """[injections.ID], each on its own; returns the good ones and the ids of broken ones
    (a schedule naming a broken one is not also reported)."""
    specs: dict[str, InjectionSpec] = {}
    broken: set[str] = set()
    tables = found.attempt(lambda: top.child("injections").tables(), {})
    for iid, r in tables.items():
        spec = found.attempt(lambda iid=iid, r=r: injection(r, iid, cat), None)
        if spec is None:
            broken.add(iid)
        else:
            specs[iid] = spec
    return specs, broken


def _flag_periods(top: Table, clock: CaseClock, cat: Catalogue, found: Problems
                  ) -> tuple[FlagPeriod, ...]:
    out = []
    for r in found.attempt(lambda: top.items("flag_periods", []), []):
        r.check_keys({"flag", "start", "end", "basis", "quote", "note"})
        flag = found.attempt(lambda r=r: _flag(r, cat), None)
        with found.part():
            fs, fe = clock.when(r, "start"), clock.when(r, "end")
            if fe <= fs:
                raise r.fail("end", "end must be after start")
            for name, ft in (("start", fs), ("end", fe)):
                in_course(r, name, ft, clock.start, clock.end)
            if flag is not None:
                out.append(FlagPeriod(flag, fs, fe))
    return tuple(out)


def _flag(r: Table, cat: Catalogue) -> str:
    flag = r.text("flag")
    if flag not in cat.flags:
        raise r.fail("flag", f"unknown flag {flag!r}" + allowed_names(flag, cat.flags))
    return flag


def _draws(top: Table, clock: CaseClock, cat: Catalogue, keyframed: set[str],
           found: Problems) -> tuple[ResultDraw, ...]:
    draws: list[ResultDraw] = []
    for r in found.attempt(lambda: top.items("draws", []), []):
        r.check_keys({"at", "start", "end", "every", "tests", "basis", "quote", "note",
                      "values"})
        with found.part():
            draws.extend(_draw(r, clock, cat, keyframed))
    draws.sort(key=lambda d: (d.t, d.test))
    return tuple(draws)


def _draw(r: Table, clock: CaseClock, cat: Catalogue, keyframed: set[str]
          ) -> list[ResultDraw]:
    """One [[draws]] entry: one draw (at) or a series (start, end, every)."""
    start, end = clock.start, clock.end
    prov = provenance(r)
    tests = r.array("tests")
    if not tests:
        raise r.fail("tests", "a draw needs at least one test"
                     + allowed_names("", cat.results, "results"))
    for j, test in enumerate(tests):
        if not isinstance(test, str):
            raise r.fail(("tests", j), "must be the name of a result")
        if test not in cat.results:
            raise r.fail(("tests", j), f"unknown result {test!r}"
                         + allowed_names(test, cat.results, "results"))
        if ("values" not in r and test not in keyframed
                and cat.results[test].channel is None):
            raise r.fail(("tests", j), f"no keyframed level for result {test!r} (give it "
                                       "in a keyframe's results, or this draw's values)")
    values = r.child("values")
    exact = values.table
    for k, v in exact.items():
        if k not in tests:
            raise values.fail(k, f"value for a test not in tests ({', '.join(tests)})")
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
    out = []
    for dt in draw_times:
        if not (start <= dt <= end):
            raise r.fail(None, f"draw at {dt:.0f} s is outside the scenario")
        for test in tests:
            ex = exact.get(test)
            out.append(ResultDraw(dt, test, None if ex is None else float(ex), prov))
    return out


def _scheduled(top: Table, clock: CaseClock, specs: dict[str, InjectionSpec],
               broken: set[str], found: Problems) -> tuple[ScheduledInjection, ...]:
    out = []
    for r in found.attempt(lambda: top.items("scheduled", []), []):
        r.check_keys({"injection", "at", "severity", "duration", "basis", "quote", "note"})
        with found.part():
            iid = r.text("injection")
            if iid in broken:
                continue  # the injection's own problem is reported
            if iid not in specs:
                raise r.fail("injection", f"unknown injection {iid!r}"
                             + allowed_names(iid, specs, "injections"))
            sev = r.number("severity", specs[iid].default_severity)
            if not 0 < sev <= 1:
                raise r.fail("severity", f"must be in (0, 1], not {sev:g}")
            duration = optional_duration(r, "duration", specs[iid].default_duration)
            at = clock.within(r, "at")
            out.append(ScheduledInjection(iid, at, sev, duration, provenance(r)))
    return tuple(out)


def _teaching(top: Table, clock: CaseClock, found: Problems) -> tuple[TeachingNote, ...]:
    out = []
    for r in found.attempt(lambda: top.items("teaching", []), []):
        r.check_keys({"from", "to", "basis", "text"})
        with found.part():
            basis = r.choice("basis", BASES)
            t_from, t_to = clock.within(r, "from"), clock.within(r, "to")
            if t_to < t_from:
                raise r.fail("to", "is before from")
            out.append(TeachingNote(t_from, t_to, r.text("text"), basis))
    return tuple(out)
