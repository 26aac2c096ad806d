"""Instructor and bedside monitor over MQTT: ``icu-dashboard instructor --broker URL
--room ROOM`` and ``icu-dashboard monitor --broker URL --room ROOM [--display NAME]``.

Network mode runs on the wall clock (``time.time``, so anchors compare across machines;
``--duration`` is wall seconds when headless). Each frame -- the Qt frame timer, or the
headless loop every 20 ms -- first pumps the bridge (messages from the network applied
on this thread), then ticks the controller. A monitor does not tick before it has the
instructor's state, so its alarm log never holds a moment it was not in step.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from dashboard.net.bridge import (
    InstructorBridge,
    MonitorBridge,
    instructor_subscriptions,
    monitor_subscriptions,
)
from dashboard.net.link import BrokerUrl, LinkError, MqttLink, tls_problem
from dashboard.net.pairing import account_for
from dashboard.net.protocol import check_name

if TYPE_CHECKING:
    from dashboard.core.session_controller import Recording

FRAME_S = 0.02
CONNECT_WAIT_S = 10.0
TLS_PROBE_AFTER_S = 1.5
OPEN_BROKER_WARNING = ("WARNING: the broker let this machine in without an account: anyone "
                       "on its network can join the room and forge its session (run "
                       "`icu-dashboard broker` without --allow-anonymous and pair)")


class NetworkOptionError(ValueError):
    """A bad --broker/--room/--display/--credentials; one line."""


def add_network_options(p: argparse.ArgumentParser, role: str) -> None:
    g = p.add_argument_group("network (instructor and monitors on separate machines)")
    g.add_argument("--broker", default=None, metavar="URL",
                   help="MQTT broker, mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")
    g.add_argument("--room", default=None, help="room name: one session per room")
    if role == "monitor":
        g.add_argument("--display", default=None, metavar="NAME",
                       help="this display's name (default: the host name)")
    g.add_argument("--credentials", default=None, metavar="FILE",
                   help="broker account (user, password): a file written by "
                        "`icu-dashboard room-access`")
    g.add_argument("--pair", default=None, metavar="CODE",
                   help="pair this machine with the broker once, with the code it prints "
                        "at its start (the account is kept in the user data folder)")


def network_settings(opts: object, role: str) -> dict | None:
    """Checked network options from LaunchOptions.extra; None when not networked."""
    extra = getattr(opts, "extra", {}) or {}
    if not extra.get("broker"):
        if extra.get("room") or extra.get("display") or extra.get("credentials") or \
                extra.get("pair"):
            raise NetworkOptionError("--room, --display, --credentials and --pair need "
                                     "--broker URL")
        return None
    if not extra.get("room"):
        raise NetworkOptionError("--broker needs --room ROOM")
    try:
        url = BrokerUrl.parse(extra["broker"])
        room = check_name("room", extra.get("room") or "")
        if extra.get("display"):
            check_name("display", extra["display"])
        # --credentials / --pair / this machine's paired account (dashboard.net.pairing)
        creds, display = account_for(extra, role, url, room, _host_name())
        display = display or _host_name()
    except (LinkError, ValueError) as exc:
        raise NetworkOptionError(str(exc)) from None
    return {"url": url, "room": room, "display": display, "credentials": creds}


def _host_name() -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in socket.gethostname())
    return (name.strip("-.") or "monitor")[:64]


def _say(message: str) -> None:
    print(f"icu-dashboard: {message}", file=sys.stderr, flush=True)


def _wait_connected(link: MqttLink) -> None:
    start = time.monotonic()
    probed = not link.url.tls
    while time.monotonic() < start + CONNECT_WAIT_S and not link.connected and \
            not link.refused:
        if not probed and time.monotonic() > start + TLS_PROBE_AFTER_S:
            probed = True  # paho retries a failed handshake silently: ask once why
            problem = tls_problem(link.url, link.ca_file)
            if problem and not link.connected:
                raise NetworkOptionError(f"broker {link.url}: TLS failed: {problem}")
        time.sleep(0.02)
    if link.refused:
        raise NetworkOptionError(f"broker {link.url} refused the connection: {link.refused}")
    if link.connected and link.user is None:
        _say(OPEN_BROKER_WARNING)
    if not link.connected:
        _say(f"broker {link.url} not reachable yet; retrying in the background")


def _run_for(seconds: float, frame: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not frame():
            return
        time.sleep(FRAME_S)


def run_instructor_headless(opts, prep, net: dict, recording: Recording,
                            alarm_log: str) -> int:
    """The instructor without a window for --duration wall seconds, recording the session
    to `recording` (built by the caller: the network layer writes no session file)."""
    from dashboard.core.actions import INJECT, SCRIPT, Action, Actor
    from dashboard.core.session_controller import SessionController

    c = SessionController(prep.course, start=prep.start, speed=opts.speed or 1.0,
                          wall=time.time, alarm_log=alarm_log, recording=recording,
                          display="console")
    link = MqttLink(net["url"], credentials=net["credentials"],
                    subscriptions=instructor_subscriptions(net["room"]))
    bridge = InstructorBridge(c, link, net["room"])
    try:
        _say(f"recording the session to {c.recorder.path}")
        c.apply_many([Action.make(INJECT, {"injection": name, "start": when},
                                  Actor(SCRIPT, "script")) for name, when in prep.planned],
                     strict=True)
        bridge.start()
        _wait_connected(link)
        seen: dict[str, bool] = {}

        def frame() -> bool:
            bridge.pump()
            c.tick()
            for name, d in bridge.displays.items():
                if seen.get(name) != d.online:
                    seen[name] = d.online
                    _say(f"display {name} {'connected' if d.online else 'gone'}")
            return True

        _run_for(opts.duration, frame)
        for line in bridge.presence_lines():
            _say(line)
    finally:
        bridge.stop()
        c.close()
    return 0


def run_monitor_headless(opts, prep, net: dict, alarm_log: str) -> int:
    """A bedside monitor without a window for --duration wall seconds. It follows the
    instructor's scenario (made again on it, the alarm log going on); a state it cannot
    follow is said on stderr and it waits for the next; its alarm log is kept. Exit 2
    (one line) if it ended refused."""
    from dashboard.core.session_controller import SessionController

    def make(course, start: float | None = None) -> SessionController:
        return SessionController(course, start=start, wall=time.time, alarm_log=alarm_log,
                                 display=net["display"], authority=False)

    c = make(prep.course, prep.start)

    def rebuild(course) -> SessionController:
        bridge.controller.close()
        return make(course)

    link = MqttLink(net["url"], credentials=net["credentials"],
                    subscriptions=monitor_subscriptions(net["room"]))
    bridge = MonitorBridge(c, link, net["room"], net["display"],
                           on_refused=_say, rebuild=rebuild)
    status: list[str | None] = [None]  # the first status is always said (a late joiner in
    # step from its first frame says so too)
    try:
        bridge.start()
        _wait_connected(link)

        def frame() -> bool:
            bridge.pump()
            if bridge.synced and not bridge.refused:  # never tick a clock not in step
                bridge.controller.tick()
            if bridge.status != status[0] and not bridge.refused:
                status[0] = bridge.status
                _say(status[0] or "in step with the instructor")
            return True

        _run_for(opts.duration, frame)
    finally:
        bridge.stop()
        bridge.controller.close()
    return monitor_exit(bridge)


def monitor_exit(bridge: MonitorBridge) -> int:
    """A monitor's exit code at the end of its --duration: 2, with one line that says why,
    if it ended on a state it could not follow; 0 otherwise. Its alarm log is kept either
    way (a bad state from the network never costs the bedside its record)."""
    if not bridge.refused:
        return 0
    log = bridge.controller.alarm_log
    kept = f"; alarm log kept at {log.path}" if log is not None else ""
    _say(f"monitor ended not in step with the instructor "
         f"({bridge.refused.removeprefix('REFUSED: ')}){kept}")
    return 2
