"""The session follows the instructor: a bedside takes the instructor's scenario by id,
refuses what it cannot follow (and takes the next good state), adopts a restarted
instructor's new session afresh; the instructor sees displays come, go and come back."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from importlib import resources

import pytest
from net_support import COURSE, T0, instructor, monitor, wait_for
from test_room import start_broker_process

from dashboard.core.events import DisplayChanged
from dashboard.core.session_controller import SessionController
from dashboard.net.broker import EmbeddedBroker, free_port
from replay_data.course import Course
from replay_data.scenario import load_scenario

ROOM = "sim3"
CLI = [sys.executable, "-m", "dashboard.app"]


@pytest.fixture
def broker():
    with EmbeddedBroker(port=0) as b:
        yield b


def following(url: str, name: str, tmp, course: Course = COURSE):
    """A bedside that can be made again on the instructor's scenario (what the app's
    monitor does): the old controller closed, a new follower on the same alarm log."""
    node = monitor(url, ROOM, name, tmp, course=course)

    def rebuild(c: Course) -> SessionController:
        node.controller.close()
        node.controller = SessionController(c, wall=time.time, display=name,
                                            authority=False,
                                            alarm_log=tmp / f"{name}-alarms.jsonl")
        return node.controller

    node.bridge.rebuild = rebuild
    return node


def test_a_bedside_started_without_a_scenario_follows_the_instructors_drill(broker, tmp_path):
    drill = Course(load_scenario("pump_stop_day2"))
    ins = instructor(broker.url, ROOM, tmp_path, course=drill,
                     start=drill.scenario.default_start)
    bed = following(broker.url, "bed-1", tmp_path)  # on the default case
    room = [ins, bed]
    try:
        wait_for(lambda: bed.bridge.synced, room, what="sync")
        assert not bed.bridge.refused
        assert bed.controller.course.scenario.id == "pump_stop_day2"
        assert bed.controller.scenario_hash == ins.controller.scenario_hash
        assert bed.controller.session_id == ins.controller.session_id
        assert abs(bed.controller.case_time() - ins.controller.case_time()) < 1.0
    finally:
        for n in room:
            n.close()


def test_a_scenario_file_the_bedside_lacks_is_refused_then_a_good_state_is_taken(
        broker, tmp_path):
    builtin = (resources.files("resources.scenarios") / "sle_dah_ecmo.toml").read_text(
        encoding="utf-8")
    custom = tmp_path / "our_drill.toml"  # the instructor's own file: not on the bedside
    custom.write_text(builtin.replace('id = "sle_dah_ecmo"', 'id = "our_own_case"', 1),
                      encoding="utf-8")
    ours = Course(load_scenario(str(custom)))
    (tmp_path / "one").mkdir()
    ins = instructor(broker.url, ROOM, tmp_path / "one", course=ours, start=T0)
    bed = following(broker.url, "bed-1", tmp_path)
    room = [ins, bed]
    try:
        wait_for(lambda: bool(bed.bridge.refused), room, what="refusal")
        assert "our_own_case" in bed.bridge.refused and "does not have" in \
            bed.bridge.refused and "\n" not in bed.bridge.refused
        log = bed.controller.alarm_log.path
        ins.close()
        room.remove(ins)
        # The instructor starts again on the built-in case: the bedside takes it.
        (tmp_path / "two").mkdir()
        ins = instructor(broker.url, ROOM, tmp_path / "two", start=T0)
        room.append(ins)
        wait_for(lambda: bed.bridge.synced and not bed.bridge.refused, room,
                 what="the good state taken")
        assert bed.controller.course.scenario.id == "sle_dah_ecmo"
        assert bed.controller.alarm_log.path == log and log.exists()
    finally:
        for n in room:
            n.close()


def test_a_restarted_instructor_is_a_new_session_without_stale_latched_alarms(
        broker, tmp_path):
    """The root cause of the stale Desat: a follower told sessions apart by seq alone.
    Two sessions that have applied no action yet both have seq 0, so the bedside took
    the restarted instructor's state as a clock update of the old session and kept its
    alarm engine, latched Desat and all."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    before_ecmo = COURSE.scenario.default_start  # SpO2 58: Desat, which latches
    ins = instructor(broker.url, ROOM, tmp_path / "one", start=before_ecmo)
    bed = monitor(broker.url, ROOM, "bed-1", tmp_path)
    room = [ins, bed]
    try:
        wait_for(lambda: bed.bridge.synced and any(
            a.alarm_id == "spo2.low" and a.message == "Desat"
            for a in bed.controller.alarms.active_alarms()), room, what="Desat at the bedside")
        assert ins.controller.seq == 0
        ins.close()
        room.remove(ins)
        ins = instructor(broker.url, ROOM, tmp_path / "two", start=T0)  # settled on ECMO
        room.append(ins)
        wait_for(lambda: abs(bed.controller.case_time() - ins.controller.case_time()) < 1.0,
                 room, what="the new session's clock")
        for _ in range(20):  # a few frames in the new session
            for n in room:
                n.step()
        assert ins.controller.seq == bed.controller.seq == 0
        ids = {a.alarm_id for a in bed.controller.alarms.active_alarms()}
        assert "spo2.low" not in ids
        assert ids == {a.alarm_id for a in ins.controller.alarms.active_alarms()}
        assert bed.controller.session_id == ins.controller.session_id
    finally:
        for n in room:
            n.close()


