"""Logs on a failing disk and in the wrong place: a line is written whole or not at all, a
cut tail is removed before appending, only an alarm log is appended to, a missing HOME does
not send files to /.local; session files read through the hardened reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_session_log import record_session

from dashboard.alarms.engine import AlarmChange
from dashboard.alarms.kinds import Priority
from dashboard.alarms.log import AlarmLog, AlarmLogError, read_log
from dashboard.recording import SessionLogError, course_for, read_session
from replay_data.jsonl import user_data_file

REPO = Path(__file__).resolve().parents[3]


def change(t: float = 1.0) -> AlarmChange:
    return AlarmChange(case_time=t, event="raised", alarm_id="hr.high", channel="hr",
                       value=150.0, limit=120.0, priority=Priority.MEDIUM, message="HR high")


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("s") / "session.jsonl"
    record_session(path)
    return path


def test_a_cut_tail_is_removed_before_appending(tmp_path):
    path = tmp_path / "a.jsonl"
    with AlarmLog(path) as log:
        log.write(change(1.0))
    with open(path, "ab") as f:
        f.write(b'{"case_time":2.0,"wal')  # the crash cut this line
    with AlarmLog(path) as log:
        log.write(change(3.0))
    assert [r["case_time"] for r in read_log(path)] == [1.0, 3.0]


def test_a_file_holding_only_a_cut_line_is_started_again(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"')
    with AlarmLog(path) as log:
        log.write(change(3.0))
    assert [r["case_time"] for r in read_log(path)] == [3.0]


@pytest.mark.parametrize("victim", ["session", "scenario"])
def test_an_alarm_log_never_appends_to_another_kind_of_file(tmp_path, session_file, victim):
    src = session_file if victim == "session" else \
        REPO / "resources" / "scenarios" / "sle_dah_ecmo.toml"
    path = tmp_path / src.name
    path.write_bytes(src.read_bytes())
    with pytest.raises(AlarmLogError, match=f"{path}: exists and is not an alarm log"):
        AlarmLog(path)
    assert path.read_bytes() == src.read_bytes()


def test_a_failed_write_leaves_no_part_of_the_line(tmp_path):
    """A real short write: the file-size limit stops the write part-way (EFBIG)."""
    path = tmp_path / "a.jsonl"
    with AlarmLog(path) as log:
        log.write(change(1.0))
    size = path.stat().st_size
    code = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})  # case_support
        from test_log_files import change
        from dashboard.alarms.log import AlarmLog, AlarmLogError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({size} + 40, {size} + 40))
        log = AlarmLog({str(path)!r})
        try:
            log.write(change(2.0))
        except AlarmLogError as exc:
            print(exc)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"cannot write alarm log {path}: File too large")
    assert path.stat().st_size == size  # the cut line was taken back
    assert [r["case_time"] for r in read_log(path)] == [1.0]


def test_a_fifo_without_reader_does_not_hang_the_alarm_log(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(AlarmLogError, match=f"cannot open alarm log {fifo}"):
        AlarmLog(fifo)


def test_dev_null_is_written_through(tmp_path):
    with AlarmLog("/dev/null") as log:
        log.write(change())


def test_empty_home_uses_the_account_home(monkeypatch):
    monkeypatch.setenv("HOME", "")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    path = user_data_file("alarm-logs", lambda: 0.0)
    assert path.is_absolute() and not str(path).startswith("/.local")
    assert path.parts[-3:] == ("icu-ecmo-replay", "alarm-logs", "19700101T000000Z.jsonl")


# ------------------------------------------------------------------ reading session files


def edit_line(session_file: Path, tmp_path: Path, kind: str, edit) -> Path:
    out = []
    done = False
    for line in session_file.read_text().splitlines():
        record = json.loads(line)
        if not done and record["type"] == kind:
            edit(record)
            line = json.dumps(record)
            done = True
        out.append(line)
    assert done
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(out) + "\n")
    return path


def _effects(rec: dict, **kw: object) -> None:
    rec["perturbation"]["effects"] = [{"channel": "hr", **kw}]


@pytest.mark.parametrize(("kind", "edit", "words"), [
    ("perturbation", lambda r: _effects(r, oscillate=5.0, period=0.0), "period must be longer"),
    ("perturbation", lambda r: r["perturbation"].update(duration=-60.0), "duration must be"),
    ("perturbation", lambda r: r["perturbation"].update(severity=7.0), "severity must be"),
    ("perturbation", lambda r: _effects(r, set=1e9), "set 1e+09 is outside"),
    ("perturbation", lambda r: r["perturbation"].update(flags=["x"]), "unknown flag 'x'"),
    ("session_start", lambda r: r.update(seed=2**40), "'seed' must be between"),
])  # fmt: skip
def test_session_perturbations_are_checked_like_scenarios(session_file, tmp_path, kind, edit,
                                                          words):
    path = edit_line(session_file, tmp_path, kind, edit)
    with pytest.raises(SessionLogError) as info:
        read_session(path)
    assert str(path) in str(info.value) and "line " in str(info.value)
    assert words in str(info.value)


def test_unknown_injection_name_is_refused_with_its_line(session_file, tmp_path):
    path = edit_line(session_file, tmp_path, "perturbation",
                     lambda r: r["perturbation"].update(name="teleport"))
    with pytest.raises(SessionLogError, match=r"line \d+: .*unknown injection 'teleport'"):
        course_for(read_session(path))


@pytest.mark.parametrize("raw", [
    b'"case_time": 1' + b"0" * 400,
    b'"case_time": NaN',
    b'"case_time": 1e999',
])  # fmt: skip
def test_numbers_json_allows_but_the_file_may_not_hold(session_file, tmp_path, raw):
    lines = session_file.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(lines[1][lines[1].index(b'"case_time"'):
                                         lines[1].index(b',"wall_time"')], raw)
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(SessionLogError, match=f"^{path}: line 2: "):
        read_session(path)


def test_session_file_fifo_and_dev_zero(tmp_path):
    fifo = tmp_path / "s.jsonl"
    os.mkfifo(fifo)
    for bad in (fifo, Path("/dev/zero")):
        with pytest.raises(SessionLogError, match="not a session file"):
            read_session(bad)
