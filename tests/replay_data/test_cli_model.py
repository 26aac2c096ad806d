"""`replay-data` what-ifs on the model: --override, the blood-gas trend channels, the
results export and --out -."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replay_data.cli import main
from replay_data.course import Course
from replay_data.perturbations import override

REPLAY_DATA = Path(sys.executable).parent / "replay-data"
WINDOW = ["--start", "ecmo_start+1d", "--end", "ecmo_start+1d30m", "--step", "5m"]


def rows_of(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def column(header: list[str], rows: list[list[str]], name: str) -> np.ndarray:
    i = header.index(name)
    return np.array([float(r[i]) for r in rows])


def test_trends_lists_blood_gas_and_input_channels_by_default(capsys) -> None:
    assert main(["trends", *WINDOW, "--out", "-"]) == 0
    header, rows = rows_of(capsys.readouterr().out)
    for ch in ("sao2", "pao2", "paco2", "ph", "shunt_fraction", "cardiac_output", "vo2",
               "vco2", "hb", "recirculation", "ecmo_flow", "sweep_flow", "fdo2"):
        assert ch in header, ch
    assert len(rows) == 7


def test_override_answers_a_what_if(capsys, case_course: Course) -> None:
    channels = "spo2,sao2,pao2,paco2,svo2,ecmo_flow,cardiac_output"
    assert main(["trends", *WINDOW, "--channels", channels, "--out", "-"]) == 0
    header, base = rows_of(capsys.readouterr().out)
    assert main(["trends", *WINDOW, "--channels", channels, "--override", "ecmo_flow=2.0",
                 "--override", "cardiac_output=7@ecmo_start+1d10m", "--out", "-"]) == 0
    h2, what_if = rows_of(capsys.readouterr().out)
    assert h2 == header
    # Lower flow: saturations fall; the rows before the override are the course's own.
    assert column(header, what_if, "sao2")[0] == column(header, base, "sao2")[0]
    assert np.all(column(header, what_if, "sao2")[1:] < column(header, base, "sao2")[1:] - 5)
    assert np.all(column(header, what_if, "ecmo_flow") == 2.0)
    co = column(header, what_if, "cardiac_output")
    assert co[1] != 7.0 and np.all(co[2:] == 7.0)
    # The same numbers as the course with that override, to the printed precision.
    t0 = case_course.scenario.resolve("ecmo_start+1d")
    t1 = case_course.scenario.resolve("ecmo_start+1d30m")
    t_co = case_course.scenario.resolve("ecmo_start+1d10m")
    c = case_course.with_perturbations([override("ecmo_flow", 2.0, t0, 0.0),
                                        override("cardiac_output", 7.0, t_co, 0.0)])
    for name in ("sao2", "pao2", "paco2", "svo2"):
        assert column(header, what_if, name)[-1] == pytest.approx(
            c.numeric(name, np.array([t1]))[0], abs=0.06)


def test_override_of_an_output_holds_it(capsys) -> None:
    assert main(["trends", *WINDOW, "--channels", "spo2", "--override", "spo2=85",
                 "--out", "-"]) == 0
    header, rows = rows_of(capsys.readouterr().out)
    assert np.all(column(header, rows, "spo2") == 85)


@pytest.mark.parametrize("spec,words", [
    ("ecmo_flw=3", ("unknown channel 'ecmo_flw'",)),
    ("shunt_fraction=1.5", ("outside the physical range", "0 to 1")),
    ("hb=-2", ("outside the physical range",)),
    ("ecmo_flow=fast", ("not a number",)),
    ("ecmo_flow", ("CHANNEL=VALUE",)),
    ("ecmo_flow=3@ecmo_start+9d", ("outside the window",)),
    ("ecmo_flow=3@nowhere", ("unknown event",)),
    ("abp_mean=60", ("derived",)),
])
def test_bad_overrides_are_one_line_exit_2(tmp_path: Path, spec: str, words) -> None:
    out = tmp_path / "t.csv"
    proc = subprocess.run([str(REPLAY_DATA), "trends", *WINDOW, "--override", spec,
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "--override" in lines[0]
    for w in words:
        assert w in lines[0]
    assert not out.exists() and not list(tmp_path.iterdir())


def test_results_lists_draws_with_flags(tmp_path: Path, case_course: Course) -> None:
    out = tmp_path / "draws.csv"
    assert main(["results", "--start", "abg_pre_ecmo", "--end", "ecmo_start+2d",
                 "--out", str(out)]) == 0
    header, rows = rows_of(out.read_text(encoding="utf-8"))
    assert header == ["t", "time", "result", "value", "unit", "flag", "basis"]
    abg = {r[2]: r for r in rows if float(r[0]) == case_course.scenario.resolve("abg_pre_ecmo")}
    assert abg["pao2"][3] == "48" and abg["sao2"][3] == "73" and abg["ph"][3] == "7.22"
    assert abg["ph"][5] == "L" and abg["ph"][6] == "case"
    # ACT flagged against the band in force when drawn, not the lab normal (80-130).
    acts = [r for r in rows if r[2] == "act"]
    assert acts and all(r[5] != "H" or float(r[3]) > 160 for r in acts)
    times = [float(r[0]) for r in rows]
    assert times == sorted(times)


def test_results_during_a_disturbance_show_it(capsys) -> None:
    args = ["results", "--start", "ecmo_start+1d", "--end", "ecmo_start+1d12h", "--out", "-"]
    assert main(args) == 0
    _, base = rows_of(capsys.readouterr().out)
    assert main([*args, "--override", "sweep_flow=0"]) == 0
    _, off = rows_of(capsys.readouterr().out)
    paco2 = [float(r[3]) for r in base if r[2] == "paco2"]
    paco2_off = [float(r[3]) for r in off if r[2] == "paco2"]
    assert paco2 and all(b > a + 10 for a, b in zip(paco2, paco2_off))


def test_results_window_checks(capsys) -> None:
    assert main(["results", "--start", "ecmo_start+1d", "--end", "ecmo_start", "--out",
                 "-"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "before --start" in err[0]
