"""A networked follower catching up on a burst of broadcast actions (issue 19).

    .venv/bin/python benchmarks/bench_follower_burst.py [--runs 5] [--actions 1000]

An instructor controller with its real InstructorBridge applies `--actions` actions in a
row (300 injections, 100 overrides, 400 notes, 200 pause/play per 1,000: what a script or
a busy instructor sends in a moment; far more disturbances would not fit the state
message's size limit); every envelope it publishes is captured. A bedside (a follower
SessionController with its real MonitorBridge, synced on the instructor's state first;
by default the real bedside window with both team consoles, offscreen, whose views hear
every event; `--headless`: the controller alone) is then handed the whole burst as its
link would deliver it (at most 1,000 messages per drain, as MqttLink.drain) and timed
from the first pump to the moment its seq equals the instructor's, including its
controller's tick. The network itself is not
in the figure (a loopback link in this process; bench_network.py measures the wire).
Medians over `--runs` runs, each on new controllers. Goal: under 1 s for 1,000 actions.
The follower's disturbances are checked to be the instructor's, in the same order.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.core.actions import INJECT, NOTE, OVERRIDE, PAUSE, PLAY, Action, Actor
from dashboard.core.session_controller import SessionController
from dashboard.net.bridge import InstructorBridge, MonitorBridge
from dashboard.net.link import Incoming
from replay_data.course import Course

GOAL_S = 1.0


class LoopLink:
    """The part of MqttLink a bridge uses, in memory: what is published is kept."""

    connected = True

    def __init__(self) -> None:
        self.sent: list[Incoming] = []
        self.inbox: list[Incoming] = []

    def set_will(self, topic: str, payload: bytes) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self, farewell: object = None, timeout: float = 2.0) -> None:
        pass

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.sent.append(Incoming(topic, payload, retain))

    def drain(self, limit: int = 1000) -> list[Incoming]:
        out, self.inbox = self.inbox[:limit], self.inbox[limit:]
        return out


class Wall:
    """One hand-driven wall clock for both ends (no time passes during the burst)."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def burst(course: Course, t0: float, n: int) -> list[Action]:
    console = Actor("instructor", "console")
    injections = sorted(course.scenario.injections)
    actions: list[Action] = []
    for i in range(n):
        k = i % 10
        t = t0 + 5.0 * i
        if k < 3:
            actions.append(Action.make(INJECT, {"injection": injections[i % len(injections)],
                                                "start": t, "duration": 600.0}, console))
        elif k == 3:
            actions.append(Action.make(OVERRIDE, {"channel": "hr", "target": 90.0 + k,
                                                  "start": t, "duration": 120.0}, console))
        elif k < 8:
            actions.append(Action.make(NOTE, {"text": f"burst note {i}"}, console))
        else:
            actions.append(Action.make(PAUSE if k == 8 else PLAY, {}, console))
    return actions


def bedside_window(course: Course, wall: Wall) -> tuple[SessionController, object]:
    """The real bedside (monitor role, both team consoles), offscreen: its views hear
    every event the follower's controller publishes."""
    from dashboard.session import MonitorSession

    session = MonitorSession.create(course, role="monitor", mute=True, display="bed-1",
                                    network_wall=wall, authority=False,
                                    consoles=("ecmo", "vent"))
    session.window.resize(1600, 1000)
    session.window.show()
    return session.controller, session


def one_run(course: Course, n: int, window: bool) -> tuple[float, int, int]:
    t0 = course.scenario.event_times["ecmo_start"] + 2 * 3600
    wall = Wall(1.8e9)
    inst = SessionController(course, start=t0, wall=wall, display="console")
    ilink = LoopLink()
    ibridge = InstructorBridge(inst, ilink, "bench")
    ibridge.start()
    session = None
    if window:
        mon, session = bedside_window(course, wall)
    else:
        mon = SessionController(course, start=course.scenario.default_start, wall=wall,
                                display="bed-1", authority=False)
    mlink = LoopLink()
    mbridge = MonitorBridge(mon, mlink, "bench", "bed-1")
    mbridge.start()
    # Synced first: the retained state and presence, as a joining bedside gets them.
    mlink.inbox, ilink.sent = list(ilink.sent), []
    mbridge.pump()
    mon.tick()
    assert mbridge.synced and mon.seq == inst.seq, "the bedside did not sync"
    for a in burst(course, t0, n):
        inst.apply(a)
        inst.tick()
    actions = [m for m in ilink.sent if m.topic.endswith("/action")]
    mlink.inbox = actions
    start = time.perf_counter()
    while mon.seq < inst.seq and mlink.inbox:
        mbridge.pump()
        mon.tick()
    took = time.perf_counter() - start
    if [p.id for p in mon.perturbations] != [p.id for p in inst.perturbations]:
        raise SystemExit("the bedside's disturbances differ from the instructor's")
    if session is not None:
        session.close()
        session.window.close()
    else:
        mon.close()
    inst.close()
    return took, len(actions), mon.seq


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--actions", type=int, default=1000)
    ap.add_argument("--headless", action="store_true",
                    help="the follower's controller alone, without the bedside window")
    args = ap.parse_args()
    if not args.headless:
        from PySide6 import QtWidgets

        app = QtWidgets.QApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    course = Course.load()
    times = []
    for _ in range(args.runs):
        took, sent, seq = one_run(course, args.actions, not args.headless)
        times.append(took)
    med = statistics.median(times)
    verdict = "ok" if med < GOAL_S else "OVER GOAL"
    what = "controller alone" if args.headless else "bedside window + both consoles"
    print(f"{what}: follower catching up on {sent} broadcast actions (to seq {seq}): median "
          f"{med:.3f} s, max {max(times):.3f} s over {args.runs} runs  "
          f"[goal < {GOAL_S:.0f} s: {verdict}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
