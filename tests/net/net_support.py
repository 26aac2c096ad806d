"""Helpers for the network tests: a room of real controllers and bridges on a real broker,
driven from the test thread (pump + tick), waiting for conditions with deadlines."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from case_support import case_course

from dashboard.core.session_controller import SessionController
from dashboard.net.bridge import (
    InstructorBridge,
    MonitorBridge,
    instructor_subscriptions,
    monitor_subscriptions,
)
from dashboard.net.link import BrokerUrl, Credentials, MqttLink
from dashboard.recording import recording_for
from replay_data.course import Course

COURSE = case_course()
T0 = int(COURSE.scenario.event_times["ecmo_start"]) + 2 * 3600  # settled on ECMO
DEADLINE_S = 20.0   # generous: 2 shared cores, a broker and several clients


def wait_for(cond: Callable[[], bool], parts: list, timeout: float = DEADLINE_S,
             what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for p in parts:
            p.step()
        if cond():
            return
        time.sleep(0.01)   # let the network threads run; the condition decides
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Node:
    controller: SessionController
    bridge: InstructorBridge | MonitorBridge
    link: MqttLink
    closed: bool = field(default=False)

    def step(self) -> None:
        if not self.closed:
            self.bridge.pump()
            self.controller.tick()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.bridge.stop()
            self.controller.close()


def instructor(url: str, room: str, tmp: Path, *, credentials: Credentials | None = None,
               course: Course = COURSE, start: float = T0) -> Node:
    c = SessionController(course, start=start, wall=time.time, display="console",
                          alarm_log=tmp / "console-alarms.jsonl",
                          recording=recording_for(tmp / "session.jsonl"))
    link = MqttLink(BrokerUrl.parse(url), credentials=credentials,
                    subscriptions=instructor_subscriptions(room))
    b = InstructorBridge(c, link, room)
    b.start()
    return Node(c, b, link)


def monitor(url: str, room: str, name: str, tmp: Path, *,
            credentials: Credentials | None = None, course: Course = COURSE) -> Node:
    c = SessionController(course, start=course.scenario.default_start, wall=time.time,
                          display=name, authority=False,
                          alarm_log=tmp / f"{name}-alarms.jsonl")
    link = MqttLink(BrokerUrl.parse(url), credentials=credentials,
                    subscriptions=monitor_subscriptions(room))
    b = MonitorBridge(c, link, room, name)
    b.start()
    return Node(c, b, link)
