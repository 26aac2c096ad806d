"""Load a scenario: a built-in case or drill by name, or a TOML file by path.

The file goes through the one hardened reader (replay_data.toml_reader); a case is parsed
by replay_data.scenario_parse, a drill by replay_data.drill over its base case. Every
problem is one ScenarioError line naming the file, the line and the key, e.g.
``sle_dah_ecmo.toml:78: events[4].t: unknown event 'intubaton'``.

The scenario's dataclasses live in replay_data.scenario_data; they are re-exported here
so that `from replay_data.scenario import Scenario, load_scenario` keeps working.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from .drill import base_loader, is_drill, parse_drill
from .errors import ReplayDataError, ScenarioError
from .input_file import is_path_like
from .scenario_data import (
    BASES,
    DEFAULT_SCENARIO,
    REQUIRED_EVENTS,
    ROLES,
    Briefing,
    Cannula,
    ChannelKeyframes,
    Circuit,
    ControlCondition,
    Effect,
    EndCondition,
    Event,
    ExpectedResponse,
    FlagPeriod,
    InjectionSpec,
    InjectionVariant,
    Patient,
    Provenance,
    Pump,
    ResultDraw,
    Scenario,
    ScheduledInjection,
    TeachingNote,
    check_case_events,
)
from .scenario_parse import MAX_DRAWS, parse_scenario
from .scenario_tables import MAX_CASE_S, MAX_DURATION_S
from .toml_reader import TomlDocument, read_toml, read_toml_resource

SCENARIO_PACKAGE = "resources.scenarios"

__all__ = [
    "BASES", "DEFAULT_SCENARIO", "MAX_CASE_S", "MAX_DRAWS", "MAX_DURATION_S",
    "REQUIRED_EVENTS", "ROLES", "Briefing", "Cannula", "Circuit", "Patient", "Pump",
    "ChannelKeyframes", "ControlCondition", "Effect", "EndCondition", "Event", "ExpectedResponse",
    "FlagPeriod", "InjectionSpec", "InjectionVariant", "Provenance", "ResultDraw",
    "Scenario", "ScheduledInjection", "TeachingNote", "builtin_scenarios",
    "check_case_events", "load_scenario", "parse_scenario", "scenario_title",
]


def builtin_scenarios() -> list[str]:
    root = resources.files(SCENARIO_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO, *, as_base: bool = False
                  ) -> Scenario:
    """A built-in scenario by name, or a TOML file by path (read through the hardened
    reader: regular file, size limit, UTF-8, nesting and number limits). as_base: loaded
    as a drill's base case, which must not be a drill itself (refused before it loads
    its own base: two drills naming each other cannot recurse)."""
    text_name = str(name_or_path)
    path = Path(text_name)
    try:
        is_path = is_path_like(text_name) or path.exists()
    except (OSError, ValueError) as exc:  # name too long, NUL byte
        raise ScenarioError(text_name, f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                            ) from None
    doc: TomlDocument
    if is_path:
        # Messages name the file by its name; the path the user gave names a read error.
        doc = read_toml(path, "scenario", shown=path.name)
        shown_path = str(path)
    else:
        if text_name not in builtin_scenarios():
            raise ScenarioError(
                text_name,
                f"no built-in scenario of that name (built-in: {', '.join(builtin_scenarios())})",
            )
        doc = read_toml_resource(SCENARIO_PACKAGE, text_name + ".toml", "scenario")
        shown_path = doc.source
    if is_drill(doc):  # a drill overlays its base case (replay_data.drill)
        if as_base:
            raise ScenarioError(doc.source, "is a drill; a drill's base must be a case")
        return parse_drill(doc, doc.source, shown_path,
                           base_loader(path if is_path else None, load_scenario))
    return parse_scenario(doc, doc.source, shown_path)


@functools.cache
def scenario_title(name: str) -> str:
    """The title of a built-in scenario or drill, for a pick list ('' if it does not
    load: the pick still lists it, and choosing it shows the error). Built-in files do
    not change while the program runs, so the title is read once."""
    try:
        return load_scenario(name).title
    except ReplayDataError:
        return ""
