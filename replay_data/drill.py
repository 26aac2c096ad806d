"""A drill: a ready-made exercise that overlays a base case instead of copying it.

A drill file names its base case (a built-in scenario, or a case file beside the drill)
and adds only what makes the exercise: where the pre-brief stands, the injections
scheduled a few minutes in, the expected responses the debrief scores, and its own
teaching material (case stem, objectives, debrief prompts). The patient, the course of
the numbers, the alarm profile and the injection catalogue are the base case's, so a fix
to the case reaches every drill built on it.

    [drill]
    id = "pump_stop_day2"              # = the file's name for a built-in drill
    title = "Pump stop on ECMO day 2"
    base = "sle_dah_ecmo"              # built-in name, or a case .toml beside this file
    start = "ecmo_start+20h"           # time expression on the base's events

    [[scheduled]]                      # one or more
    injection = "pump_stop"            # an injection of the base case
    after = "3m"                       # after the drill's start (or `at` = time expression)
    duration = "10m"                   # optional (default: the injection's)
    severity = 1.0                     # optional, (0, 1]

    [expected]                         # optional: replaces the base's expected responses
    pump_stop = [{ id = "clamp", label = "Clamp the lines", within = "30s", any = [...] }]

    [briefing]                         # required: case_stem and objectives
    case_stem = "..."
    objectives = ["..."]
    debrief_prompts = ["..."]

The result is a plain Scenario (``base`` set to the base's id): the session, the console
and the debrief need nothing else to run a drill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from .catalogue import load_catalogue
from .errors import ReplayDataError
from .scenario_data import Provenance, Scenario, ScheduledInjection
from .scenario_tables import briefing, check_name, expected, optional_duration
from .toml_reader import Table, TomlDocument

DRILL_KEYS = {"drill", "scheduled", "expected", "briefing"}


def is_drill(doc: dict | TomlDocument) -> bool:
    data = doc.data if isinstance(doc, TomlDocument) else doc
    return isinstance(data, dict) and "drill" in data


def parse_drill(doc: dict | TomlDocument, source: str, path: str,
                load_base: Callable[[str], Scenario]) -> Scenario:
    """The base case with the drill's start, schedule, expected responses and briefing.

    `load_base` loads the base by the name the file gives (a built-in name or a path the
    caller resolves next to the drill file); errors name the drill file and the key."""
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    top = doc.root()
    top.check_keys(DRILL_KEYS)
    meta = top.child("drill")
    meta.check_keys({"id", "title", "base", "start"})
    base_name = meta.text("base")
    try:
        base = load_base(base_name)
    except ReplayDataError as exc:
        raise meta.fail("base", f"base case {base_name!r}: {exc}") from None

    def when(r: Table, name: str) -> float:
        text = r.get(name, (str, int, float))
        try:
            return base.resolve(str(text))
        except ReplayDataError as exc:
            raise r.fail(name, str(exc)) from None

    start = when(meta, "start")
    cat = load_catalogue()

    expected_root = top.child("expected")
    injections = dict(base.injections)
    for iid in expected_root.table:
        if iid not in injections:
            raise expected_root.fail(iid, f"unknown injection {iid!r} "
                                          f"(the base case has: {', '.join(injections)})")
        expected_root.array(iid)
        injections[iid] = dataclasses.replace(
            injections[iid], expected=expected(expected_root, iid, cat))

    rows = top.items("scheduled")
    if not rows:
        raise top.fail("scheduled", "a drill needs at least one scheduled injection")
    scheduled = []
    for r in rows:
        r.check_keys({"injection", "at", "after", "severity", "duration", "note"})
        iid = r.text("injection")
        if iid not in injections:
            raise r.fail("injection", f"unknown injection {iid!r} "
                                      f"(the base case has: {', '.join(injections)})")
        spec = injections[iid]
        if ("at" in r) == ("after" in r):
            raise r.fail(None, "give either at (a time) or after (a duration after the "
                               "drill's start)")
        at = when(r, "at") if "at" in r else start + r.duration("after")
        if not (start <= at <= base.end):
            raise r.fail("at" if "at" in r else "after",
                         f"{at:.0f} s is outside the drill (its start {start:.0f} s "
                         f"to the case's end {base.end:.0f} s)")
        sev = r.number("severity", spec.default_severity)
        if not 0 < sev <= 1:
            raise r.fail("severity", "must be in (0, 1]")
        duration = optional_duration(r, "duration", spec.default_duration)
        scheduled.append(ScheduledInjection(
            iid, at, sev, duration,
            Provenance("assumed", note=r.text("note", "") or "training drill")))

    if "briefing" not in top:
        raise top.fail("briefing", "a drill needs its case stem and objectives")
    teaching = briefing(top)
    if not teaching.case_stem:
        raise top.fail(("briefing", "case_stem"), "missing")
    if not teaching.objectives:
        raise top.fail(("briefing", "objectives"), "missing")

    return dataclasses.replace(
        base, id=check_name(meta, "id", meta.text("id", nonempty=True), "drill"),
        title=meta.text("title", nonempty=True), path=path,
        base=base.id, default_start=start, injections=injections,
        scheduled=base.scheduled + tuple(sorted(scheduled, key=lambda s: s.t)),
        briefing=teaching)


def base_loader(drill_path: Path | None, load: Callable[..., Scenario]
                ) -> Callable[[str], Scenario]:
    """How a drill finds its base: a built-in name, or (for a drill file) a case file
    path taken relative to the drill's folder; `load` is load_scenario, asked to refuse
    a drill as a base before reading further."""
    def load_base(name: str) -> Scenario:
        if drill_path is not None and name.endswith(".toml"):
            p = Path(name)
            return load(p if p.is_absolute() else drill_path.parent / p, as_base=True)
        if name.endswith(".toml"):
            raise ReplayDataError("a built-in drill's base is a built-in case name")
        return load(name, as_base=True)
    return load_base
