"""Each display its own broker account: it may publish only its own requests and presence
(embedded broker and Mosquitto), its credentials file says which display it is, and the
default broker makes accounts by pairing."""

from __future__ import annotations

import getpass
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.net.access import write_room_access
from dashboard.net.broker import BrokerSettings, EmbeddedBroker, free_port
from dashboard.net.link import BrokerUrl, Credentials, LinkError, MqttLink
from dashboard.net.pairing import account_for, pair, paired_file
from dashboard.net.protocol import RoomTopics
from dashboard.net.roles import NetworkOptionError, network_settings

ROOM = "sim1"
T = RoomTopics(ROOM)
CLI = [sys.executable, "-m", "dashboard.app"]


def connect(url: str, creds: Credentials | None, subscriptions=()) -> MqttLink:
    link = MqttLink(BrokerUrl.parse(url), credentials=creds, subscriptions=subscriptions)
    link.start()
    end = time.monotonic() + 15
    while not (link.connected or link.refused) and time.monotonic() < end:
        time.sleep(0.01)
    return link


def delivered(watcher: MqttLink, sender: MqttLink, topics: list[str]) -> set[str]:
    """Which of `topics` reach the watcher when `sender` publishes on each, then a marker
    on its own presence topic (the last message, so everything before it has come)."""
    marker = topics[-1]
    for t in topics[:-1]:
        sender.publish(t, b"forged " + t.encode())
    sender.publish(marker, b"marker")
    got: set[str] = set()
    end = time.monotonic() + 15
    while time.monotonic() < end:
        for m in watcher.drain():
            got.add(m.topic)
            if m.topic == marker and m.payload == b"marker":
                return got
        time.sleep(0.01)
    raise AssertionError("marker never arrived")


def check_rights(url: str, access: Path) -> None:
    watcher = connect(url, Credentials.load(access / "instructor-sim1.toml"), [T.everything])
    bed1 = connect(url, Credentials.load(access / "display-sim1-bed-1.toml"))
    try:
        assert watcher.connected and bed1.connected
        time.sleep(0.2)  # the watcher's SUBSCRIBE is on its way before anything is sent
        got = delivered(watcher, bed1, [
            T.request, T.request_from("bed-2"), T.display("bed-2"), T.state, T.action,
            T.instructor, "icu/sim1/request/bed-1/x", T.request_from("bed-1"),
            T.display("bed-1")])
        assert got == {T.request_from("bed-1"), T.display("bed-1")}
    finally:
        watcher.stop()
        bed1.stop()


def test_room_access_gives_each_display_an_account_for_its_own_topics(tmp_path):
    access = tmp_path / "access"
    write_room_access([ROOM], access, ["bed-1", "bed-2"])
    creds = Credentials.load(access / "display-sim1-bed-2.toml")
    assert (creds.user, creds.room, creds.display) == ("sim1-bed-2", "sim1", "bed-2")
    assert stat.S_IMODE(os.stat(access / "display-sim1-bed-2.toml").st_mode) == 0o600
    settings = BrokerSettings.load(access / "broker.toml")
    settings.port = 0
    with EmbeddedBroker(settings) as b:
        check_rights(b.url, access)


