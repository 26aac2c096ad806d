"""The ventilator as replay-data channels: numerics and the Paw / flow waveforms from the
equation of motion, I:E, and the team's settings from the command line (--control)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from case_support import case_course

from replay_data.cli import main
from replay_data.controls import control_perturbation
from replay_data.lung_mechanics import (
    default_resistance,
    inspiratory_time,
    pc_compliance,
    pc_tidal_volume,
)

COURSE = case_course()
T = int(COURSE.scenario.resolve("ecmo_start+1d"))  # on the ventilator, PC, rest settings
VENT = ["vt", "vt_per_kg", "ppeak", "pplat", "driving_pressure", "mv", "compliance"]


def csv_columns(path: Path) -> dict[str, np.ndarray]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    head, body = rows[0], rows[1:]
    return {h: np.array([float(r[i]) if r[i] else np.nan for r in body])
            for i, h in enumerate(head)}


def trends(tmp_path: Path, t: float, *extra: str) -> dict[str, float]:
    out = tmp_path / "trends.csv"
    assert main(["trends", "--start", str(t), "--end", str(t), "--step", "1",
                 "--channels", ",".join([*VENT, "peep", "rr"]), *extra,
                 "--out", str(out)]) == 0
    return {k: float(v[0]) for k, v in csv_columns(out).items()}


def airway(tmp_path: Path, t: float, seconds: int, *extra: str) -> dict[str, np.ndarray]:
    out = tmp_path / "paw.csv"
    assert main(["waveform", "--channels", "paw,flow", "--start", str(t),
                 "--duration", f"{seconds}s", *extra, "--out", str(out)]) == 0
    return csv_columns(out)


def test_the_ventilator_numerics_are_catalogue_channels_with_codes():
    cat = COURSE.catalogue
    for cid in VENT:
        ch = cat.numerics[cid]
        assert ch.derived == "ventilator" and ch.unit and ch.label
    assert cat.numerics["vt"].code == "MDC_VOL_AWAY_TIDAL"
    assert cat.numerics["ppeak"].code == "MDC_PRESS_AWAY_INSP_PEAK"
    assert cat.numerics["pplat"].code == "MDC_PRESS_RESP_PLAT"
    assert cat.numerics["mv"].code == "MDC_VOL_MINUTE_AWAY"
    assert cat.waveforms["paw"].unit == "cmH2O" and cat.waveforms["flow"].unit == "L/min"
    # Off the ventilator (on the ward, before intubation): no ventilator numbers.
    ward = COURSE.scenario.resolve("abg_pre_ecmo") - 86400 * 3
    got = COURSE.numerics(VENT, [ward])
    assert all(np.isnan(got[c][0]) for c in VENT)


def test_trends_print_the_vent_numerics_consistent_with_each_other(tmp_path):
    v = trends(tmp_path, T)
    assert v["ppeak"] >= v["pplat"] > v["peep"]
    assert v["driving_pressure"] == pytest.approx(v["pplat"] - v["peep"], abs=0.15)
    assert v["mv"] == pytest.approx(v["vt"] * v["rr"] / 1000, abs=0.02)
    # Per kg of the patient's predicted body weight: a woman of 170 cm, 61.5 kg (ARDSNet).
    assert v["vt_per_kg"] == pytest.approx(v["vt"] / 61.516, abs=0.02)
    assert v["compliance"] == pytest.approx(v["vt"] / v["driving_pressure"], rel=0.02)
    # The case's "rest" settings: ultra-protective, about 3 mL/kg (LIFEGARDS, Schmidt 2019).
    assert 3.0 < v["vt_per_kg"] < 5.0


@pytest.mark.parametrize("mode", ["PC", "AC"])
def test_paw_obeys_the_equation_of_motion_and_peaks_at_ppeak(tmp_path, mode):
    extra = ["--control", f"vent.rr=20@{T}", "--control", f"vent.pinsp=18@{T}"]
    if mode == "AC":
        extra += ["--control", f"vent.mode=1@{T}", "--control", f"vent.vt=400@{T}"]
    t0 = T + 30  # settings settled
    v = trends(tmp_path, t0, *extra)
    w = airway(tmp_path, t0, 12, *extra)
    paw, flow = w["paw"], w["flow"] / 60.0  # L/s
    c, peep = v["compliance"], v["peep"]
    # The volume the equation implies, V = C (P - PEEP - R flow), changes as the flow says
    # (dV/dt = flow) wherever the breath does not switch phase between two samples.
    vol = c * (paw - peep - default_resistance() * flow)  # mL
    dt = 1 / 50
    dv = np.diff(vol)
    integral = 0.5 * (flow[1:] + flow[:-1]) * dt * 1000.0
    smooth = np.abs(np.diff(flow)) < 0.2  # no inspiration/expiration switch
    assert smooth.sum() > 400
    np.testing.assert_allclose(dv[smooth], integral[smooth], atol=0.6)
    # Volume reaches Vt and returns towards FRC; pressure peaks at Ppeak, rests at PEEP.
    assert vol.max() == pytest.approx(v["vt"], rel=0.02)
    assert vol.min() > -1.0
    assert paw.max() == pytest.approx(v["ppeak"], abs=0.5)
    assert np.nanmin(paw) == pytest.approx(peep, abs=0.05)
    if mode == "PC":
        assert v["ppeak"] == peep + 18
    else:
        assert v["vt"] == pytest.approx(400)
        assert v["ppeak"] > v["pplat"] + 2  # resistive pressure of the set flow


def test_ie_changes_the_pc_tidal_volume_as_the_equation_says(tmp_path):
    base = ["--control", f"vent.rr=30@{T}", "--control", f"vent.pinsp=20@{T}"]
    # The lung's compliance, from the 1:2 breath: Vt = C Pinsp (1 - exp(-Ti / RC)).
    c = float(pc_compliance(trends(tmp_path, T + 10, *base)["vt"], 20.0,
                            inspiratory_time(30.0, 2.0)))
    got = {}
    for ie in (1.0, 2.0, 4.0):
        v = trends(tmp_path, T + 10, *base, "--control", f"vent.ie={ie:g}@{T + 5}")
        got[ie] = v["vt"]
        # Ti = 60 / rate / (1 + E); Vt = C Pinsp (1 - exp(-Ti / RC)).
        expect = pc_tidal_volume(20, 30, c, ie=ie)
        assert v["vt"] == pytest.approx(expect, abs=0.2)
        assert v["compliance"] == pytest.approx(c, abs=0.06)  # the lung did not change
    assert got[1.0] > got[2.0] > got[4.0]
    assert got[2.0] - got[4.0] > 20  # a real difference at 30/min


def test_the_waveform_and_numerics_follow_the_setting_in_time(tmp_path):
    """Before the I:E change the breath is 1:2, after it 1:4: inspiration is shorter."""
    extra = ["--control", f"vent.rr=20@{T}", "--control", f"vent.ie=4@{T + 20}"]
    w = airway(tmp_path, T + 5, 30, *extra)
    t, flow = w["t"], w["flow"]

    def insp_fraction(a, b):
        sel = (t >= a) & (t < b)
        return float((flow[sel] > 0).mean())
    assert insp_fraction(T + 5, T + 17) == pytest.approx(1 / 3, abs=0.03)
    assert insp_fraction(T + 23, T + 35) == pytest.approx(1 / 5, abs=0.03)


def test_control_option_errors_are_one_line_with_exit_2(tmp_path, capsys):
    out = tmp_path / "x.csv"
    window = ["trends", "--start", str(T), "--end", str(T + 60), "--step", "10"]
    for bad, message in [
        ("vent.ie=9", "must be within 1..4"),
        ("pump.rpm=3000", "unknown control 'pump.rpm'"),
        ("ecmo.rpm", "expected CONTROL=VALUE"),
        ("ecmo.rpm=fast", "'fast' is not a number"),
        (f"ecmo.rpm=3000@{T + 3600}", "after the end of the window"),
    ]:
        assert main([*window, "--control", bad, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
        assert not out.exists()
    assert main(["waveform", "--channels", "paw,ecg_ii", "--start", str(T), "--duration",
                 "2s", "--out", str(out)]) == 2
    assert "different sample rates" in capsys.readouterr().err


def test_scripted_pump_speed_from_the_command_line(tmp_path):
    """What-if with the team's hands: the pump turned down two hours into ECMO; the model
    answers as it does when a trainee turns the knob in a session."""
    t0 = COURSE.scenario.resolve("ecmo_start+2h")
    out = tmp_path / "what_if.csv"
    assert main(["trends", "--start", "ecmo_start+1h50m", "--end", "ecmo_start+2h30m",
                 "--step", "5m", "--channels", "ecmo_rpm,ecmo_flow,sao2",
                 "--control", "ecmo.rpm=2500@ecmo_start+2h", "--out", str(out)]) == 0
    got = csv_columns(out)
    before, after = got["t"] < t0, got["t"] >= t0 + 60
    assert np.all(got["ecmo_rpm"][after] == 2500)
    # The same as the console's control action at that time.
    p = control_perturbation(COURSE, "control.ecmo.rpm", 2500, t0, "knob")
    session = COURSE.with_perturbations([p])
    expect = session.true_inputs(["ecmo_flow"], got["t"][after])["ecmo_flow"]
    np.testing.assert_allclose(got["ecmo_flow"][after], expect, atol=0.002)
    assert got["ecmo_flow"][after].max() < got["ecmo_flow"][before].min()
    assert got["sao2"][-1] < got["sao2"][0]  # less flow through the oxygenator


def test_the_capnogram_breathes_with_the_ventilators_ie():
    """Inspiration (fresh gas, CO2 near 0) is as long on the capnogram as on the flow trace,
    at 1:2 and at 1:4."""
    from replay_data.waveforms import waveform

    for ie, insp in ((2.0, 1 / 3), (4.0, 1 / 5)):
        p = control_perturbation(COURSE, "control.vent.ie", ie, T, "ie")
        course = COURSE.with_perturbations([p])
        _, co2 = waveform(course, "co2", T + 10, 24)
        _, flow = waveform(course, "flow", T + 10, 24)
        assert (flow > 0).mean() == pytest.approx(insp, abs=0.02)
        assert (co2 < 0.5 * np.nanmax(co2)).mean() == pytest.approx(insp, abs=0.03)


def test_results_read_the_model_with_the_teams_settings(tmp_path):
    """A blood gas drawn after the sweep was turned down shows the CO2 it would."""
    def paco2(*extra: str) -> float:
        out = tmp_path / "r.csv"
        assert main(["results", "--start", "ecmo_start+1d", "--end", "ecmo_start+2d",
                     *extra, "--out", str(out)]) == 0
        rows = list(csv.reader(out.open()))
        return float(next(r for r in rows[1:] if r[2] == "paco2")[3])
    assert paco2("--control", "ecmo.sweep_flow=1@ecmo_start+1d") > paco2() + 10