def presence_events(node) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    node.controller.subscribe(lambda ev: seen.append((ev.display, ev.status))
                              if isinstance(ev, DisplayChanged) else None)
    return seen


def test_a_display_killed_is_lost_by_its_last_will_and_back_when_it_returns(broker, tmp_path):
    ins = instructor(broker.url, ROOM, tmp_path, start=T0)
    seen = presence_events(ins)
    room = [ins]

    def bedside() -> subprocess.Popen:
        return subprocess.Popen(CLI + ["monitor", "--broker", broker.url, "--room", ROOM,
                                       "--display", "bed-1", "--headless", "--duration",
                                       "60", "--alarm-log", str(tmp_path / "bed-1.jsonl")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = bedside()
    try:
        wait_for(lambda: ("bed-1", "joined") in seen, room, what="joined", timeout=60)
        proc.kill()  # no farewell: only the broker's last will says it is gone
        proc.wait(10)
        wait_for(lambda: ("bed-1", "lost") in seen, room, what="lost by its will")
        assert ins.controller.displays["bed-1"].online is False
        proc = bedside()
        wait_for(lambda: seen[-1] == ("bed-1", "back"), room, what="back", timeout=60)
        assert seen == [("bed-1", "joined"), ("bed-1", "lost"), ("bed-1", "back")]
        assert ins.controller.displays["bed-1"].lost == 1
    finally:
        proc.kill()
        proc.wait(10)
        ins.close()


def test_broker_killed_and_restarted_the_instructor_sees_the_display_lost_then_back(tmp_path):
    port = free_port()
    proc = start_broker_process(port)
    url = f"mqtt://127.0.0.1:{port}"
    ins = instructor(url, ROOM, tmp_path, start=T0)
    seen = presence_events(ins)
    bed = monitor(url, ROOM, "bed-1", tmp_path)
    room = [ins, bed]
    try:
        wait_for(lambda: ("bed-1", "joined") in seen, room, what="joined")
        proc.kill()
        proc.wait(10)
        wait_for(lambda: ("bed-1", "lost") in seen, room, what="lost with the broker")
        proc = start_broker_process(port)
        wait_for(lambda: seen[-1:] == [("bed-1", "back")], room, what="back")
        assert seen == [("bed-1", "joined"), ("bed-1", "lost"), ("bed-1", "back")]
    finally:
        for n in room:
            n.close()
        proc.terminate()
        proc.wait(10)


def start_mosquitto(port: int, tmp) -> subprocess.Popen:
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise AssertionError("mosquitto did not start")


@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")
def test_mosquitto_restarted_sends_wills_as_it_stops_and_everyone_is_back_after(tmp_path):
    """Mosquitto sends its clients' wills when it shuts down: the bedside heard the
    instructor "offline" and, the instructor's re-sent presence being a duplicate of what
    it had seen, stayed "instructor link lost" after the broker was back."""
    port = free_port()
    proc = start_mosquitto(port, tmp_path)
    url = f"mqtt://127.0.0.1:{port}"
    ins = instructor(url, ROOM, tmp_path, start=T0)
    seen = presence_events(ins)
    bed = monitor(url, ROOM, "bed-1", tmp_path)
    room = [ins, bed]
    try:
        wait_for(lambda: bed.bridge.status == "" and ("bed-1", "joined") in seen, room,
                 what="in step")
        proc.terminate()
        proc.wait(10)
        wait_for(lambda: "link lost" in bed.bridge.status and ("bed-1", "lost") in seen,
                 room, what="lost")
        proc = start_mosquitto(port, tmp_path)
        wait_for(lambda: bed.bridge.status == "" and seen[-1] == ("bed-1", "back"), room,
                 what="back on both sides")
    finally:
        for n in room:
            n.close()
        proc.terminate()
        proc.wait(10)