@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")
def test_mosquitto_gives_each_display_only_its_own_topics(tmp_path):
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
        check_rights(f"mqtt://127.0.0.1:{port}", access)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("args,message", [
    (["--room", "sim1"], "required: --display"),
    (["--room", "sim1", "--display", "instructor"], "instructor account"),
    (["--room", "a-b", "--room", "a", "--display", "c", "--display", "b-c"],
     "would serve both"),
    (["--room", "sim1", "--display", "bed 1"], "display name"),
])
def test_room_access_refusals_are_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    r = subprocess.run(CLI + ["room-access", *args, "--out", str(out)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_room_access_to_a_file_or_device_is_one_line(tmp_path):
    (tmp_path / "f").write_text("x")
    for out in (tmp_path / "f", Path("/dev/null"), tmp_path / "no" / "such"):
        r = subprocess.run(CLI + ["room-access", "--room", "sim1", "--display", "b",
                                  "--out", str(out)], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def _settings(tmp_path, **extra):
    opts = type("O", (), {"extra": {"broker": "mqtt://127.0.0.1:1", "room": ROOM, **extra}})
    return network_settings(opts, "monitor")


def test_a_display_credentials_file_names_the_display(tmp_path):
    access = tmp_path / "access"
    write_room_access([ROOM], access, ["bed-1"])
    f = str(access / "display-sim1-bed-1.toml")
    assert _settings(tmp_path, credentials=f)["display"] == "bed-1"
    assert _settings(tmp_path, credentials=f, display="bed-1")["display"] == "bed-1"
    with pytest.raises(NetworkOptionError, match="account of display bed-1"):
        _settings(tmp_path, credentials=f, display="bed-2")
    with pytest.raises(NetworkOptionError, match="room sim1, not of --room sim2"):
        _settings(tmp_path, credentials=f, room="sim2")
    opts = type("O", (), {"extra": {"broker": "mqtt://127.0.0.1:1", "room": ROOM,
                                    "credentials": f}})
    with pytest.raises(NetworkOptionError, match="not an instructor's"):
        network_settings(opts, "instructor")


# ------------------------------------------------------------------------------ pairing


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def test_pairing_makes_each_machine_its_own_account(tmp_path, data_home):
    store = tmp_path / "broker" / "accounts.toml"
    settings = BrokerSettings.paired(store)
    settings.port = 0
    with EmbeddedBroker(settings) as b:
        url = BrokerUrl.parse(b.url)
        book = b.book
        assert book is not None and book.instructor_code and book.display_code
        # Anonymous and wrong codes are refused; the instructor code pairs no display.
        assert connect(b.url, None).refused
        with pytest.raises(LinkError, match="refused to pair display bed-1"):
            pair(url, ROOM, "bed-1", book.instructor_code)
        assert not paired_file(url, ROOM, "bed-1").exists()
        ins = pair(url, ROOM, None, book.instructor_code)
        bed1 = pair(url, ROOM, "bed-1", book.display_code.replace("-", "").lower())
        assert (bed1.user, bed1.room, bed1.display) == ("sim1-bed-1", "sim1", "bed-1")
        for f in (paired_file(url, ROOM, None), paired_file(url, ROOM, "bed-1")):
            assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
            assert stat.S_IMODE(os.stat(f.parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        assert bed1.password not in store.read_text()
        # Nobody takes over bed-1's account with the display code.
        before = paired_file(url, ROOM, "bed-1").read_bytes()
        paired_file(url, ROOM, "bed-1").unlink()
        with pytest.raises(LinkError, match="bed-1 is paired already"):
            pair(url, ROOM, "bed-1", book.display_code)
        paired_file(url, ROOM, "bed-1").write_bytes(before)
        # A later run finds this machine's account; --pair is not needed again.
        creds, display = account_for({"display": "bed-1"}, "monitor", url, ROOM)
        assert creds == bed1 and display == "bed-1"
        watcher = connect(b.url, ins, [T.everything])
        sender = connect(b.url, bed1)
        time.sleep(0.2)
        try:
            assert delivered(watcher, sender, [T.state, T.request_from("bed-2"),
                                               T.display("bed-1")]) == {T.display("bed-1")}
        finally:
            watcher.stop()
            sender.stop()
        old_code = book.display_code
    # The accounts outlive the broker; its codes do not.
    settings = BrokerSettings.paired(store)
    settings.port = 0
    with EmbeddedBroker(settings) as b:
        assert connect(b.url, bed1).connected
        assert b.book.display_code != old_code
        with pytest.raises(LinkError, match="refused"):
            pair(BrokerUrl.parse(b.url), ROOM, "bed-2", old_code)


def test_the_default_broker_requires_accounts_and_prints_how_to_pair(tmp_path):
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen(CLI + ["broker", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        assert f"mqtt://0.0.0.0:{port} (accounts required)" in lines[0], lines
        code = lines[2].split("--pair ")[1].split()[0]
        assert "icu-dashboard monitor --broker mqtt://" in lines[2] and len(code) == 9
        url = f"mqtt://127.0.0.1:{port}"
        assert connect(url, None).refused
        # The monitor pairs from its command line and goes on as that display.
        r = subprocess.run(CLI + ["monitor", "--broker", url, "--room", ROOM, "--display",
                                  "bed-1", "--pair", code, "--headless", "--duration", "1",
                                  "--alarm-log", str(tmp_path / "bed.jsonl")],
                           capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        assert "paired display bed-1 of room sim1" in r.stderr
        # Paired once, said once: the run's later look-ups find the new account quietly.
        assert "already paired" not in r.stderr, r.stderr
        assert "refused" not in r.stderr and "WARNING" not in r.stderr
        assert "paired display bed-1 of room sim1" in proc.stdout.readline()
        store = tmp_path / "data" / "icu-ecmo-replay" / "broker" / "accounts.toml"
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    finally:
        proc.terminate()
        proc.wait(10)


def test_an_open_broker_needs_allow_anonymous_and_stays_on_localhost(tmp_path):
    port = free_port()
    proc = subprocess.Popen(CLI + ["broker", "--port", str(port), "--allow-anonymous"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"broker: mqtt://127.0.0.1:{port} (OPEN:"), line
        r = subprocess.run(CLI + ["instructor", "--broker", f"mqtt://127.0.0.1:{port}",
                                  "--room", ROOM, "--headless", "--duration", "1",
                                  "--session-log", str(tmp_path / "s.jsonl"),
                                  "--alarm-log", str(tmp_path / "a.jsonl")],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "WARNING: the broker let this machine in without an account" in r.stderr
    finally:
        proc.terminate()
        proc.wait(10)
