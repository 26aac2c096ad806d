"""The automation hook as a test engineer uses it: off unless asked for, answering
JSON requests by objectName, refusing what it cannot do with one line."""

from __future__ import annotations

import json
import socket
import stat
import threading

from PySide6 import QtNetwork, QtWidgets

from dashboard.ui import automation
from dashboard.ui.automation import AutomationServer, install_from_environment


def ask(server: AutomationServer, **request) -> dict:
    return server.answer(json.dumps(request).encode())


def test_off_unless_the_environment_asks(monkeypatch, qtbot):
    monkeypatch.delenv(automation.ENV, raising=False)
    assert install_from_environment(QtWidgets.QApplication.instance()) is None


def test_a_socket_only_this_user_can_open(monkeypatch, tmp_path, qtbot):
    path = tmp_path / "a.sock"
    monkeypatch.setenv(automation.ENV, str(path))
    server = install_from_environment(QtWidgets.QApplication.instance())
    try:
        assert stat.S_ISSOCK(path.stat().st_mode)
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
        assert server.server.socketOptions() & \
            QtNetwork.QLocalServer.SocketOption.UserAccessOption
    finally:
        server.close()
        automation._SERVERS.remove(server)
    assert not path.exists()


def test_a_client_drives_the_monitor_by_object_name(make_session, tmp_path, qtbot):
    s = make_session("ecmo_start+1d", role="monitor")
    server = AutomationServer(QtWidgets.QApplication.instance(), tmp_path / "m.sock")
    try:
        replies: list[dict] = []

        def client() -> None:
            with socket.socket(socket.AF_UNIX) as c:
                c.settimeout(20)
                c.connect(str(tmp_path / "m.sock"))
                f = c.makefile("rwb")
                for req in ({"op": "find", "name": "clock.case_time"}, {"op": "session"},
                            {"op": "nonsense"}):
                    f.write(json.dumps(req).encode() + b"\n")
                    f.flush()
                    replies.append(json.loads(f.readline()))

        t = threading.Thread(target=client)
        t.start()
        qtbot.waitUntil(lambda: len(replies) == 3, timeout=20000)
        t.join(5)
        clock = replies[0]["widgets"][0]
        assert clock["text"] == s.window.findChild(QtWidgets.QLabel, "clock.case_time").text()
        assert clock["visible"] and clock["window"]
        session = replies[1]["sessions"][-1]
        assert session["case_time"] == s.controller.case_time()
        assert session["scenario"] == s.course.scenario.id
        assert replies[2] == {"ok": False, "error": replies[2]["error"]}
        assert "unknown op 'nonsense'" in replies[2]["error"]
    finally:
        server.close()


def test_clicks_and_keys_reach_the_widgets_as_a_users_would(make_session, tmp_path, qtbot):
    s = make_session("ecmo_start+1d", role="monitor")
    server = AutomationServer(QtWidgets.QApplication.instance(), tmp_path / "k.sock")
    try:
        assert s.window.trends.isHidden()
        assert ask(server, op="click", name="control.trends")["ok"]
        assert not s.window.trends.isHidden()
        assert ask(server, op="key", name="trend.table", key="T", focus=True)["ok"]
        assert s.window.trends.isHidden()
        wrong = ask(server, op="click", name="no.such.widget")
        assert wrong == {"ok": False, "error": "no widget named 'no.such.widget'"}
        bad = ask(server, op="type", name="clock.case_time", text="x")
        assert not bad["ok"] and "not a text field" in bad["error"]
        shot = tmp_path / "m.png"
        assert ask(server, op="screenshot", name="clock.case_time", path=str(shot))["ok"]
        assert shot.stat().st_size > 100
    finally:
        server.close()


def test_garbage_gets_one_line_and_the_app_carries_on(tmp_path, qtbot):
    server = AutomationServer(QtWidgets.QApplication.instance(), tmp_path / "g.sock")
    try:
        for line in (b"", b"[]", b"{", b'{"op": 3}', b'{"op": "choose"}'):
            reply = server.answer(line)
            assert reply["ok"] is False and "\n" not in reply["error"], line
    finally:
        server.close()
