"""Shared inputs for the alarm tests (no tests here): profiles, a calm ECMO patient,
a sample feeder. Imported by the other test_alarm_* modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard.alarms import AlarmChange, AlarmEngine, load_profile

ADULT = load_profile("adult_icu")
ECMO = load_profile("sle_dah_ecmo")

# A patient on VV-ECMO with every value inside the sle_dah_ecmo limits.
CALM: dict[str, float] = {
    "hr": 90.0, "spo2": 95.0, "abp_sys": 120.0, "abp_dia": 65.0, "abp_mean": 80.0,
    "cvp": 8.0, "rr": 10.0, "etco2": 15.0, "temp": 37.0, "fio2": 40.0, "peep": 10.0,
    "ecmo_rpm": 3200.0, "ecmo_flow": 3.7, "sweep_flow": 3.6, "fdo2": 100.0,
    "p_venous": -60.0, "p_int": 200.0, "p_art": 178.0, "delta_p": 22.0, "svo2": 70.0,
    "po2_post": 500.0, "heparin_rate": 1000.0, "norepinephrine_rate": 0.0,
    "act": 150.0, "act_target_low": 140.0, "act_target_high": 160.0,
}  # fmt: skip


def feed(
    engine: AlarmEngine,
    t0: float,
    t1: float,
    changes: Mapping[str, float] | None = None,
    flags: Iterable[str] = (),
    dt: float = 1.0,
) -> list[AlarmChange]:
    """Feed CALM (with `changes` applied) at t0, t0+dt, ... < t1; return all changes."""
    values = {**CALM, **(changes or {})}
    out: list[AlarmChange] = []
    n = int(round((t1 - t0) / dt))
    for i in range(n):
        out += engine.update(t0 + i * dt, values, frozenset(flags))
    return out


def events(changes: Iterable[AlarmChange], *kinds: str) -> list[tuple[float, str, str | None]]:
    return [(c.case_time, c.event, c.alarm_id) for c in changes if not kinds or c.event in kinds]
