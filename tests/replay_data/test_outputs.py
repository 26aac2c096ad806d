"""`--out` writes through character devices and /dev/stdout, refuses links; replaces a regular file
only when complete, with normal permissions; a killed export leaves nothing behind."""

from __future__ import annotations

import csv
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from replay_data.cli import main
from replay_data.course import Course
from replay_data.output_file import OutputError, open_output, write_bytes
from replay_data.waveforms import waveform

REPLAY_DATA = Path(sys.executable).parent / "replay-data"
TRENDS = ["trends", "--start", "ecmo_start", "--end", "ecmo_start+2m", "--step", "1m",
          "--channels", "spo2"]


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPLAY_DATA), *args], capture_output=True, text=True,
                          timeout=120, **kw)


def test_dev_null_stays_a_device():
    p = run(*TRENDS, "--out", "/dev/null")
    assert p.returncode == 0, p.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dash_and_dev_stdout_write_to_standard_output(tmp_path):
    p = run(*TRENDS, "--out", "-")
    assert p.returncode == 0 and p.stdout.startswith("t,spo2\n") and p.stdout.count("\n") == 4
    # stdout redirected (appending) to a file: written through, the file not replaced.
    out = tmp_path / "log.txt"
    out.write_text("earlier\n")
    with open(out, "a") as fh:
        p = subprocess.run([str(REPLAY_DATA), *TRENDS, "--out", "/dev/stdout"], stdout=fh,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert text.startswith("earlier\nt,spo2\n") and text.count("\n") == 5


def test_a_symlink_is_refused_and_its_target_kept(tmp_path, one_error_line):
    # Followed, it replaced whatever the link pointed at (issue 18, item 10).
    target = tmp_path / "target.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    p = run(*TRENDS, "--out", str(link))
    assert p.returncode == 2
    assert "is a symbolic link" in one_error_line(p.stderr)
    assert link.is_symlink() and target.read_text() == "old\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["link.csv", "target.csv"]


def test_a_new_file_gets_the_umask_mode_not_0600(tmp_path):
    out = tmp_path / "t.csv"
    p = run(*TRENDS, "--out", str(out), preexec_fn=lambda: os.umask(0o022))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_full_device_is_one_line_with_the_reason(one_error_line):
    p = run(*TRENDS, "--out", "/dev/full")
    assert p.returncode == 2
    assert one_error_line(p.stderr) == \
        "replay-data: error: --out /dev/full: No space left on device"


def test_a_parent_that_is_a_file_is_named(tmp_path, one_error_line):
    (tmp_path / "f").write_text("x")
    p = run(*TRENDS, "--out", str(tmp_path / "f" / "t.csv"))
    assert p.returncode == 2
    assert one_error_line(p.stderr).endswith(f"{tmp_path / 'f'} is a file, not a folder")


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    out = tmp_path / "shot.png"
    out.write_bytes(b"old picture")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("replay_data.output_file.os.fsync", full)
    with pytest.raises(OutputError, match="shot.png: No space left on device"):
        write_bytes(str(out), b"new picture", "--screenshot")
    assert out.read_bytes() == b"old picture"
    assert [x.name for x in tmp_path.iterdir()] == ["shot.png"]


def test_interrupt_inside_the_write_removes_the_temp(tmp_path):
    with pytest.raises(KeyboardInterrupt), open_output(str(tmp_path / "t.csv")) as fh:
        fh.write("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_trends_killed_midway_leaves_no_part_file(tmp_path, sig, code):
    out = tmp_path / "big.csv"
    proc = subprocess.Popen([str(REPLAY_DATA), "trends", "--start", "admission",
                             "--end", "admission+20d", "--step", "1s", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".big.csv.*.part")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.02)  # polling for a condition with a deadline
    assert proc.poll() is None, "the export ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the output nor a .part


def test_waveform_export_streams_the_same_samples(tmp_path):
    out = tmp_path / "ecg.csv"
    assert main(["waveform", "ecg_ii", "--start", "ecmo_start", "--duration", "150s",
                 "--out", str(out)]) == 0
    course = Course.load()
    t, y = waveform(course, "ecg_ii", course.scenario.resolve("ecmo_start"), 150.0)
    rows = list(csv.reader(out.open()))[1:]
    assert len(rows) == len(t)  # three pieces of a minute, no gap and no overlap
    assert np.allclose([float(r[0]) for r in rows], t, atol=1e-4)
    assert [r[1] for r in rows] == ["" if v != v else f"{v:.4f}" for v in y.tolist()]


@pytest.mark.parametrize("seed", ["4294967296", "-1", "1e3", "99999999999999999999999"])
def test_seeds_outside_32_bits_are_refused_not_reduced(seed, one_error_line):
    p = run("info", "--seed", seed)
    assert p.returncode == 2
    assert "--seed" in one_error_line(p.stderr)


def test_largest_seed_works():
    assert run("info", "--seed", "4294967295").returncode == 0


def test_control_characters_in_arguments_are_escaped(one_error_line):
    p = run("trends", "--start", "x\x1b[31mred\nline", "--end", "ecmo_start", "--step", "1m",
            "--out", "/dev/null")
    assert p.returncode == 2
    line = one_error_line(p.stderr)
    assert "\x1b" not in line and "\\x1b[31mred\\nline" in line
