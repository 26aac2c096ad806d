"""Long session recordings for the debrief benchmark (bench_debrief.py --long).

Each builder writes a session file through the real SessionRecorder (so every line is
what the app writes), on a fake wall clock that runs with case time at 1x:

    notes       N instructor notes, one every 2 case seconds (the sweep: 20,000 and 200,000)
    snapshots   N snapshot lines of four channels, one every case second, values from the
                course itself (the sweep: 1,000,000)
    effects     one override with N small effects on four channels (the sweep: 10,000)
    injections  N injections, each acknowledged, noted and stopped, with the alarms
                (raise, acknowledge, clear) the recorder would write (the sweep: 2,000)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dashboard.alarms import AlarmChange, Priority
from dashboard.recording import SessionRecorder
from replay_data.course import Course
from replay_data.perturbations import Effect, Perturbation, injection
from replay_data.scenario import load_scenario

SCENARIO = "sle_dah_ecmo"
EPOCH = 1_780_000_000.0  # the recordings' wall clock at case time T0


@dataclass
class _Clock:
    """Wall time = EPOCH + (case time - T0): the session played at 1x throughout."""
    t0: float
    t: float = 0.0

    def __call__(self) -> float:
        return EPOCH + (self.t - self.t0)


def _recorder(path: Path) -> tuple[SessionRecorder, _Clock, float]:
    sc = load_scenario(SCENARIO)
    t0 = sc.resolve("ecmo_start+1d")
    clock = _Clock(t0, t0)
    rec = SessionRecorder(path, wall_clock=clock)
    rec.start(scenario=SCENARIO, scenario_id=sc.id, seed=0, start=t0, speed=1.0)
    rec.instructor(t0, "begin", display="console", participants="A, B")
    return rec, clock, t0


def _end(rec: SessionRecorder, clock: _Clock, t: float) -> None:
    clock.t = t
    rec.instructor(t, "end", display="console")
    rec.close()


def notes(path: Path, n: int) -> Path:
    rec, clock, t0 = _recorder(path)
    rec.instructor(t0, "play", display="console")
    t = t0
    for i in range(n):
        t = clock.t = t0 + 2.0 * (i + 1)
        rec.instructor(t, "note", display="console", text=f"note {i}: team checks the circuit",
                       bookmark=i % 10 == 0)
    _end(rec, clock, t + 2.0)
    return path


class _Snap:
    __slots__ = ("flags", "t", "values")

    def __init__(self, t: float, values: dict[str, float], flags: frozenset[str]) -> None:
        self.t, self.values, self.flags = t, values, flags


SNAPSHOT_CHANNELS = ("hr", "spo2", "abp_sys", "ecmo_flow")


def snapshots(path: Path, n: int) -> Path:
    """Snapshots of four channels (a whole one is ~1.5 kB: a million of them would pass the
    session size limit, and be refused at once); the course's other channels count as
    mismatches, which the report states."""
    rec, clock, t0 = _recorder(path)
    rec.instructor(t0, "play", display="console")
    course = Course(load_scenario(SCENARIO), 0)
    chunk = 100_000
    t = t0
    for lo in range(0, n, chunk):
        times = t0 + np.arange(lo, min(n, lo + chunk), dtype=np.float64) + 1.0
        values = course.numerics(SNAPSHOT_CHANNELS, times)
        cols = [(k, values[k].tolist()) for k in SNAPSHOT_CHANNELS]
        for j, t in enumerate(times.tolist()):
            clock.t = t
            rec.snapshot(_Snap(t, {k: c[j] for k, c in cols}, frozenset()))
    _end(rec, clock, t)
    return path


def effects(path: Path, n: int) -> Path:
    rec, clock, t0 = _recorder(path)
    rec.instructor(t0, "play", display="console")
    channels = ("ecmo_flow", "sweep_flow", "fio2", "peep")
    start = clock.t = t0 + 60.0
    effs = tuple(Effect(channels[i % len(channels)], add=0.0001 * ((i % 7) - 3),
                        onset=float(i % 50)) for i in range(n))
    p = Perturbation(id="drift-1", kind="override", name="ecmo_flow", start=start,
                     duration=600.0, severity=1.0, onset=10.0, offset=10.0, flags=(),
                     effects=effs)
    rec.perturbation(start, p, display="console", role="instructor")
    _end(rec, clock, start + 900.0)
    return path


def injections(path: Path, n: int) -> Path:
    rec, clock, t0 = _recorder(path)
    sc = load_scenario(SCENARIO)
    rec.instructor(t0, "play", display="console")
    names = ("hypotension", "pump_stop", "spo2_probe_off", "sweep_gas_failure")
    t = t0
    for i in range(n):
        t = clock.t = t0 + 30.0 * i + 5.0
        p = injection(sc, names[i % len(names)], t, duration=None, pid=f"inj-{i}")
        rec.perturbation(t, p, display="console", role="instructor")
        aid = f"alarm_{i % 5}"
        change = AlarmChange(case_time=t + 2, event="raise", alarm_id="pump_stopped",
                             channel="ecmo_flow", value=0.0, limit=2.0,
                             priority=Priority.HIGH, message="ECMO pump stopped")
        clock.t = t + 2
        rec.write(change)
        clock.t = t + 6
        rec.trainee(t + 6, "acknowledge", display="bed-1", alarm_id="pump_stopped")
        rec.write(AlarmChange(case_time=t + 6, event="acknowledge", alarm_id="pump_stopped",
                              channel="ecmo_flow", value=0.0, limit=2.0,
                              priority=Priority.HIGH, message="ECMO pump stopped"))
        rec.instructor(t + 6, "note", display="console", text=f"{aid} seen")
        clock.t = t + 20
        rec.perturbation_stopped(t + 20, p.id, display="console", role="instructor")
        clock.t = t + 22
        rec.write(AlarmChange(case_time=t + 22, event="clear", alarm_id="pump_stopped",
                              channel="ecmo_flow", value=3.5, limit=2.0,
                              priority=Priority.HIGH, message="ECMO pump stopped"))
    _end(rec, clock, t + 30.0)
    return path


BUILDERS: dict[str, tuple[Callable[[Path, int], Path], int]] = {
    "notes": (notes, 20_000),
    "notes200k": (notes, 200_000),
    "snapshots": (snapshots, 1_000_000),
    "effects": (effects, 10_000),
    "injections": (injections, 2_000),
}
