"""`replay-data` as a user runs it: info, trends and waveform exports, validation, help.

Most checks run in-process through replay_data.cli.main (fast); the installed executable
is run as a subprocess where the process boundary matters (exit code, stderr, traceback).
"""

from __future__ import annotations

import csv
import importlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replay_data.cli import main
from replay_data.course import Course
from replay_data.scenario import Scenario

REPLAY_DATA = Path(sys.executable).parent / "replay-data"
TRENDS_WINDOW = ["--start", "abg_pre_ecmo-10m", "--end", "ecmo_start+20m", "--step", "60"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert REPLAY_DATA.is_file(), f"{REPLAY_DATA} is not installed (pip install -e .)"
    return subprocess.run([str(REPLAY_DATA), *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def assert_nothing_written(folder: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# ------------------------------------------------------------------ info


def test_info_lists_events_channels_waveforms(case_scenario: Scenario, case_course: Course,
                                              capsys) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert case_scenario.title in out
    for section in ("Events", "Numeric channels", "Results", "Waveforms", "Injections"):
        assert f"\n{section}" in out
    events_part = out.split("\nEvents\n")[1].split("\n\n")[0]
    for e in case_scenario.events:
        line = next(ln for ln in events_part.splitlines() if f" {e.id} " in ln)
        assert f"{e.t:.0f} s" in line and f"[{e.provenance.basis}]" in line
    cat = case_course.catalogue
    channels_part = out.split("\nNumeric channels\n")[1].split("\n\n")[0]
    assert [ln.split()[0] for ln in channels_part.splitlines()] == list(cat.numerics)
    waveforms_part = out.split("\nWaveforms\n")[1].split("\n\n")[0]
    assert [ln.split()[0] for ln in waveforms_part.splitlines()] == list(cat.waveforms)
    assert {"ecg_ii", "pleth", "abp", "cvp", "co2"} <= set(cat.waveforms)


def test_info_subprocess(case_scenario: Scenario) -> None:
    proc = run("info")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "Day 12 17:10:00" in proc.stdout  # ECMO start on the monitor clock
    for e in case_scenario.events:
        assert f" {e.id} " in proc.stdout


# ------------------------------------------------------------------ trends


def test_trends_csv(tmp_path: Path, case_scenario: Scenario, case_course: Course) -> None:
    out = tmp_path / "trends.csv"
    assert main(["trends", *TRENDS_WINDOW, "--out", str(out)]) == 0
    header, rows = read_csv(out)
    channels = case_course.catalogue.displayed_numerics
    assert header == ["t", *channels]
    ev = case_scenario.event_times
    t0, t1 = ev["abg_pre_ecmo"] - 600, ev["ecmo_start"] + 1200
    expected_t = t0 + 60 * np.arange(int((t1 - t0) // 60) + 1)
    assert [row[0] for row in rows] == [str(int(t)) for t in expected_t]
    assert all(len(row) == len(header) for row in rows)
    # Values are the course's, to one digit beyond the monitor's precision; NaN is empty.
    truth = case_course.numerics(channels, expected_t)
    for j, ch in enumerate(channels, start=1):
        digits = case_course.catalogue.numerics[ch].precision + 1
        for i, row in enumerate(rows):
            v = truth[ch][i]
            if np.isnan(v):
                assert row[j] == "", (ch, row[0])
            else:
                assert row[j] == f"{v:.{digits}f}", (ch, row[0])
    abg_row = rows[list(expected_t).index(ev["abg_pre_ecmo"])]
    assert float(abg_row[header.index("fio2")]) == 100
    assert float(abg_row[header.index("peep")]) == 22
    assert abg_row[header.index("ecmo_flow")] == ""  # not on ECMO yet
    assert float(rows[-1][header.index("ecmo_flow")]) == pytest.approx(3.7, abs=0.2)


def test_trends_t_column_on_the_step_grid(tmp_path: Path, case_scenario: Scenario) -> None:
    out = tmp_path / "t.csv"
    assert main(["trends", "--start", "ecmo_start+0.5s", "--end", "ecmo_start+10s",
                 "--step", "2.5", "--channels", "hr", "--out", str(out)]) == 0
    _, rows = read_csv(out)
    t0 = case_scenario.event_times["ecmo_start"] + 0.5
    assert [float(r[0]) for r in rows] == [t0 + 2.5 * k for k in range(4)]
    assert rows[0][0] == f"{t0:.1f}"


def test_trends_selected_channels(tmp_path: Path) -> None:
    out = tmp_path / "some.csv"
    assert main(["trends", *TRENDS_WINDOW, "--channels", "spo2, hr,ecmo_flow",
                 "--out", str(out)]) == 0
    header, rows = read_csv(out)
    assert header == ["t", "spo2", "hr", "ecmo_flow"]
    assert len(rows) == 101  # 100 minutes, both ends included


def test_trends_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert main(["trends", *TRENDS_WINDOW, "--seed", "7", "--out", str(a)]) == 0
    assert main(["trends", *TRENDS_WINDOW, "--seed", "7", "--out", str(b)]) == 0
    assert main(["trends", *TRENDS_WINDOW, "--seed", "8", "--out", str(c)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    # Other seed, same case: the settings columns are the same.
    ha, ra = read_csv(a)
    _, rc = read_csv(c)
    for ch in ("fio2", "peep", "sweep_flow", "fdo2"):
        j = ha.index(ch)
        assert [r[j] for r in ra] == [r[j] for r in rc]


def test_trends_subprocess_matches_in_process(tmp_path: Path) -> None:
    inproc = tmp_path / "inproc.csv"
    assert main(["trends", *TRENDS_WINDOW, "--seed", "3", "--out", str(inproc)]) == 0
    proc = run("trends", *TRENDS_WINDOW, "--seed", "3", "--out", "sub.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "sub.csv").read_bytes() == inproc.read_bytes()


def test_trends_replaces_an_existing_file_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("previous export\n")
    assert main(["trends", *TRENDS_WINDOW, "--channels", "nope", "--out", str(out)]) == 2
    assert out.read_text() == "previous export\n"
    assert main(["trends", *TRENDS_WINDOW, "--channels", "hr", "--out", str(out)]) == 0
    assert out.read_text().startswith("t,hr\n")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


BAD_TRENDS = [
    pytest.param([*TRENDS_WINDOW, "--channels", "hr,heart_rate"], ["heart_rate"],
                 id="unknown-channel"),
    pytest.param([*TRENDS_WINDOW, "--channels", "hr,,spo2"], ["unknown channel ''"],
                 id="empty-channel"),
    pytest.param(["--start", "ecmo_start", "--end", "abg_pre_ecmo", "--step", "60"],
                 ["--end abg_pre_ecmo", "before --start"], id="end-before-start"),
    pytest.param(["--start", "ecmo_start", "--end", "extubation+1d", "--step", "60"],
                 ["--end extubation+1d", "outside the scenario"], id="end-outside"),
    pytest.param(["--start", "-60", "--end", "ecmo_start", "--step", "60"],
                 ["--start -60", "outside the scenario"], id="start-outside"),
    pytest.param(["--start", "ecmo_strat", "--end", "ecmo_end", "--step", "60"],
                 ["--start ecmo_strat", "unknown event 'ecmo_strat'"], id="unknown-event"),
    pytest.param(["--start", "ecmo_start", "--end", "ecmo_end", "--step", "1x"],
                 ["--step 1x"], id="bad-step"),
    pytest.param(["--start", "ecmo_start", "--end", "ecmo_end", "--step", "0"],
                 ["--step 0", "longer than 0 s"], id="zero-step"),
    pytest.param(["--start", "admission", "--end", "extubation", "--step", "0.1"],
                 ["--step 0.1", "million rows"], id="too-many-rows"),
    pytest.param(["--start", "ecmo_start", "--end", "ecmo_end"], ["--step"],
                 id="missing-step"),
    pytest.param([*TRENDS_WINDOW, "--seed", "abc"], ["--seed", "'abc'"], id="bad-seed"),
    pytest.param([*TRENDS_WINDOW, "--scenario", "no_such_case"], ["no_such_case"],
                 id="unknown-scenario"),
]


@pytest.mark.parametrize(("args", "words"), BAD_TRENDS)
def test_trends_bad_input(tmp_path: Path, capsys, one_error_line, args: list[str],
                          words: list[str]) -> None:
    out = tmp_path / "out.csv"
    assert main(["trends", *args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert line.startswith("replay-data: error: ")
    for word in words:
        assert word in line
    assert captured.out == ""
    assert_nothing_written(tmp_path, out)


@pytest.mark.parametrize(("args", "words"), BAD_TRENDS[:6])
def test_trends_bad_input_subprocess(tmp_path: Path, one_error_line, args: list[str],
                                     words: list[str]) -> None:
    proc = run("trends", *args, "--out", "out.csv", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    for word in words:
        assert word in line
    assert_nothing_written(tmp_path, tmp_path / "out.csv")


def test_trends_into_missing_folder(tmp_path: Path, capsys, one_error_line) -> None:
    out = tmp_path / "no" / "such" / "dir.csv"
    assert main(["trends", *TRENDS_WINDOW, "--out", str(out)]) == 2
    assert "does not exist" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "no").exists()


def test_trends_onto_a_folder(tmp_path: Path, capsys, one_error_line) -> None:
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert main(["trends", *TRENDS_WINDOW, "--out", str(folder)]) == 2
    one_error_line(capsys.readouterr().err)
    assert folder.is_dir() and not list(folder.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


# ------------------------------------------------------------------ usage and help


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["info", "--bogus"],
                                  ["trends", "--start", "0"], ["validate"],
                                  ["info", "a\nb"]])
def test_usage_errors_are_one_line(argv: list[str], capsys, one_error_line) -> None:
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("replay-data: error: ")


@pytest.mark.parametrize("command", [[], ["info"], ["trends"], ["waveform"], ["validate"]])
def test_help(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: replay-data")
    if command in (["trends"], ["waveform"]):
        assert "<event>+<dur>" in out  # the time syntax is explained where times are asked
        assert "--start" in out


@pytest.mark.parametrize("command", [[], ["info"], ["trends"], ["waveform"], ["validate"]])
def test_help_subprocess(command: list[str]) -> None:
    proc = run(*command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: replay-data")
    assert proc.stderr == ""


def test_validate_builtin_file_subprocess() -> None:
    path = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
    proc = run("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: OK (")


# ------------------------------------------------------------------ waveform export


def _waveforms_available() -> bool:
    try:
        importlib.import_module("replay_data.waveforms")
    except ImportError:
        return False
    return True


needs_waveforms = pytest.mark.skipif(not _waveforms_available(),
                                     reason="replay_data.waveforms cannot be imported yet")


@needs_waveforms
def test_waveform_csv(tmp_path: Path, case_scenario: Scenario, case_course: Course) -> None:
    out = tmp_path / "pleth.csv"
    assert main(["waveform", "pleth", "--start", "ecmo_start+1h", "--duration", "10s",
                 "--out", str(out)]) == 0
    header, rows = read_csv(out)
    assert header == ["t", "pleth"]
    rate = case_course.catalogue.waveforms["pleth"].rate
    t = np.array([float(r[0]) for r in rows])
    t0 = case_scenario.event_times["ecmo_start"] + 3600
    assert t0 <= t[0] < t0 + 1 / rate and t[-1] < t0 + 10
    assert len(rows) == pytest.approx(10 * rate, abs=1)
    assert np.allclose(np.diff(t), 1 / rate, rtol=0, atol=1e-3)
    y = np.array([float(r[1]) for r in rows])
    assert np.all(np.isfinite(y)) and np.ptp(y) > 0  # a pulse, not a flat line


@needs_waveforms
def test_waveform_same_seed_same_bytes(tmp_path: Path) -> None:
    args = ["waveform", "ecg_ii", "--start", "abg_pre_ecmo", "--duration", "5s"]
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert main([*args, "--seed", "4", "--out", str(a)]) == 0
    assert main([*args, "--seed", "4", "--out", str(b)]) == 0
    assert main([*args, "--seed", "5", "--out", str(c)]) == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


@needs_waveforms
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["pleth", "--start", "extubation+11h59m", "--duration", "5m"], ["runs past the end"]),
        (["pleth", "--start", "ecmo_start", "--duration", "0"], ["--duration 0"]),
        (["pleth", "--start", "ecmo_start", "--duration", "7h"], ["--duration 7h"]),
        (["heartbeat", "--start", "ecmo_start", "--duration", "5s"], ["heartbeat"]),
        (["pleth", "--start", "nowhere", "--duration", "5s"], ["--start nowhere"]),
    ],
)
def test_waveform_bad_input(tmp_path: Path, capsys, one_error_line, args: list[str],
                            words: list[str]) -> None:
    out = tmp_path / "w.csv"
    assert main(["waveform", *args, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    for word in words:
        assert word in line
    assert_nothing_written(tmp_path, out)


@needs_waveforms
def test_waveform_subprocess(tmp_path: Path, one_error_line) -> None:
    proc = run("waveform", "co2", "--start", "ecmo_start+2h", "--duration", "8s",
               "--out", "co2.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "co2.csv").read_text().startswith("t,co2\n")
    proc = run("waveform", "co2", "--start", "ecmo_start", "--duration", "-1s",
               "--out", "bad.csv", cwd=tmp_path)
    assert proc.returncode == 2
    one_error_line(proc.stderr)
    assert_nothing_written(tmp_path, tmp_path / "bad.csv")
