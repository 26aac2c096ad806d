"""What each message's body may hold, checked field by field before anything reads it.

The envelope (:mod:`dashboard.net.protocol`) already bounds every value (depth, integer
range, finite numbers, text length); here each message type's fields are checked for
their type and range, the way :mod:`dashboard.core.actions` checks an action's
arguments. A body that fails raises :class:`BodyError` (one line): the receiver drops the
message and counts it as malformed, and nothing is applied. What the fields mean is for
the core to check (:meth:`SessionState.from_json`, :meth:`Action.from_json`); this module
keeps what no scenario can tell: how big, how many, which type.

==========  =================================================================
type        body
==========  =================================================================
state       ``scenario_id`` text (1-200), ``scenario_hash`` hex (8-128), ``seed``
            0..2**63-1, ``seq`` / ``history_seq`` 0..2**53, at most
            :data:`MAX_DISTURBANCES` disturbances and :data:`MAX_OPERATOR_ACTIONS`
            operator actions (objects), ``session`` text up to 64, ``locked`` up to
            8 console names; the rest in SessionState.from_json
action      ``action`` an object, ``seq`` 1..2**53, ``session`` text up to 64
request     ``action`` an object (a trainee action: Action.from_json and the
            instructor's role check)
instructor  ``online`` true/false, ``drops`` counts
display     ``online`` true/false, ``drops`` counts, ``last_drop`` text up to 160,
            ``case_t`` null or a number within +-1e9 s (a case time)
==========  =================================================================

``drops`` counts: an object of at most 8 entries, each a short name and a count
0..2**53.
"""

from __future__ import annotations

import re
from typing import Any

from dashboard.core.actions import MAX_CASE_TIME
from dashboard.core.session_limits import MAX_DISTURBANCES, MAX_OPERATOR_ACTIONS
from dashboard.net.protocol import (
    ACTION,
    DISPLAY,
    INSTRUCTOR,
    MAX_INT,
    REQUEST,
    STATE,
    ProtocolError,
)

# Bounds of a state: the controller's own session limits (a state the instructor can make
# is always one a follower takes; a hostile one is bounded all the same).
MAX_DROP_KINDS = 8
MAX_LAST_DROP = 160
MAX_SESSION_ID = 64
_HEX = re.compile(r"^[0-9a-f]{8,128}$")


class BodyError(ProtocolError):
    """A body whose fields are not what its message type allows; one line."""


def check_body(kind: str, body: dict[str, Any]) -> None:
    """Raises BodyError (one line) when `body` is not a valid body of type `kind`."""
    _CHECKS[kind](body)


def _state(b: dict[str, Any]) -> None:
    sid = b.get("scenario_id")
    if not isinstance(sid, str) or not 1 <= len(sid) <= 200 or not sid.isprintable():
        raise BodyError("state scenario_id must be 1-200 printable characters")
    if not isinstance(b.get("scenario_hash"), str) or not _HEX.match(b["scenario_hash"]):
        raise BodyError("state scenario_hash must be a hex digest")
    _int(b, "seed", 0, 2**63 - 1, "state")
    _int(b, "seq", 0, MAX_INT, "state")
    if "history_seq" in b:
        _int(b, "history_seq", 0, MAX_INT, "state")
    for key, most in (("disturbances", MAX_DISTURBANCES),
                      ("operator_actions", MAX_OPERATOR_ACTIONS)):
        items = b.get(key)
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise BodyError(f"state {key} must be a list of objects")
        if len(items) > most:
            raise BodyError(f"state has {len(items)} {key} (at most {most})")
    _text(b, "session", MAX_SESSION_ID, "state", optional=True, empty=True)
    locked = b.get("locked", [])
    if not isinstance(locked, list) or len(locked) > 8 or not all(
            isinstance(c, str) and len(c) <= 16 for c in locked):
        raise BodyError("state locked must be a short list of console names")


def _action(b: dict[str, Any]) -> None:
    if not isinstance(b.get("action"), dict):
        raise BodyError("action must carry an action object")
    _int(b, "seq", 1, MAX_INT, "action")
    _text(b, "session", MAX_SESSION_ID, "action", optional=True, empty=True)


def _request(b: dict[str, Any]) -> None:
    if not isinstance(b.get("action"), dict):
        raise BodyError("request must carry an action object")


def _instructor(b: dict[str, Any]) -> None:
    _online(b, "instructor")
    _drops(b, "instructor")


def _display(b: dict[str, Any]) -> None:
    _online(b, "display")
    _drops(b, "display")
    _text(b, "last_drop", MAX_LAST_DROP, "display", optional=True, empty=True)
    t = b.get("case_t")
    if t is not None and (isinstance(t, bool) or not isinstance(t, int | float)
                          or not -MAX_CASE_TIME <= t <= MAX_CASE_TIME):
        raise BodyError(f"display case_t must be null or a case time within "
                        f"+-{MAX_CASE_TIME:g} s")


def _online(b: dict[str, Any], what: str) -> None:
    if not isinstance(b.get("online"), bool):
        raise BodyError(f"{what} online must be true or false")


def _drops(b: dict[str, Any], what: str) -> None:
    drops = b.get("drops", {})
    if not isinstance(drops, dict) or len(drops) > MAX_DROP_KINDS or not all(
            len(k) <= 32 and type(v) is int and 0 <= v <= MAX_INT for k, v in drops.items()):
        raise BodyError(f"{what} drops must be at most {MAX_DROP_KINDS} counts")


def _int(b: dict[str, Any], key: str, low: int, high: int, what: str) -> None:
    v = b.get(key)
    if type(v) is not int or not low <= v <= high:
        raise BodyError(f"{what} {key} must be an integer in {low}..{high}")


def _text(b: dict[str, Any], key: str, most: int, what: str, *, optional: bool = False,
          empty: bool = False) -> None:
    if key not in b and optional:
        return
    v = b.get(key)
    if not isinstance(v, str) or len(v) > most or (not v and not empty):
        raise BodyError(f"{what} {key} must be text of at most {most} characters")


_CHECKS = {STATE: _state, ACTION: _action, REQUEST: _request, INSTRUCTOR: _instructor,
           DISPLAY: _display}
