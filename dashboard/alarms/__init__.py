"""Alarm system core, modelled on IEC 60601-1-8 (not compliant with it). No Qt here.

profile     load/validate TOML alarm profiles (resources/alarm_profiles) into dataclasses
conditions  compiled rules + the per-rule delay/hysteresis/escalation state machine
engine      AlarmEngine: conditions to signals (acknowledge, latching, escalation, alarm off)
inactivation  AUDIO PAUSED (with break-through), AUDIO OFF, ALARM PAUSED countdowns
limits      a parameter's normal alarm limits: read, checked, written into the rules
records     what the engine reports: AlarmChange, AlarmSignal, InactivationStatus
timeline    the same conditions over a whole course, vectorised with numpy
log         JSON Lines alarm log
sound       numpy synthesis of the auditory bursts (int16 PCM, WAV bytes)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The names below are imported when first asked for (PEP 562), not with the package: a
# command that needs one module (replay-data checks a profile with .profile) does not pay
# for numpy, the engine and the timeline at start-up.
_WHERE = {
    "AlarmChange": "engine", "AlarmEngine": "engine", "AlarmOffRefused": "engine",
    "AlarmSignal": "engine", "InactivationStatus": "engine", "LimitError": "engine",
    "AlarmKind": "kinds", "AlarmState": "kinds", "Category": "kinds", "Priority": "kinds",
    "AlarmLog": "log", "AlarmLogError": "log", "default_log_path": "log",
    "AlarmProfile": "profile", "ProfileError": "profile", "available_profiles": "profile",
    "load_profile": "profile",
    "AlarmTimeline": "timeline", "compute_timeline": "timeline",
}

if TYPE_CHECKING:
    from .engine import (
        AlarmChange,
        AlarmEngine,
        AlarmOffRefused,
        AlarmSignal,
        InactivationStatus,
        LimitError,
    )
    from .kinds import AlarmKind, AlarmState, Category, Priority
    from .log import AlarmLog, AlarmLogError, default_log_path
    from .profile import AlarmProfile, ProfileError, available_profiles, load_profile
    from .timeline import AlarmTimeline, compute_timeline


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AlarmChange",
    "AlarmEngine",
    "AlarmKind",
    "AlarmLog",
    "AlarmLogError",
    "AlarmOffRefused",
    "AlarmProfile",
    "AlarmSignal",
    "AlarmState",
    "AlarmTimeline",
    "Category",
    "InactivationStatus",
    "LimitError",
    "Priority",
    "ProfileError",
    "available_profiles",
    "compute_timeline",
    "default_log_path",
    "load_profile",
]
