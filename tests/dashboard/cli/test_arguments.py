"""Every numeric argument of every `icu-dashboard` subcommand is checked before anything
starts: one line naming the option, exit code 2, no traceback, no log left behind
(issue 18, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.cli import main


def _refused(capsys, tmp_path: Path, monkeypatch, *argv: str) -> str:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    left = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert left == [], left
    return lines[0]


@pytest.mark.parametrize("speed", ["1e-300", "1e-10", "0.001", "0", "-1", "nan", "inf",
                                   "3601"])
def test_a_speed_the_clock_cannot_run_at_is_refused_before_any_log(
        capsys, tmp_path, monkeypatch, speed: str) -> None:
    # 1e-300 was a traceback and 1e-10 "year 21040 is out of range", both after the
    # session and alarm logs had been created.
    line = _refused(capsys, tmp_path, monkeypatch, "instructor", "--headless",
                    "--duration", "1m", "--speed", speed, "--alarm-log", "a.jsonl",
                    "--session-log", "s.jsonl")
    assert f"--speed {float(speed):g}: between 0.01 and 3600" in line


@pytest.mark.parametrize("argv", [
    ("instructor", "--headless", "--duration", "nan"),
    ("instructor", "--headless", "--duration", "1e400"),
    ("instructor", "--headless", "--duration", "-1m"),
    ("instructor", "--headless", "--duration", "1m", "--seed", "-1"),
    ("instructor", "--headless", "--duration", "1m", "--seed", "1e3"),
    ("instructor", "--headless", "--duration", "1m", "--size", "1e9x1"),
    ("instructor", "--headless", "--duration", "1m", "--start", "nan"),
    ("instructor", "--headless", "--duration", "1m", "--start", "1e400"),
    ("monitor", "--headless", "--duration", "1e309"),
    ("monitor", "--headless", "--duration", "1m", "--start", "-inf"),
    ("--headless", "--screenshot", "x.png", "--speed", "1e-10"),
])  # fmt: skip
def test_other_numbers_out_of_range_are_one_line(capsys, tmp_path, monkeypatch,
                                                 argv: tuple[str, ...]) -> None:
    _refused(capsys, tmp_path, monkeypatch, *argv, "--alarm-log", "a.jsonl")


@pytest.mark.parametrize("port", ["x", "nan", "1e-300", "1e309", "0", "65536", "-1"])
def test_broker_port_is_one_line_without_the_usage(capsys, tmp_path, monkeypatch,
                                                   port: str) -> None:
    # argparse printed its usage line above the error: two lines.
    line = _refused(capsys, tmp_path, monkeypatch, "broker", f"--port={port}")
    assert "--port" in line and not line.startswith("usage")


def test_room_access_usage_errors_are_one_line(capsys, tmp_path, monkeypatch) -> None:
    line = _refused(capsys, tmp_path, monkeypatch, "room-access", "--out", "x")
    assert "--room" in line and not line.startswith("usage")


@pytest.mark.parametrize("out", ["a-file", "/dev/null", "/dev/full"])
def test_room_access_out_that_is_not_a_folder_is_one_line(capsys, tmp_path, monkeypatch,
                                                          out: str) -> None:
    # It was a NotADirectoryError traceback.
    if out == "a-file":
        out = str(tmp_path / "a-file")
        Path(out).write_text("keep me\n", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["room-access", "--room", "sim1", "--display", "bed-1", "--out", out]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not a folder" in err, err
    if out.endswith("a-file"):
        assert Path(out).read_text(encoding="utf-8") == "keep me\n"
