"""Only the instructor changes a session: broker accounts and topic rights (embedded broker
and Mosquitto), and what the instructor refuses from a display."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import time

import pytest
from net_support import instructor, monitor, wait_for

from dashboard.core.actions import SEEK, Action, Actor
from dashboard.net.access import write_room_access
from dashboard.net.bridge import _Sender
from dashboard.net.broker import BrokerSettings, EmbeddedBroker, free_port
from dashboard.net.link import BrokerUrl, Credentials, MqttLink
from dashboard.net.protocol import ACTION, REQUEST, RoomTopics

ROOM = "sim1"
T = RoomTopics(ROOM)


def forge_and_check(url: str, access, tmp_path) -> None:
    ins = instructor(url, ROOM, tmp_path,
                     credentials=Credentials.load(access / "instructor-sim1.toml"))
    bed = monitor(url, ROOM, "bed-1", tmp_path,
                  credentials=Credentials.load(access / "display-sim1-bed-1.toml"))
    room = [ins, bed]
    try:
        wait_for(lambda: bed.bridge.synced and "bed-1" in ins.bridge.displays, room,
                 what="sync")
        seq, t = bed.controller.seq, bed.controller.case_time()
        # A display account publishing an instructor action (a jump) and a well-formed
        # request for an instructor-only action.
        rogue = MqttLink(BrokerUrl.parse(url),
                         credentials=Credentials.load(access / "display-sim1-bed-1.toml"))
        rogue.start()
        assert rogue.wait_connected(10)
        s = _Sender(ROOM, "console", time.time)
        jump = Action.make(SEEK, {"target": t + 86400}, Actor("instructor", "console"))
        rogue.publish(T.action, s.envelope(ACTION, {"action": jump.to_json(),
                                                    "seq": seq + 1}))
        # The broker delivers bed-1's own request topic: the instructor drops an
        # instructor-only action asked for there as forged. The forged action, sent first
        # on the same link, has had the time to arrive by then.
        rogue.publish(T.request_from("bed-1"), _Sender(ROOM, "bed-1", time.time).envelope(
            REQUEST, {"action": jump.to_json()}))
        wait_for(lambda: ins.bridge.guard.drops.counts["forged"] == 1, room,
                 what="forged request counted")
        rogue.stop()
        # The broker never delivered the forged action; nothing changed anywhere.
        assert bed.controller.seq == seq == ins.controller.seq
        assert abs(bed.controller.case_time() - ins.controller.case_time()) < 1.0
        # Without an account nobody gets in.
        anon = MqttLink(BrokerUrl.parse(url))
        anon.start()
        end = time.monotonic() + 10
        while not anon.refused and time.monotonic() < end:
            time.sleep(0.02)
        assert anon.refused and not anon.connected
        anon.stop()
    finally:
        for n in room:
            n.close()


def test_embedded_broker_with_accounts_stops_forged_commands(tmp_path):
    access = tmp_path / "access"
    write_room_access([ROOM], access, ["bed-1", "bed-2"])
    settings = BrokerSettings.load(access / "broker.toml")
    settings.port = 0
    with EmbeddedBroker(settings) as b:
        forge_and_check(b.url, access, tmp_path)


@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")
def test_mosquitto_with_the_generated_password_file_and_acl(tmp_path):
    access = tmp_path / "access"
    write_room_access([ROOM], access, ["bed-1", "bed-2"])
    port = free_port()
    conf = tmp_path / "m.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nuser {getpass.getuser()}\n"
                    f"allow_anonymous false\npassword_file {access / 'mosquitto.passwd'}\n"
                    f"acl_file {access / 'mosquitto.acl'}\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        forge_and_check(f"mqtt://127.0.0.1:{port}", access, tmp_path)
    finally:
        proc.terminate()
        proc.wait(10)
