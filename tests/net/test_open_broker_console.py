"""The instructor's console says when the broker let it in without an account (anyone on
that network could forge the room's session), and says nothing on a secured broker."""

from __future__ import annotations

import os
import time

from net_support import COURSE, T0
from PySide6 import QtWidgets

from dashboard.net.access import write_room_access
from dashboard.net.broker import BrokerSettings, EmbeddedBroker
from dashboard.net.link import BrokerUrl, Credentials
from dashboard.session import MonitorSession
from dashboard.session_net import attach_instructor

SHOT = os.environ.get("OPEN_BROKER_SHOT")   # a PNG of the flagged console, to look at


def _console_after_connect(qtbot, tmp_path, url: str, credentials) -> QtWidgets.QWidget:
    net = {"url": BrokerUrl.parse(url), "room": "sim1", "credentials": credentials}
    s = MonitorSession.create(COURSE, start=T0, instructor=True, mute=True,
                              network_wall=time.time, playing=False,
                              session_log=tmp_path / "session.jsonl",
                              alarm_log=tmp_path / "console.jsonl")
    s.timer.stop()   # frames are the test's
    bridge = attach_instructor(s, net)
    try:
        end = time.monotonic() + 20
        while not bridge.link.connected and time.monotonic() < end:
            time.sleep(0.01)   # the network connects in real time
        assert bridge.link.connected
        for _ in range(3):
            s._frame_timer()
            QtWidgets.QApplication.processEvents()
        label = s.console.findChild(QtWidgets.QLabel, "console.openBroker")
        if SHOT and label is not None:
            s.console.resize(1366, 768)
            s.console.show()
            QtWidgets.QApplication.processEvents()
            s._frame_timer()
            s.console.grab().save(SHOT)
        return label
    finally:
        bridge.stop()
        s.close()


def test_an_open_broker_is_flagged_on_the_console(qtbot, tmp_path, capsys):
    with EmbeddedBroker(port=0) as b:
        label = _console_after_connect(qtbot, tmp_path, b.url, None)
    assert label is not None and "OPEN BROKER" in label.text()
    assert "WARNING: the broker let this machine in without an account" in \
        capsys.readouterr().err


def test_a_secured_broker_is_not_flagged(qtbot, tmp_path):
    access = tmp_path / "access"
    write_room_access(["sim1"], access, ["bed-1"])
    settings = BrokerSettings.load(access / "broker.toml")
    settings.port = 0
    with EmbeddedBroker(settings) as b:
        label = _console_after_connect(
            qtbot, tmp_path, b.url, Credentials.load(access / "instructor-sim1.toml"))
    assert label is None
