"""A session as big as the controller allows still reaches every bedside: the wire bounds
are the controller's own limits (dashboard.core.session_limits). Before, a state with
about 700 disturbances exceeded the 256 KiB payload limit and the instructor's publish
raised ProtocolError; and a follower dropped any state past 500 disturbances."""

from __future__ import annotations

import pytest
from case_support import case_course
from test_burst import CONSOLE, T0, WALL, MemoryLink

from dashboard.core.actions import INJECT, Action, ActionError
from dashboard.core.session_controller import SessionController
from dashboard.core.session_limits import MAX_DISTURBANCES
from dashboard.net.bridge import InstructorBridge, MonitorBridge

COURSE = case_course()


def injections(n: int) -> list[Action]:
    return [Action.make(INJECT, {"injection": "pump_stop", "start": T0 + 10.0 * i,
                                 "duration": 60.0}, CONSOLE) for i in range(n)]


def test_a_state_of_a_thousand_disturbances_reaches_the_bedside():
    inst = SessionController(COURSE, start=T0, wall=lambda: WALL, display="console")
    link = MemoryLink()
    InstructorBridge(inst, link, "room1").start()
    inst.apply_many(injections(1000))
    state = [m for m in link.sent if m.topic.endswith("/state")][-1]
    assert len(state.payload) > 256 * 1024   # the old limit
    mon = SessionController(COURSE, start=COURSE.scenario.default_start, wall=lambda: WALL,
                            display="bed-1", authority=False)
    mlink = MemoryLink()
    bridge = MonitorBridge(mon, mlink, "room1", "bed-1")
    bridge.start()
    mlink.inbox = [state]
    bridge.pump()
    assert bridge.synced and not bridge.refused
    assert [p.id for p in mon.perturbations] == [p.id for p in inst.perturbations]
    assert bridge.guard.drops.total == 0


def test_the_controller_refuses_a_disturbance_past_the_session_limit():
    c = SessionController(COURSE, start=T0, wall=lambda: WALL, display="console")
    c.apply_many(injections(MAX_DISTURBANCES))
    assert len(c.perturbations) == MAX_DISTURBANCES
    assert c.apply(injections(1)[0]) is None        # refused, said on the console
    with pytest.raises(ActionError, match="the most one session may"):
        c.apply(injections(1)[0], strict=True)
    assert len(c.perturbations) == MAX_DISTURBANCES
