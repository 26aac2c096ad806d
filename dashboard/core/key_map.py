"""The monitor's keys, by role: key names ("A", "Shift+Right", "Space") to what they do.

Qt-free (after napari's `_viewer_key_bindings.py`): the window only turns a key event into
a key name and calls `binding_for`; what a key does is data here, tested without Qt. A
binding is either an action kind (dashboard.core.actions, sent to the controller as the
key's role's action) or one of the window's own view commands (VIEW_COMMANDS: opening the
trend review, full screen, ... which change no session state).

The rule that keeps the bedside honest lives here too: the trainees' monitor has the alarm
keys only -- its replay keys do nothing (it cannot run the case); the instructor's
read-only copy (mirror) has no keys at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .actions import ACKNOWLEDGE, ALARM_PAUSE, AUDIO_PAUSE

# The window's commands that are not session actions (they change only this screen, or
# pick an action from the clock's state: play/pause, one speed up).
LIMITS_DIALOG = "limits_dialog"
FULLSCREEN = "fullscreen"
TRENDS = "trends"
PLAY_PAUSE = "play_pause"
STEP = "step"
SLOWER = "slower"
FASTER = "faster"
SEEK_START = "seek_start"
SEEK_END = "seek_end"
VIEW_COMMANDS = frozenset({LIMITS_DIALOG, FULLSCREEN, TRENDS, PLAY_PAUSE, STEP, SLOWER,
                           FASTER, SEEK_START, SEEK_END})

SHIFT = "Shift+"


@dataclass(frozen=True)
class KeyBinding:
    """What one key does: `command` is an action kind or a VIEW_COMMANDS name."""

    command: str
    args: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    help: str = ""

    @property
    def is_action(self) -> bool:
        return self.command not in VIEW_COMMANDS


def _bind(command: str, help: str, **args: Any) -> KeyBinding:
    return KeyBinding(command, MappingProxyType(dict(args)), help)


# The alarm keys: on the demo window and the trainees' bedside monitor.
ALARM_KEYS: dict[str, KeyBinding] = {
    "A": _bind(ACKNOWLEDGE, "acknowledge the alarms", alarm_id=None),
    "S": _bind(AUDIO_PAUSE, "audio pause", on=True),
    "P": _bind(ALARM_PAUSE, "alarm pause", on=True),
    "L": _bind(LIMITS_DIALOG, "alarm limits"),
    "F11": _bind(FULLSCREEN, "full screen on / off"),
    "T": _bind(TRENDS, "trend review open / closed"),
}
# The replay keys: only where the case is run from (the demo window).
REPLAY_KEYS: dict[str, KeyBinding] = {
    "Space": _bind(PLAY_PAUSE, "play / pause"),
    "Left": _bind(STEP, "back 10 s", seconds=-10.0),
    "Right": _bind(STEP, "forward 10 s", seconds=10.0),
    "Shift+Left": _bind(STEP, "back 10 min", seconds=-600.0),
    "Shift+Right": _bind(STEP, "forward 10 min", seconds=600.0),
    "[": _bind(SLOWER, "slower"),
    "]": _bind(FASTER, "faster"),
    "Home": _bind(SEEK_START, "to the start of the case"),
    "End": _bind(SEEK_END, "to the end of the case"),
}
KEY_MAPS: dict[str, dict[str, KeyBinding]] = {
    "demo": {**ALARM_KEYS, **REPLAY_KEYS},
    "monitor": dict(ALARM_KEYS),
    "mirror": {},
}
# Keys the trend review keeps while the focus is in it (its cursor, the table's rows).
TREND_REVIEW_KEYS = frozenset({"Left", "Right", "Up", "Down", "Home", "End", "PgUp",
                               "PgDown"})


def key_name(key: str, *, shift: bool = False) -> str:
    """The map's name for a key with or without Shift: key_name("Right", shift=True)."""
    return f"{SHIFT}{key}" if shift else key


def base_key(name: str) -> str:
    """The key without its Shift: base_key("Shift+Right") == "Right"."""
    return name[len(SHIFT):] if name.startswith(SHIFT) else name


def keys_for(role: str) -> dict[str, KeyBinding]:
    """Every key of a role (an unknown role has none)."""
    return KEY_MAPS.get(str(role), {})


def binding_for(role: str, name: str) -> KeyBinding | None:
    """What `name` does for `role`; Shift with a key that has no Shift binding does what
    the key alone does (Shift+A acknowledges, as A does)."""
    keys = keys_for(role)
    return keys.get(name) or keys.get(base_key(name))
