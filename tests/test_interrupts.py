"""Ctrl-C is honoured within seconds in the middle of a long computation, with two
CPU-bound processes beside it, and also when the command inherited SIGINT ignored -- as
every job a script starts with `&` does (a test run beside `yes > /dev/null &` burners,
a CI step, a supervisor). Python installs no SIGINT handler in such a process, so before
the fix `kill -INT` was never honoured: the whole-course export and the headless
instructor over twelve case days ran on to their end (the suite's interrupt tests timed
out after 60 s). And a SIGINT in the command's first second, while it is still importing:
that was a KeyboardInterrupt traceback out of an import, or, with SIGINT inherited
ignored, lost (the console scripts now catch signals before their imports,
dashboard.entry)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SIGINT_BIT = 1 << (signal.SIGINT - 1)
# What the user would call "at once" (issue 18, item 13): 1 s with two burners beside
# it, measured here until the process is gone (its logs closed, the interpreter ended) and
# while the suite's other worker shares the two cores too: 1.5 s.
HONOURED_WITHIN_S = 1.5
# One worker runs these one after another: two burners each are the point, four at once
# (two tests on two workers) would only slow the rest of the suite.
pytestmark = pytest.mark.xdist_group("burners")


@pytest.fixture
def two_burners() -> Iterator[None]:
    """Two CPU-bound processes for the test's duration; `timeout` bounds them even if
    this process dies before it can kill them."""
    cmd = ["timeout", "120", "yes"] if shutil.which("timeout") else ["yes"]
    # Each in a process group of its own, killed as a group: killing `timeout` alone
    # would leave its `yes` running on, orphaned, for good. A process group, not a
    # session: with the kernel's autogroup scheduling each session gets as much CPU as
    # the whole test run, so burners in sessions of their own starved the suite far more
    # than `yes > /dev/null &` from a shell does (the command under test got a tenth of a
    # core, and its 0.06 s of clean-up after a Ctrl-C took 1.7 s).
    burners = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, process_group=0)
               for _ in range(2)]
    try:
        yield
    finally:
        for b in burners:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(b.pid, signal.SIGKILL)
            b.wait()


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as fh:
        return dict(line.rstrip("\n").split(":\t", 1) for line in fh if ":\t" in line)


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_computing(proc: subprocess.Popen, cpu_s: float) -> None:
    """Until the command catches SIGINT itself (its main() has begun) and has spent
    `cpu_s` of CPU time -- start-up done, deep in the computation. Polled with a
    deadline; the command's own progress is the condition, not a sleep."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the command ended before it could be interrupted"
        st = _status(proc.pid)
        caught = int(st["SigCgt"], 16) & SIGINT_BIT and not int(st["SigIgn"], 16) & SIGINT_BIT
        if caught and _cpu_seconds(proc.pid) >= cpu_s:
            return
        time.sleep(0.05)
    pytest.fail("the command never got under way")


def _start(args: list[str], inherited: str, **kw) -> subprocess.Popen:
    def ignore_sigint() -> None:  # what a non-interactive shell does for `cmd &`
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ignore_sigint if inherited == "ignored" else None,
                            **kw)


def _interrupt(proc: subprocess.Popen) -> tuple[float, str]:
    """SIGINT; the seconds until the process is gone, and its stderr."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("SIGINT not honoured within 30 s")
    return time.monotonic() - sent, err


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_trends_interrupted_while_computing_the_whole_course(tmp_path, two_burners,
                                                             inherited):
    out = tmp_path / "big.csv"
    proc = _start([str(BIN / "replay-data"), "trends", "--start", "admission",
                   "--end", "admission+20d", "--step", "1s", "--out", str(out)], inherited)
    try:
        # ~1 s of CPU is start-up; the 1.7 million rows are then computed and written a
        # block at a time into a .part file (about 20 s in all), renamed when whole.
        _wait_until_computing(proc, cpu_s=3.0)
        assert not out.exists(), "finished before it could be interrupted"
        took, err = _interrupt(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == ""  # no traceback
    assert took < HONOURED_WITHIN_S, f"SIGINT honoured after {took:.1f} s"
    assert list(tmp_path.iterdir()) == []  # neither the output nor a .part


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_headless_instructor_interrupted_over_twelve_case_days(tmp_path, two_burners,
                                                               inherited):
    session = tmp_path / "s.jsonl"
    proc = _start([str(BIN / "icu-dashboard"), "instructor", "--headless",
                   "--start", "ecmo_start-2m", "--duration", "12d",
                   "--alarm-log", str(tmp_path / "a.jsonl"), "--session-log", str(session)],
                  inherited, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        ready = proc.stderr.readline()  # the run is under way: its logs are open
        assert ready == f"icu-dashboard: recording the session to {session}\n", ready
        _wait_until_computing(proc, cpu_s=_cpu_seconds(proc.pid) + 0.5)
        took, err = _interrupt(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == ""
    assert took < HONOURED_WITHIN_S, f"SIGINT honoured after {took:.1f} s"
    assert session.read_text().endswith("\n")  # closed on the way out, every line whole


def _wait_until_importing(proc: subprocess.Popen, library: str = "_multiarray_umath") -> None:
    """Until the command is in its own imports: numpy's core is mapped (the interpreter's
    start-up never loads it; every command imports it before its main() runs)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the command ended before it could be interrupted"
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            with open(f"/proc/{proc.pid}/maps") as fh:
                if library in fh.read():
                    return
        time.sleep(0.001)
    pytest.fail("the command never imported numpy")


@pytest.mark.parametrize("inherited", ["default", "ignored"])
@pytest.mark.parametrize("command", ["trends", "instructor"])
def test_interrupted_while_still_importing(tmp_path, two_burners, inherited, command):
    if command == "trends":
        args = [str(BIN / "replay-data"), "trends", "--start", "admission", "--end",
                "admission+20d", "--step", "1s", "--out", str(tmp_path / "big.csv")]
    else:
        args = [str(BIN / "icu-dashboard"), "instructor", "--headless", "--start",
                "ecmo_start-2m", "--duration", "12d", "--alarm-log",
                str(tmp_path / "a.jsonl"), "--session-log", str(tmp_path / "s.jsonl")]
    proc = _start(args, inherited, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        _wait_until_importing(proc)
        assert list(tmp_path.iterdir()) == [], "past its imports already"
        took, err = _interrupt(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == ""  # no KeyboardInterrupt traceback out of an import
    assert took < HONOURED_WITHIN_S, f"SIGINT honoured after {took:.1f} s"
    assert list(tmp_path.iterdir()) == []  # it never got to create a file
