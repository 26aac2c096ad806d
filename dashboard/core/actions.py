"""Actions: everything that changes a session, and who did it. The ONE place action names live.

A key, a button, the instructor console, a recorded session being replayed and the network
all produce the same `Action` values; `SessionController.apply` is the one dispatch that
applies them. An action is plain JSON data (`to_json` / `from_json`), checked field by
field here, so a malformed recording or network message is refused with one line before
it can reach the clock or the alarm engine.

    kind            args (defaults filled in by from_json)               who may apply it
    play, pause     -                                                    instructor
    speed           value: 0 < number <= 3600                            instructor
    seek            target: case time (s)                                instructor
    jump            event: scenario event id (old recordings)            instructor
    inject          injection, severity (0..1] | null, duration > 0 |    instructor
                    null, start: case time | null (null: now), id | null,
                    until_stopped: bool (on until a stop; duration ignored)
    override        channel, target, transition >= 0, duration > 0 |     instructor
                    null, start | null, id | null
    stop            id: a disturbance id                                 instructor
    freeze_screen   on: bool (the bedside shows the pause)               instructor
    begin           participants: text | null (names or roles)           instructor
                    -- the drill starts: the pre-brief is over, the clock plays
    end             -                                                    instructor
                    -- the drill is over: the clock stops, the file closes
    note            text, bookmark: bool (a bookmark is a short mark)    instructor
    response_done   injection: disturbance id (scheduled:... too),       instructor
                    response: the expected response's label
                    -- the instructor ticks a response the team gave verbally
    acknowledge     alarm_id: text | null (null: all)                    trainee or instructor
    audio_pause     on: bool (false ends it early)                       trainee or instructor
    alarm_pause     on: bool                                             trainee or instructor
    audio_off       on: bool                                             trainee or instructor
    alarm_off       target: alarm id or parameter, on: bool              trainee or instructor
    limits          parameter, low | null, high | null (null: unchanged) trainee or instructor
    control         control: a console setting id (control.ecmo.rpm, ...), trainee or instructor
                    value: number (replay_data.controls.CONTROLS)       (refused when locked)
    lock            console: "ecmo" | "vent", on: bool                    instructor

Roles: "instructor" (the console or a demo window), "trainee" (a bedside monitor),
"replay" (a recorded session played back) and "script" (headless --inject): the last two
act for the instructor. `display` names the screen the action came from ("console",
"bed-1", "demo"), so the session log says who pressed what where.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# --- the action names -------------------------------------------------------------------
PLAY = "play"
PAUSE = "pause"
SPEED = "speed"
SEEK = "seek"
JUMP = "jump"
INJECT = "inject"
OVERRIDE = "override"
STOP = "stop"
FREEZE_SCREEN = "freeze_screen"
BEGIN = "begin"
END = "end"
NOTE = "note"
RESPONSE_DONE = "response_done"
ACKNOWLEDGE = "acknowledge"
AUDIO_PAUSE = "audio_pause"
ALARM_PAUSE = "alarm_pause"
AUDIO_OFF = "audio_off"
ALARM_OFF = "alarm_off"
LIMITS = "limits"
CONTROL = "control"
LOCK = "lock"

# --- roles ------------------------------------------------------------------------------
INSTRUCTOR = "instructor"
TRAINEE = "trainee"
REPLAY = "replay"
SCRIPT = "script"
ROLES = (INSTRUCTOR, TRAINEE, REPLAY, SCRIPT)
# Roles that act for the instructor (a recording or a script replays what one decided).
INSTRUCTOR_ROLES = frozenset({INSTRUCTOR, REPLAY, SCRIPT})

MAX_TEXT = 200
MAX_CASE_TIME = 1e9  # about 30 years of case time: anything beyond is a broken file
MAX_DURATION = 1e7


class ActionError(ValueError):
    """A malformed action; str() is one line (the caller adds file and line, or peer)."""


@dataclass(frozen=True)
class Arg:
    """One field of an action: its type, whether it may be null, its range and default."""
    type: str  # "number" | "text" | "bool"
    required: bool = False
    nullable: bool = False
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low itself not allowed


_TIME = Arg("number", nullable=True, low=-MAX_CASE_TIME, high=MAX_CASE_TIME)
_ID = Arg("text", nullable=True)
_ON = Arg("bool", default=True)

ARGS: dict[str, dict[str, Arg]] = {
    PLAY: {},
    PAUSE: {},
    SPEED: {"value": Arg("number", required=True, low=0, low_open=True, high=3600)},
    SEEK: {"target": Arg("number", required=True, low=-MAX_CASE_TIME, high=MAX_CASE_TIME)},
    JUMP: {"event": Arg("text", required=True)},
    INJECT: {"injection": Arg("text", required=True),
             "severity": Arg("number", nullable=True, low=0, low_open=True, high=1),
             "duration": Arg("number", nullable=True, low=0, low_open=True, high=MAX_DURATION),
             "start": _TIME, "id": _ID,
             # on until the instructor stops it (duration is then ignored)
             "until_stopped": Arg("bool", default=False)},
    OVERRIDE: {"channel": Arg("text", required=True),
               "target": Arg("number", required=True, low=-1e6, high=1e6),
               "transition": Arg("number", default=0.0, low=0, high=MAX_DURATION),
               "duration": Arg("number", nullable=True, low=0, low_open=True, high=MAX_DURATION),
               "start": _TIME, "id": _ID},
    STOP: {"id": Arg("text", required=True)},
    FREEZE_SCREEN: {"on": _ON},
    BEGIN: {"participants": Arg("text", nullable=True)},
    END: {},
    NOTE: {"text": Arg("text", required=True), "bookmark": Arg("bool", default=False)},
    RESPONSE_DONE: {"injection": Arg("text", required=True),
                    "response": Arg("text", required=True)},
    ACKNOWLEDGE: {"alarm_id": _ID},
    AUDIO_PAUSE: {"on": _ON},
    ALARM_PAUSE: {"on": _ON},
    AUDIO_OFF: {"on": _ON},
    ALARM_OFF: {"target": Arg("text", required=True), "on": _ON},
    LIMITS: {"parameter": Arg("text", required=True),
             "low": Arg("number", nullable=True, low=-1e6, high=1e6),
             "high": Arg("number", nullable=True, low=-1e6, high=1e6)},
    CONTROL: {"control": Arg("text", required=True),
              "value": Arg("number", required=True, low=-1e6, high=1e6)},
    LOCK: {"console": Arg("text", required=True), "on": _ON},
}
ACTION_KINDS: tuple[str, ...] = tuple(ARGS)

# The replay clock and the case itself: only the instructor (or a replay / script) may.
CLOCK_KINDS = frozenset({PLAY, PAUSE, SPEED, SEEK, JUMP})
DISTURBANCE_KINDS = frozenset({INJECT, OVERRIDE, STOP})
# The session's own course: pre-brief -> begin -> ... -> end, with notes on the way.
SESSION_KINDS = frozenset({BEGIN, END, NOTE, RESPONSE_DONE})
INSTRUCTOR_ONLY = CLOCK_KINDS | DISTURBANCE_KINDS | SESSION_KINDS | {FREEZE_SCREEN, LOCK}
# What a bedside monitor's alarm keys and limits dialog may request.
TRAINEE_KINDS = frozenset({ACKNOWLEDGE, AUDIO_PAUSE, ALARM_PAUSE, AUDIO_OFF, ALARM_OFF, LIMITS})
# Alarm operator actions: they change the alarm engine's state, so a display that joins
# late replays them to rebuild it. Settings survive a seek; the others do not.
OPERATOR_KINDS = TRAINEE_KINDS
OPERATOR_SETTINGS = frozenset({AUDIO_OFF, ALARM_OFF, LIMITS})
# What a bedside display may send to the instructor's controller (followers' uplink).
UPLINK_KINDS = TRAINEE_KINDS | {CONTROL}

# How the session log files each kind (its "type" key); disturbances have their own
# records (perturbation, perturbation_stopped) with the whole disturbance as data.
# A trainee's control is recorded as the disturbance it makes ("perturbation", kind control).
RECORD_TYPE = {**{k: "instructor" for k in CLOCK_KINDS | SESSION_KINDS | {FREEZE_SCREEN, LOCK}},
               **{k: "trainee" for k in TRAINEE_KINDS}}


@dataclass(frozen=True)
class Actor:
    role: str  # one of ROLES
    display: str  # the screen it came from: "console", "bed-1", "demo", ...

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "display": self.display}

    @classmethod
    def from_json(cls, d: object) -> Actor:
        if not isinstance(d, Mapping):
            raise ActionError("actor must be an object with role and display")
        unknown = sorted(set(d) - {"role", "display"})
        if unknown:
            raise ActionError(f"actor: unknown key {unknown[0]!r}")
        role = d.get("role")
        if role not in ROLES:
            raise ActionError(f"actor role must be one of {', '.join(ROLES)}, not {role!r}")
        return cls(role, _text("actor display", d.get("display")))


@dataclass(frozen=True)
class Action:
    kind: str  # one of ACTION_KINDS
    args: Mapping[str, Any]  # JSON-able, checked per kind (see ARGS)
    actor: Actor
    case_t: float | None = None  # case time it was taken at (None: "now" when applied)
    # Where it came from, for error messages only ("session.jsonl: line 12").
    origin: str | None = field(default=None, compare=False)

    @property
    def instructor_only(self) -> bool:
        return self.kind in INSTRUCTOR_ONLY

    def arg(self, name: str) -> Any:
        return self.args.get(name, ARGS[self.kind][name].default)

    def with_(self, *, case_t: float | None = None, **args: Any) -> Action:
        """A copy with case_t set and args added or replaced (checked again)."""
        merged = {**self.args, **args}
        return Action.make(self.kind, merged, self.actor,
                           self.case_t if case_t is None else case_t, origin=self.origin)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "args": dict(self.args), "actor": self.actor.to_json(),
                "case_t": self.case_t}

    @classmethod
    def make(cls, kind: str, args: Mapping[str, Any] | None, actor: Actor,
             case_t: float | None = None, *, origin: str | None = None) -> Action:
        """Build a checked action (ActionError on anything malformed)."""
        if kind not in ARGS:
            raise ActionError(f"unknown action {kind!r} (known: {', '.join(ACTION_KINDS)})")
        return cls(kind, check_args(kind, args or {}), actor, _case_time(case_t), origin)

    @classmethod
    def from_json(cls, d: object, *, origin: str | None = None) -> Action:
        """The inverse of to_json; raises ActionError with a one-line message."""
        if not isinstance(d, Mapping):
            raise ActionError("an action must be a JSON object")
        unknown = sorted(set(d) - {"kind", "args", "actor", "case_t"})
        if unknown:
            raise ActionError(f"action: unknown key {unknown[0]!r}")
        kind = d.get("kind")
        if not isinstance(kind, str):
            raise ActionError(f"action kind must be text, not {kind!r}")
        return cls.make(kind, d.get("args", {}), Actor.from_json(d.get("actor")),
                        d.get("case_t"), origin=origin)


def check_args(kind: str, args: object) -> dict[str, Any]:
    """The args of one kind, type- and range-checked, defaults filled in."""
    if not isinstance(args, Mapping):
        raise ActionError(f"{kind}: args must be an object")
    spec = ARGS[kind]
    unknown = sorted(set(args) - set(spec))
    if unknown:
        raise ActionError(f"{kind}: unknown field {unknown[0]!r}"
                          f" (fields: {', '.join(spec) or 'none'})")
    out: dict[str, Any] = {}
    for name, a in spec.items():
        if name not in args:
            if a.required:
                raise ActionError(f"{kind}: missing {name!r}")
            out[name] = a.default
            continue
        out[name] = _value(f"{kind} {name}", args[name], a)
    return out


def _value(what: str, v: object, a: Arg) -> Any:
    if v is None:
        if a.nullable:
            return None
        raise ActionError(f"{what} must not be null")
    if a.type == "bool":
        if not isinstance(v, bool):
            raise ActionError(f"{what} must be true or false, not {_show(v)}")
        return v
    if a.type == "text":
        return _text(what, v)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ActionError(f"{what} must be a number, not {_show(v)}")
    try:
        x = float(v)
    except OverflowError:
        raise ActionError(f"{what} is too large") from None
    if not math.isfinite(x):
        raise ActionError(f"{what} must be a finite number, not {_show(v)}")
    if a.low is not None and (x < a.low or (a.low_open and x == a.low)):
        raise ActionError(f"{what} {x:g} must be {'above' if a.low_open else 'at least'} "
                          f"{a.low:g}")
    if a.high is not None and x > a.high:
        raise ActionError(f"{what} {x:g} must be at most {a.high:g}")
    return x


def _text(what: str, v: object) -> str:
    if not isinstance(v, str):
        raise ActionError(f"{what} must be text, not {_show(v)}")
    if not v or len(v) > MAX_TEXT or not v.isprintable():
        raise ActionError(f"{what} must be 1 to {MAX_TEXT} printable characters")
    return v


def _case_time(t: object) -> float | None:
    if t is None:
        return None
    return _value("case_t", t, Arg("number", low=-MAX_CASE_TIME, high=MAX_CASE_TIME))


def _show(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
