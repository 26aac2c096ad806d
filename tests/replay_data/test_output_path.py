"""Outputs never clobber (issue 18, item 10): the one output-path rule
(replay_data.output_path) refuses a link, an input of the run, a FIFO and a kernel file,
in one line before anything is computed, and `replay-data --out` goes through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from replay_data.output_path import OutputError, check_output_path, check_outputs

REPLAY_DATA = Path(sys.executable).parent / "replay-data"
CASE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
TRENDS = ["trends", "--start", "ecmo_start", "--end", "ecmo_start+2m", "--step", "1m",
          "--channels", "spo2"]


def _refused(path: str, words: str, **kw) -> None:
    with pytest.raises(OutputError) as info:
        check_output_path(path, "--out", **kw)
    assert str(info.value).startswith(f"--out {path}: ") and words in str(info.value)


def test_a_link_is_refused_even_a_dangling_one(tmp_path: Path) -> None:
    (tmp_path / "to-file").symlink_to(CASE)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for name in ("to-file", "dangling"):
        _refused(str(tmp_path / name), "is a symbolic link")
    assert not (tmp_path / "nowhere").exists()


def test_an_input_of_the_run_is_refused_by_any_name(tmp_path: Path) -> None:
    scenario = tmp_path / "X.toml"
    scenario.write_text("x", encoding="utf-8")
    os.link(scenario, tmp_path / "hard.toml")
    for name in ("X.toml", "./X.toml", "sub/../X.toml", "hard.toml"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        _refused(str(tmp_path / name), "is the input --scenario",
                 inputs={"--scenario": str(scenario)})


def test_fifo_socket_folder_and_kernel_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(str(fifo), "named pipe")
    _refused(str(tmp_path), "is a folder")
    _refused("/proc/self/status", "file of the kernel's")
    # A line-by-line log may go into a FIFO already there (opened without blocking).
    check_output_path(str(fifo), "--alarm-log", pipes=True)
    with pytest.raises(OutputError, match="kernel"):
        check_output_path("/proc/self/status", "--alarm-log", pipes=True)


def test_streams_devices_and_new_files_are_allowed(tmp_path: Path) -> None:
    for path in ("-", "/dev/stdout", "/dev/null", "/dev/full", "/dev/fd/1",
                 str(tmp_path / "new.csv")):
        check_output_path(path, "--out")
    check_outputs({"--alarm-log": "/dev/null", "--session-log": "/dev/null"})
    with pytest.raises(OutputError, match="name the same file"):
        check_outputs({"--a": str(tmp_path / "x"), "--b": str(tmp_path / "./x")})


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPLAY_DATA), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_trends_never_overwrites_its_own_scenario(tmp_path: Path, one_error_line) -> None:
    scenario = tmp_path / "X.toml"
    scenario.write_bytes(CASE.read_bytes())
    p = run(*TRENDS, "--scenario", str(scenario), "--out", str(scenario))
    assert p.returncode == 2
    assert "is the input --scenario" in one_error_line(p.stderr)
    assert scenario.read_bytes() == CASE.read_bytes()


def test_out_to_a_fifo_without_reader_is_refused_not_blocked(tmp_path: Path,
                                                             one_error_line) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    p = run(*TRENDS, "--out", str(fifo), timeout=60)  # blocked forever before
    assert p.returncode == 2
    assert "named pipe" in one_error_line(p.stderr)


def test_out_through_a_link_keeps_the_target(tmp_path: Path, one_error_line) -> None:
    target = tmp_path / "report.csv"
    target.write_text("someone's work\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(target)
    p = run(*TRENDS, "--out", str(tmp_path / "link.csv"))
    assert p.returncode == 2 and "symbolic link" in one_error_line(p.stderr)
    assert target.read_text(encoding="utf-8") == "someone's work\n"
