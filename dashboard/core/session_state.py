"""SessionState: everything another display needs to show the same session, as plain data.

Values are a pure function of (scenario, disturbances, seed, case time), so a display
needs no samples: the scenario (checked by content hash), the seed, the disturbances,
where the clock stands (an anchor: case time at a wall instant, speed, paused) and the
alarm operator actions that shaped the alarm engine. The instructor publishes it; a
display that joins late adopts it (SessionController.adopt_state).

Alarm engine state is history: after a seek it is rebuilt from a short window before the
target (BedsideMonitor.seek). `history_from` is the case time of the last seek (or the
session start), and `operator_actions` every alarm operator action applied so far in
order, each with its case time and `seq`; actions after `history_seq` are those since
that seek. A late joiner seeks to history_from, then runs forward to now applying them at
their case times, and so arrives at the same alarm state as the instructor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .actions import Action, ActionError


class StateError(ValueError):
    """A malformed session state; str() is one line."""


@dataclass(frozen=True)
class ClockAnchor:
    case_t: float  # case time at `wall`
    speed: float
    paused: bool
    wall: float  # the instructor's wall time at the anchor (the clock's wall function)

    def case_time_at(self, wall: float) -> float:
        """Where the instructor's clock stands at `wall` (unclamped)."""
        return self.case_t if self.paused else self.case_t + (wall - self.wall) * self.speed

    def to_json(self) -> dict[str, Any]:
        return {"case_t": self.case_t, "speed": self.speed, "paused": self.paused,
                "wall": self.wall}

    @classmethod
    def from_json(cls, d: object) -> ClockAnchor:
        if not isinstance(d, Mapping):
            raise StateError("anchor must be an object")
        paused = d.get("paused")
        if not isinstance(paused, bool):
            raise StateError("anchor paused must be true or false")
        speed = _number(d, "speed")
        if not 0 < speed <= 3600:
            raise StateError(f"anchor speed {speed:g} must be in (0, 3600]")
        return cls(_number(d, "case_t"), speed, paused, _number(d, "wall"))


@dataclass(frozen=True)
class SessionState:
    scenario_id: str
    scenario_hash: str  # SessionController.scenario_hash of the instructor's scenario
    seed: int
    disturbances: tuple[dict, ...]  # perturbations as in the session log ("perturbation")
    anchor: ClockAnchor
    seq: int  # number of actions applied so far (monotonic)
    operator_actions: tuple[dict, ...]  # Action JSON (case_t set) plus "seq"
    freeze_screen: bool = False
    history_from: float = 0.0  # case time of the last seek (alarm history starts there)
    history_seq: int = 0  # seq of that seek: operator actions after it are since then
    # Consoles the instructor has locked ("ecmo", "vent"): a late joiner's consoles show
    # locked and refuse the team's settings. Absent in states of older versions.
    locked: tuple[str, ...] = ()
    # Which session this is: a random id each time the instructor opens one (a restart, a
    # scenario chosen in the pre-brief). A follower whose session differs becomes this
    # one afresh -- seq alone cannot tell (two pre-briefs both have seq 0). "" in states
    # of older versions.
    session: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"scenario_id": self.scenario_id, "scenario_hash": self.scenario_hash,
                "seed": self.seed, "disturbances": list(self.disturbances),
                "anchor": self.anchor.to_json(), "seq": self.seq,
                "operator_actions": list(self.operator_actions),
                "freeze_screen": self.freeze_screen, "history_from": self.history_from,
                "history_seq": self.history_seq, "locked": list(self.locked),
                "session": self.session}

    @classmethod
    def from_json(cls, d: object) -> SessionState:
        """Checked: raises StateError (one line) on anything malformed. Disturbances are
        checked when adopted (they need the scenario)."""
        if not isinstance(d, Mapping):
            raise StateError("session state must be a JSON object")
        for key in ("scenario_id", "scenario_hash"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise StateError(f"session state {key} must be text")
        seed, seq, hseq = d.get("seed"), d.get("seq"), d.get("history_seq", 0)
        for name, v in (("seed", seed), ("seq", seq), ("history_seq", hseq)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise StateError(f"session state {name} must be a non-negative integer")
        dist = d.get("disturbances")
        if not isinstance(dist, list) or not all(isinstance(x, dict) for x in dist):
            raise StateError("session state disturbances must be a list of objects")
        ops = d.get("operator_actions")
        if not isinstance(ops, list):
            raise StateError("session state operator_actions must be a list")
        checked = []
        for i, op in enumerate(ops):
            if not isinstance(op, dict) or not isinstance(op.get("seq"), int):
                raise StateError(f"operator action {i}: must be an action with a seq")
            try:
                a = Action.from_json({k: v for k, v in op.items() if k != "seq"})
            except ActionError as exc:
                raise StateError(f"operator action {i}: {exc}") from None
            if a.case_t is None:
                raise StateError(f"operator action {i}: needs case_t")
            checked.append(op)
        freeze = d.get("freeze_screen", False)
        if not isinstance(freeze, bool):
            raise StateError("session state freeze_screen must be true or false")
        locked = d.get("locked", [])
        if not isinstance(locked, list) or not all(isinstance(c, str) for c in locked):
            raise StateError("session state locked must be a list of console names")
        session = d.get("session", "")
        if not isinstance(session, str) or len(session) > 64:
            raise StateError("session state session must be a short text id")
        return cls(d["scenario_id"], d["scenario_hash"], seed, tuple(dist),
                   ClockAnchor.from_json(d.get("anchor")), seq, tuple(checked), freeze,
                   _number(d, "history_from"), hseq, tuple(sorted(set(locked))), session)


def _number(d: Mapping[str, Any], key: str) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise StateError(f"{key} must be a number")
    try:
        x = float(v)
    except OverflowError:
        raise StateError(f"{key} is too large") from None
    if not math.isfinite(x) or abs(x) > 1e12:
        raise StateError(f"{key} must be a finite number")
    return x
