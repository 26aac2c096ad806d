"""The content hash two displays compare before sharing a session: same hash, same values
and alarms for the same (disturbances, seed, case time)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from enum import Enum

from dashboard.alarms.profile import AlarmProfile
from replay_data.course import Course


def _canonical(x: object) -> object:
    """Plain data with a stable order, for hashing what a scenario means."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: _canonical(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, set | frozenset):
        return sorted((_canonical(v) for v in x), key=repr)
    if isinstance(x, list | tuple):
        return [_canonical(v) for v in x]
    if isinstance(x, Enum):
        return _canonical(x.value)
    if isinstance(x, float):
        return repr(x)  # exact, and NaN/inf survive
    if x is None or isinstance(x, bool | int | str):
        return x
    return repr(x)


def scenario_hash(course: Course, profile: AlarmProfile) -> str:
    """sha256 of what the scenario means: its content (not where its file lies), its
    alarm profile and the channel catalogue. Two displays with the same hash compute the
    same values and alarms for the same (disturbances, seed, case time)."""
    scenario = dataclasses.replace(course.scenario, path="")
    text = json.dumps([_canonical(scenario), _canonical(profile), _canonical(course.catalogue)],
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
