"""A headless run's alarm log holds the case's alarms: before ECMO, desaturation and low
pressure; after ECMO flow rises they clear (the latched Desat waits for acknowledgement);
a circuit injection raises its technical alarm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXE = Path(sys.executable).with_name("icu-dashboard")


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=180,
                          env=env)


def test_case_alarms_in_headless_log(tmp_path):
    log = tmp_path / "alarms.jsonl"
    p = run("--headless", "--start", "abg_pre_ecmo-5m", "--duration", "3h", "--speed", "600",
            "--alarm-log", str(log), "--screenshot", str(tmp_path / "s.png"))
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert all({"case_time", "wall_time", "event", "alarm_id", "priority", "message"} <= r.keys()
               for r in rows)
    first = {}
    for r in rows:
        first.setdefault((r["alarm_id"], r["event"]), r)
    # Before ECMO: desaturation (high) and low blood pressure, present from the start.
    desat = first[("spo2.low", "present")]
    assert desat["priority"] == "high" and desat["message"] == "Desat" and desat["value"] < 63
    assert ("abp_low", "present") in first  # one folded alarm for the pressures
    ecmo_start = 1008000 + 70 * 60
    # After ECMO flow rises the pressure alarm clears, and so does the Desat condition
    # (its alarm stays latched on screen until acknowledged: tests/gui/test_alarms_gui.py).
    map_events = [r for r in rows if r["alarm_id"] == "abp_low"]
    assert map_events[-1]["event"] == "clear" and map_events[-1]["case_time"] > ecmo_start
    assert first[("spo2.low", "clear")]["case_time"] > ecmo_start
    assert not any(r["event"] == "acknowledge" for r in rows)
    # The pump ramp at ECMO start briefly alarms low flow on the console.
    flow = first[("ecmo_flow.low", "raise")]
    assert ecmo_start <= flow["case_time"] <= ecmo_start + 180
    assert first[("ecmo_flow.low", "clear")]["case_time"] <= ecmo_start + 300
    # Case time only moves forward within one run.
    times = [r["case_time"] for r in rows]
    assert times == sorted(times)


def test_injected_circuit_event_in_headless_log(tmp_path):
    log = tmp_path / "alarms.jsonl"
    p = run("--headless", "--start", "ecmo_start+2d", "--duration", "4m",
            "--inject", "air_in_circuit@ecmo_start+2d1m", "--alarm-log", str(log),
            "--screenshot", str(tmp_path / "s.png"))
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    raised = {r["alarm_id"]: r for r in rows if r["event"] == "raise"}
    assert raised["air_in_circuit"]["priority"] == "high"
    assert raised["pump_stopped"]["case_time"] >= 1008000 + 70 * 60 + 2 * 86400 + 60
