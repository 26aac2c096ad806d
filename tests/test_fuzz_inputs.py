"""Fuzzing the hardened reader with hypothesis: the real scenario, alarm profile and session
files, mutated (bytes flipped, inserted, deleted, lines duplicated or cut, numbers made
huge), must each load or fail with the reader's one-line error naming the file -- never
another exception. A sample of mutants also goes through the real commands: exit 0 or 2,
one line, no traceback, and nothing written on failure: each mutant through the command's
own entry point in this process (what the command does with it), a few also through the
installed command in a process of its own (the exit code and stderr a shell sees)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.alarms.profile import ProfileError, load_profile
from dashboard.recording import SessionLogError, course_for, read_session
from replay_data.errors import ReplayDataError
from replay_data.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIO = (REPO / "resources" / "scenarios" / "sle_dah_ecmo.toml").read_bytes()
PROFILE = (REPO / "resources" / "alarm_profiles" / "sle_dah_ecmo.toml").read_bytes()
BIN = Path(sys.executable).parent
# FUZZ_EXAMPLES=400 for a longer hunt; derandomized so CI runs the same examples each time.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
CLI_FUZZ = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
# A process start costs about a second of CPU (Python, numpy, the course; Qt for the
# debrief): a few mutants only go through the installed command in a process of its own.
PROCESS_FUZZ = settings(CLI_FUZZ, max_examples=3)

NASTY = [b"\x00", b"\xff\xfe", b"\n", b"\r", b"[", b"{", b"]]", b"=", b'"', b"nan", b"inf",
         b"-", b"1" + b"0" * 400, b"1e999", b"NaN", b"Infinity", b"[" * 200, b"\x1b[31m",
         b"true", b"null", b"-1", b"0", b"9999999999"]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup_line", "cut", "number"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(NASTY))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 200))]
        elif op == "dup_line":
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            end = len(data) if end < 0 else end + 1
            data[end:end] = data[start:end]
        elif op == "cut":
            del data[pos:]
        elif op == "number":
            # Replace a digit run with something out of range.
            digits = [i for i in range(pos, min(len(data), pos + 2000)) if 48 <= data[i] <= 57]
            if digits:
                i = digits[0]
                j = i
                while j < len(data) and 48 <= data[j] <= 57:
                    j += 1
                data[i:j] = draw(st.sampled_from([b"1" + b"0" * 400, b"999999999", b"0",
                                                  b"1e999", b"-5"]))
    return bytes(data)


def _one_line_naming(exc: Exception, name: str) -> None:
    text = str(exc)
    assert "\n" not in text and "\r" not in text, text
    assert name in text, text


@FUZZ
@given(data=mutated(SCENARIO))
def test_scenario_mutants(tmp_path, data):
    f = tmp_path / "fuzz.toml"
    f.write_bytes(data)
    try:
        load_scenario(f)
    except ReplayDataError as exc:
        _one_line_naming(exc, "fuzz.toml")


@FUZZ
@given(data=mutated(PROFILE))
def test_alarm_profile_mutants(tmp_path, data):
    f = tmp_path / "fuzz.toml"
    f.write_bytes(data)
    try:
        load_profile(f)
    except ProfileError as exc:
        # The error may name the parent profile the mutant inherits from.
        _one_line_naming(exc, ".toml")


@pytest.fixture(scope="module")
def session_bytes(tmp_path_factory) -> bytes:
    sys.path.insert(0, str(REPO / "tests" / "dashboard" / "recording"))
    from test_session_log import record_session

    path = tmp_path_factory.mktemp("s") / "session.jsonl"
    record_session(path)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_session_mutants(tmp_path, session_bytes, data):
    f = tmp_path / "fuzz.jsonl"
    f.write_bytes(data.draw(mutated(session_bytes)))
    try:
        course_for(read_session(f))
    except (SessionLogError, ReplayDataError) as exc:
        _one_line_naming(exc, "fuzz")


def _fresh(folder: Path) -> None:
    """hypothesis reuses the test's tmp_path for every example."""
    for x in folder.iterdir():
        x.unlink()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM":
                                            "offscreen", "HOME": "/nonexistent"})


def _in_process(main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str],
                *args: str) -> subprocess.CompletedProcess:
    """The command's entry point (what the installed script calls) run here; any exception
    it lets out fails the test, as a traceback in a shell would."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


def _assert_cli_outcome(p: subprocess.CompletedProcess, folder: Path, inputs: set[str]
                        ) -> None:
    assert "Traceback" not in p.stderr, p.stderr
    if p.returncode == 2:
        assert len(p.stderr.splitlines()) == 1, p.stderr
        assert sorted(x.name for x in folder.iterdir()) == sorted(inputs)  # nothing written
    else:
        assert p.returncode == 0, p.stderr


def _trends_args(f: Path, folder: Path) -> list[str]:
    return ["trends", "--scenario", str(f), "--start", "admission", "--end",
            "admission+1m", "--step", "1m", "--out", str(folder / "out.csv")]


def _check_trends(run: Callable[..., subprocess.CompletedProcess], folder: Path,
                  data: bytes) -> None:
    _fresh(folder)
    f = folder / "fuzz.toml"
    f.write_bytes(data)
    p = run(*_trends_args(f, folder))
    _assert_cli_outcome(p, folder, {"fuzz.toml", "out.csv"} if p.returncode == 0
                        else {"fuzz.toml"})


def _check_debrief(run: Callable[..., subprocess.CompletedProcess], folder: Path,
                   data: bytes) -> None:
    _fresh(folder)
    f = folder / "fuzz.jsonl"
    f.write_bytes(data)
    p = run("debrief", str(f), "--out", str(folder / "r.html"))
    _assert_cli_outcome(p, folder, {"fuzz.jsonl", "r.html", "r.csv"} if p.returncode == 0
                        else {"fuzz.jsonl"})


@CLI_FUZZ
@given(data=mutated(SCENARIO))
def test_validate_command_on_mutants(tmp_path, capsys, data):
    from dashboard.alarms.replay_data_cli import main

    _check_trends(lambda *a: _in_process(main, capsys, *a), tmp_path, data)


@PROCESS_FUZZ
@given(data=mutated(SCENARIO))
def test_validate_command_on_mutants_in_a_process(tmp_path, data):
    _check_trends(lambda *a: _cli("replay-data", *a), tmp_path, data)


@CLI_FUZZ
@given(data=st.data())
def test_debrief_command_on_mutants(tmp_path, capsys, session_bytes, data):
    from dashboard.cli.main import main

    _check_debrief(lambda *a: _in_process(main, capsys, *a), tmp_path,
                   data.draw(mutated(session_bytes)))


@PROCESS_FUZZ
@given(data=st.data())
def test_debrief_command_on_mutants_in_a_process(tmp_path, session_bytes, data):
    _check_debrief(lambda *a: _cli("icu-dashboard", *a), tmp_path,
                   data.draw(mutated(session_bytes)))
