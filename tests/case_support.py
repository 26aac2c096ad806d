"""The built-in case and drill, loaded once per test process (each xdist worker is one)
and shared by every module that needs them and by the `case_course` fixtures. Scenario
and Course are frozen; a Course keeps only caches of what it computed, which sharing
keeps warm across modules instead of recomputing the same course in each.

Imported by module name (`from case_support import case_course`): tests/ is on sys.path
through pytest's prepend import mode (tests/conftest.py lives here)."""

from __future__ import annotations

from functools import cache

from replay_data.course import Course
from replay_data.scenario import Scenario, load_scenario


@cache
def scenario(name: str = "sle_dah_ecmo") -> Scenario:
    """A built-in scenario by name, read once."""
    return load_scenario(name)


@cache
def case_course(name: str = "sle_dah_ecmo") -> Course:
    """The course of a built-in scenario with seed 0 (what `Course.load()` gives)."""
    return Course(scenario(name), seed=0)
