"""A monitor (the real command) that receives a state it cannot follow -- another
scenario hash, e.g. forged on an open broker -- never dies and never deletes its alarm
log: it says so in one line on stderr, waits, and follows the next good state."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from net_support import COURSE, instructor, wait_for

from dashboard.core.session_controller import SessionController
from dashboard.net.broker import EmbeddedBroker
from dashboard.net.link import BrokerUrl, MqttLink
from dashboard.net.protocol import Envelope, RoomTopics

ROOM = "sim6"
T = RoomTopics(ROOM)
CLI = [sys.executable, "-m", "dashboard.app"]


@pytest.fixture
def broker():
    with EmbeddedBroker(port=0) as b:
        yield b


def publish_other_scenario(url: str) -> None:
    """A retained state of the built-in case with another content hash (and a presence
    that says the instructor is online), as an older version or a forger would send."""
    state = SessionController(COURSE, wall=time.time).state().to_json()
    state["scenario_hash"] = "ab" * 32
    link = MqttLink(BrokerUrl.parse(url), subscriptions=[])
    link.start()
    try:
        assert link.wait_connected(10)
        now = time.time()
        link.publish(T.state, Envelope("state", ROOM, "console", "f0rged", 1, now,
                                       state).encode(), retain=True)
        link.publish(T.instructor, Envelope("instructor", ROOM, "console", "f0rged", 1, now,
                                            {"online": True}).encode(), retain=True)
    finally:
        link.stop()


def bedside(url: str, log, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(CLI + ["monitor", "--broker", url, "--room", ROOM, "--display",
                                   "bed-1", "--headless", "--duration", str(seconds),
                                   "--alarm-log", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_monitor_that_never_gets_a_state_it_can_follow_keeps_its_log_and_says_why(
        broker, tmp_path):
    """It exited 2 and deleted its alarm log, saying nothing about why it ended."""
    publish_other_scenario(broker.url)
    log = tmp_path / "bed-1.jsonl"
    mon = bedside(broker.url, log, 5)
    err = mon.communicate(timeout=120)[1]
    assert mon.returncode == 2, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert any(line.startswith("icu-dashboard: REFUSED: ") and "another version" in line
               for line in lines), err
    assert lines[-1].startswith("icu-dashboard: monitor ended not in step") and \
        str(log) in lines[-1], err
    assert log.exists()


def test_a_refusing_monitor_waits_and_follows_the_next_good_state(broker, tmp_path):
    publish_other_scenario(broker.url)
    log = tmp_path / "bed-1.jsonl"
    mon = bedside(broker.url, log, 40)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(mon.stderr.readline, "")),
                              daemon=True)
    reader.start()
    ins = None
    try:
        wait_for(lambda: any("REFUSED" in line for line in lines), [], timeout=60,
                 what="the refusal")
        assert mon.poll() is None          # refused, still running
        ins = instructor(broker.url, ROOM, tmp_path)   # the good state
        wait_for(lambda: any("in step with the instructor" in line for line in lines),
                 [ins], timeout=60, what="following the good state")
        # Its presence reports the instructor's case time: it runs on the good state.
        wait_for(lambda: "bed-1" in ins.bridge.displays and abs(
            (ins.bridge.displays["bed-1"].case_t or 0) - ins.controller.case_time()) < 15,
            [ins], timeout=40, what="the bedside at the instructor's case time")
    finally:
        if ins is not None:
            ins.close()
        mon.terminate()
        mon.wait(30)
        reader.join(10)
    assert log.exists()
    assert not any("Traceback" in line for line in lines)
