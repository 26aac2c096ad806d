"""A networked run the broker will not let in is refused before its first file: a wrong
or empty password gave "recording the session to ..." and then the refusal, leaving the
session file and the alarm log behind (issue 18, item 9)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.net.access import write_room_access
from dashboard.net.broker import BrokerSettings, EmbeddedBroker

ROOM = "sim1"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    access = tmp_path_factory.mktemp("access")
    write_room_access([ROOM], access, ["bed-1"])
    settings = BrokerSettings.load(access / "broker.toml")
    settings.port = 0
    with EmbeddedBroker(settings) as broker:
        yield broker.url, access


def _credentials(tmp_path: Path, access: Path, password: str | None) -> str:
    text = (access / "instructor-sim1.toml").read_text(encoding="utf-8")
    if password is not None:
        text = "\n".join(f'password = "{password}"' if ln.startswith("password") else ln
                         for ln in text.splitlines()) + "\n"
    f = tmp_path / "creds" / "login.toml"
    f.parent.mkdir()
    f.write_text(text, encoding="utf-8")
    os.chmod(f, 0o600)
    return str(f)


@pytest.mark.parametrize(("role", "password"), [
    ("instructor", "wrong"), ("instructor", ""), ("instructor", None), ("monitor", "wrong"),
])  # fmt: skip
def test_a_refused_login_writes_nothing(secured, tmp_path, monkeypatch, capsys, role: str,
                                        password: str | None) -> None:
    url, access = secured
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(run / "data"))
    argv = [role, "--headless", "--duration", "2", "--broker", url, "--room", ROOM,
            "--alarm-log", str(run / "alarms.jsonl")]
    if role == "instructor":
        argv += ["--session-log", str(run / "session.jsonl")]
    if password is not None:  # None: no --credentials, an anonymous client
        argv += ["--credentials", _credentials(tmp_path, access, password)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"icu-dashboard: error: broker {url} refused the "
                                "connection: Not authorized (nothing written)"], err
    assert "recording the session" not in err
    assert [p for p in run.rglob("*") if p.is_file()] == []


def test_the_right_password_still_records(secured, tmp_path, monkeypatch, capsys) -> None:
    url, access = secured
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    session = tmp_path / "session.jsonl"
    assert main(["instructor", "--headless", "--duration", "1", "--broker", url,
                 "--room", ROOM, "--credentials", _credentials(tmp_path, access, None),
                 "--session-log", str(session),
                 "--alarm-log", str(tmp_path / "alarms.jsonl")]) == 0
    assert "recording the session to" in capsys.readouterr().err
    assert session.stat().st_size > 0
