"""Each line of a session file checked on its own: JSON with the shared input rules, its
type and common keys, then its type's own keys (actions by the one action schema of
dashboard.core.actions, alarms, snapshots, displays, perturbations and their stops).
A problem raises RecordError with what is wrong; the reader adds the file and line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from math import isfinite
from sys import intern
from typing import Any

from dashboard.alarms.engine import AlarmChange
from dashboard.alarms.kinds import AlarmKind, Category, Priority
from dashboard.core import actions as acts
from dashboard.core.actions import ActionError, Actor
from dashboard.recording.format import (
    _COMMON_KEYS,
    DISPLAY_STATUSES,
    INSTRUCTOR_ACTIONS,
    RECORD_TYPES,
    TRAINEE_ACTIONS,
)
from replay_data.input_file import MAX_INT, parse_json
from replay_data.perturbation_data import RecordError as _Bad
from replay_data.perturbation_data import number_field as _number
from replay_data.perturbation_data import perturbation_from_record as _perturbation
from replay_data.perturbation_data import text_field as _text
from replay_data.perturbations import Perturbation

_SHARED_WORD = 24


def alarm_change(t: float, d: Mapping[str, Any]) -> AlarmChange:
    priority = _text(d, "priority", optional=True)
    kind = _text(d, "kind", optional=True)
    category = _text(d, "category", optional=True)
    try:
        return AlarmChange(
            case_time=t, event=_text(d, "event"), alarm_id=_text(d, "alarm_id", optional=True),
            channel=_text(d, "channel", optional=True), value=_number(d, "value", optional=True),
            limit=_number(d, "limit", optional=True),
            priority=None if priority is None else Priority.from_label(priority),
            message=_text(d, "message"), kind=None if kind is None else AlarmKind(kind),
            category=None if category is None else Category(category),
        )
    except ValueError as exc:  # unknown priority, kind or category
        raise _Bad(str(exc)) from None


def _check_action(t: float, d: Mapping[str, Any], known: tuple[str, ...], actor: str
                  ) -> dict[str, Any]:
    """Every field checked by the one action schema (dashboard.core.actions), as
    Action.from_json checks an action from the network; its args, checked and with
    defaults filled in (kept: a long file's actions are then checked once)."""
    action = _text(d, "action")
    if action not in known:
        raise _Bad(f"unknown {actor} action {action!r}")
    display = d.get("display", "recorded")
    args = {k: v for k, v in d.items() if k not in ("action", "display")}
    try:
        if type(display) is str:
            _actor(actor, display)
        else:  # refused, with Actor's message
            Actor.from_json({"role": actor, "display": display})
        if action in acts.ARGS and -acts.MAX_CASE_TIME <= t <= acts.MAX_CASE_TIME:
            return acts.check_args(action, args)  # what make() would check, and no more
        return acts.Action.make(action, args, Actor(actor, display), t).args  # says why
    except ActionError as exc:
        raise _Bad(f"{actor} action {exc}") from None


@lru_cache(maxsize=256)
def _actor(role: str, display: str) -> None:
    """The actor checked as Actor.from_json checks one (a file has a few displays)."""
    Actor.from_json({"role": role, "display": display})


def _check_snapshot(d: Mapping[str, Any]) -> None:
    values = d.get("values")
    if not isinstance(values, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values.values()
    ):
        raise _Bad("snapshot 'values' must be an object of numbers")
    flags = d.get("flags")
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise _Bad("snapshot 'flags' must be a list of text")


def _check_role(d: Mapping[str, Any]) -> None:
    if "role" in d and d["role"] not in acts.ROLES:
        raise _Bad(f"role must be one of {', '.join(acts.ROLES)}, not {d['role']!r}")
    if "display" in d and not isinstance(d["display"], str):
        raise _Bad(f"'display' must be text, not {d['display']!r}")


def _check_display(d: Mapping[str, Any]) -> None:
    name = _text(d, "display")
    if not name:
        raise _Bad("'display' must not be empty")
    status = _text(d, "status")
    if status not in DISPLAY_STATUSES:
        raise _Bad(f"display status must be one of {', '.join(DISPLAY_STATUSES)}, "
                   f"not {status!r}")
    if "wall" in d:
        _number(d, "wall", optional=True)


def _not_plain(name: str) -> float:
    raise ValueError(name)


_FLAT_DECODER = json.JSONDecoder(parse_constant=_not_plain)  # NaN, Infinity: not plain


def flat_record(text: str) -> dict[str, Any] | None:
    """The line as a dict when it is one flat JSON object (no nesting: notes, actions,
    alarms) whose numbers all pass the input rules, read by the C scanner alone; None
    for anything else, which parse_json reads and words the problem of. parse_json's
    walk over the tree cost more than the parse on a 200,000-note file."""
    try:
        record, end = _FLAT_DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if type(record) is not dict or (end != len(text) and not text[end:].isspace()):
        return None
    for v in record.values():
        kind = type(v)
        if kind is float:
            if not isfinite(v):  # a literal past the float range reads as inf
                return None
        elif kind is int:
            if not -MAX_INT <= v <= MAX_INT:
                return None
        elif kind is not str and kind is not bool and v is not None:
            return None  # nested: the full walk
    return record


def parse_line(text: str) -> tuple[str, float, str, dict[str, Any]]:
    record = flat_record(text)
    if record is None:
        try:
            record = parse_json(text)  # no NaN/Infinity, huge integers or deep nesting
        except ValueError as exc:
            raise _Bad(str(exc)) from None
    if not isinstance(record, dict):
        raise _Bad("not a JSON object")
    kind = intern(_text(record, "type"))  # one copy of each type, not one per line
    if kind not in RECORD_TYPES:
        raise _Bad(f"unknown type {kind!r} (known: {', '.join(RECORD_TYPES)})")
    t = _number(record, "case_time")
    wall = _text(record, "wall_time")
    try:
        datetime.fromisoformat(wall)
    except ValueError:
        raise _Bad(f"wall_time {wall!r} is not an ISO 8601 time") from None
    # Keys and short words (action names, displays) shared, not one copy per line: a
    # 200,000-line file held a million copies of "action" and "display".
    rest = {intern(k): intern(v) if type(v) is str and len(v) <= _SHARED_WORD else v
            for k, v in record.items() if k not in _COMMON_KEYS}
    return kind, t, wall, rest



def check_entry(kind: str, t: float, d: Mapping[str, Any], perturbations: dict[str, bool]
                 ) -> Perturbation | dict[str, Any] | None:
    """Check one line's own keys, and that stops name a perturbation started before; a
    perturbation line's Perturbation (kept: parsing 10,000 effects once is enough), an
    action's checked args (kept: checked once)."""
    if kind == "session_start":
        raise _Bad("a second session_start header: one file holds one session")
    if kind == "instructor":
        return _check_action(t, d, INSTRUCTOR_ACTIONS, kind)
    if kind == "trainee":
        return _check_action(t, d, TRAINEE_ACTIONS, kind)
    if kind == "alarm":
        alarm_change(t, d)
    elif kind == "snapshot":
        _check_snapshot(d)
    elif kind == "display":
        _check_display(d)
    elif kind == "perturbation":
        _check_role(d)
        p = _perturbation(d.get("perturbation"))
        if p.id in perturbations:
            raise _Bad(f"perturbation id {p.id!r} recorded twice")
        perturbations[p.id] = False
        return p
    elif kind == "perturbation_stopped":
        _check_role(d)
        pid = _text(d, "id")
        if pid not in perturbations:
            raise _Bad(f"stop of perturbation {pid!r}, which was not started before")
        if perturbations[pid]:
            raise _Bad(f"perturbation {pid!r} stopped twice")
        perturbations[pid] = True
    return None

