"""The bedside team's hands on the ECMO console and the ventilator, as data.

A trainee turning a knob produces a *control* perturbation: from that case time on it
sets the console's setting channels (`control.ecmo.rpm`, ... hidden step channels of the
catalogue) and the model inputs that the whole console state implies (blood flow, pump
speed, drainage resistance, sweep, FdO2; FiO2, PEEP, rate, tidal volume). Each control
perturbation restates its whole console, so the latest one has the last word over the
scenario, the instructor's injections before it and the team's earlier settings. Values
therefore stay a pure function of (scenario, perturbations, seed, t): replays and seeks
need nothing else.

Circuit: the scenario's own ([circuit.pump], replay_data.scenario_data.Pump: its curve
fitted by a straight line, the linear pressure-flow region of a centrifugal pump against
a fixed circuit, and the flow the drainage cannula gives before the vein collapses):

    Q_pump = max(0, (rpm - zero_flow_rpm) x lpm_per_rpm)
    Q      = 0 with either line clamped, else min(Q_pump, drainage_limit_lpm)

Above the drainage limit the vein collapses onto the cannula: the drainage resistance
rises with the excess (P venous falls, replay_data.physiology.circuit) and the flow
chatters. The hand crank turns the pump head at the cranking rate, bypassing the motor.
While air is in the circuit (an `air_in_circuit` injection) no setting gives flow until the
team has clamped both lines since the air appeared (clamp, de-air, then unclamp and
restart); the bubble detector's flag (and its alarm) ends at that de-airing too, even if
the injection runs on (bubble_flags).

An emergency lasts until stopped (an all-or-nothing one: pump stop, air, power loss) or
its duration: what ends it is data, the injection's `ended_by` conditions (a pump stop:
any setting of the team's that gives blood flow; a sweep gas failure: the sweep set
again). The team's first setting after it began that meets one ends it (team_ended), so
its other effects (the heart rate's rise) wear off from there, or the instructor stops
it. Perturbations act in the order they begin: a setting
made before a scheduled emergency does not undo it.

A scenario without a [circuit] has no ECMO console: its ECMO settings are NaN and an ECMO
setting is refused.

Ventilator: the settings are replay_data.vent_settings (the team's, else the scenario's),
the lung replay_data.lung (a single compartment whose compliance and resistance are the
`lung_compliance` and `airway_resistance` inputs). In pressure control a new setting
records the tidal volume of the lung as it is then (lung.setting_lung); in assist
control Vt is set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import care, lung
from .errors import ReplayDataError
from .keyframes import interpolate
from .lung_mechanics import pc_tidal_volume
from .perturbations import Perturbation, active_flags_each
from .scenario import Effect, EndCondition, Pump
from .vent_settings import vent_settings

__all__ = [
    "AIR_FLAG", "CONSOLES", "CONTROLS", "ECMO", "VENT", "ControlSpec", "EcmoOutcome",
    "air_cleared_at", "air_not_cleared", "bubble_flags", "control_perturbation",
    "ecmo_outcome", "ended_at", "lung_compliance", "pc_tidal_volume", "pump_flow",
    "rpm_for_flow", "settings_at", "team_ended", "vent_settings",
]

ECMO, VENT = "ecmo", "vent"
CONSOLES = (ECMO, VENT)


@dataclass(frozen=True)
class ControlSpec:
    id: str
    console: str
    label: str
    unit: str
    low: float
    high: float
    step: float


def _spec(cid: str, label: str, unit: str, low: float, high: float, step: float) -> ControlSpec:
    return ControlSpec(cid, cid.split(".")[1], label, unit, low, high, step)


CONTROLS: dict[str, ControlSpec] = {s.id: s for s in (
    _spec("control.ecmo.rpm", "Pump speed", "rpm", 0, 5000, 100),
    _spec("control.ecmo.pump", "Pump on", "", 0, 1, 1),
    _spec("control.ecmo.clamp_drainage", "Drainage clamp", "", 0, 1, 1),
    _spec("control.ecmo.clamp_return", "Return clamp", "", 0, 1, 1),
    _spec("control.ecmo.hand_crank", "Hand crank", "rpm", 0, 4000, 100),
    _spec("control.ecmo.sweep_flow", "Sweep gas", "L/min", 0, 12, 0.5),
    _spec("control.ecmo.fdo2", "FdO2", "%", 21, 100, 5),
    _spec("control.ecmo.heater", "Heater-cooler on", "", 0, 1, 1),
    _spec("control.ecmo.heater_temp", "Heater set", "°C", 33, 39, 0.5),
    _spec("control.vent.mode", "Mode (0 PC, 1 AC)", "", 0, 1, 1),
    _spec("control.vent.fio2", "FiO2", "%", 21, 100, 5),
    _spec("control.vent.peep", "PEEP", "cmH2O", 0, 25, 1),
    _spec("control.vent.pinsp", "Pinsp", "cmH2O", 5, 45, 1),
    _spec("control.vent.vt", "Vt", "mL", 150, 800, 10),
    _spec("control.vent.rr", "Rate", "/min", 4, 40, 1),
    # I:E as the E part of 1:E (1:1 .. 1:4); inverse ratios are not offered.
    _spec("control.vent.ie", "I:E (1:x)", "", 1, 4, 0.5),
    # The team's hands at the bedside, logged from the instructor console on the team's
    # behalf (replay_data.care).
    *(_spec(c.id, c.label, c.unit, c.low, c.high, c.step) for c in care.CARE_SPECS),
)}

# How the circuit misbehaves beyond the drainage limit (assumed, any circuit).
SUCTION_PER_LPM = 2.5  # rise of the drainage resistance factor per L/min asked beyond it
CHATTER_AMPLITUDE, CHATTER_PERIOD = 0.35, 1.2
FLOW_ONSET_S = 0.3  # a centrifugal pump follows its speed within a few hundred ms
ECMO_CONTROLS = tuple(k for k, spec in CONTROLS.items() if spec.console == ECMO)
# The heater-cooler (assumed figures): with it off (or failed) the blood and the patient
# cool through the circuit's tubing and membrane by HEATER_OFF_DROP_C over
# HEATER_OFF_ONSET_S (a smooth ramp: about 0.5 C in the first 30 min, 1.5 C in the first
# hour, 1.5 C/h on average); switched on it brings them to its set temperature at
# HEATER_DRIFT_C_PER_H, within at least HEATER_MIN_ONSET_S.
HEATER, HEATER_TEMP = "control.ecmo.heater", "control.ecmo.heater_temp"
HEATER_OFF_DROP_C, HEATER_OFF_ONSET_S = 3.0, 2 * 3600.0
HEATER_DRIFT_C_PER_H = 1.5
HEATER_MIN_ONSET_S = 600.0


def pump_flow(pump: Pump, rpm: float) -> float:
    """L/min the scenario's pump gives at `rpm` (before the drainage limit)."""
    return pump.flow(rpm)


def rpm_for_flow(pump: Pump, flow: float) -> float:
    return pump.rpm_for(flow)


@dataclass(frozen=True)
class EcmoOutcome:
    flow: float
    spin: float  # pump head rpm
    drainage_resistance: float
    chatter: bool


def ecmo_outcome(s: dict[str, float], pump: Pump) -> EcmoOutcome:
    """Blood flow from the console settings on the scenario's pump (module docstring)."""
    if s["control.ecmo.hand_crank"] > 0:
        spin = s["control.ecmo.hand_crank"]
    elif s["control.ecmo.pump"] >= 0.5:
        spin = s["control.ecmo.rpm"]
    else:
        spin = 0.0
    asked = pump.flow(spin)
    if s["control.ecmo.clamp_drainage"] >= 0.5 or s["control.ecmo.clamp_return"] >= 0.5:
        return EcmoOutcome(0.0, spin, 1.0, False)
    limit = pump.drainage_limit_lpm
    excess = max(0.0, asked - limit)
    return EcmoOutcome(min(asked, limit), spin, 1.0 + SUCTION_PER_LPM * excess, excess > 0)


def settings_at(course, t: float) -> dict[str, float]:
    """Every control's setting at case time t: the team's last one, else what the
    scenario's course implies (its pump speed, sweep, ventilator). Without a [circuit]
    the ECMO settings are NaN (no console to set)."""
    tt = np.array([float(t)])
    ids = list(CONTROLS)
    # Each control perturbation restates its whole console: the latest one begun by t.
    got = {k: math.nan for k in ids}
    for p in course.perturbation_index.controls:
        if p.start <= t:
            got.update({e.channel: float(e.set) for e in p.effects if e.channel in got})
    # Defaults from the course without the team's settings (the injections stay: a
    # stopped pump shows stopped until someone acts).
    base = {k: float(v[0]) for k, v in course.true_inputs(
        ("ecmo_rpm", "ecmo_flow", "sweep_flow", "fdo2", "fio2", "peep", "rr",
         "tidal_volume"), tt).items()}

    def nz(x: float, d: float) -> float:
        return d if math.isnan(x) else x

    defaults = {
        **_ecmo_defaults(course, tt, base),
        "control.vent.fio2": nz(base["fio2"], 21.0),
        "control.vent.peep": nz(base["peep"], 5.0),
        **{k: float(v[0]) for k, v in vent_settings(course, tt).items()},
        **{c.id: 0.0 for c in care.CARE_SPECS},
    }
    # The volume a switch to volume control keeps: the lung's now (replay_data.lung).
    defaults["control.vent.vt"] = nz(base["tidal_volume"], defaults["control.vent.vt"])
    out = {k: nz(got[k], defaults[k]) for k in ids}
    if course.scenario.circuit is None:
        out.update({k: math.nan for k in ECMO_CONTROLS})
    return out


def _ecmo_defaults(course, tt: np.ndarray, base: dict[str, float]) -> dict[str, float]:
    """The ECMO console as the scenario's course has it (NaN without a circuit)."""
    circuit = course.scenario.circuit
    if circuit is None:
        return {k: math.nan for k in ECMO_CONTROLS}
    kf = course.scenario.numeric_keyframes.get("ecmo_rpm")
    scen_rpm = math.nan if kf is None else float(interpolate(
        kf, tt, course.catalogue.numerics["ecmo_rpm"].interpolation)[0])

    def nz(x: float, d: float) -> float:
        return d if math.isnan(x) else x

    # A line an injection has clamped shows clamped on the console, and stays so in the
    # team's settings until someone opens it: the emergency ends when the team finds the
    # clamp, not with any knob that happens to be turned.
    flags = course.perturbation_index.flags(tt)

    def clamp(line: str) -> float:
        on = flags.get(f"{line}_clamped")
        return 1.0 if on is not None and bool(on[0]) else 0.0

    return {
        "control.ecmo.rpm": nz(scen_rpm, circuit.pump.rpm_for(nz(base["ecmo_flow"], 0.0))),
        "control.ecmo.pump": 0.0 if nz(base["ecmo_rpm"], 0.0) <= 0 else 1.0,
        "control.ecmo.clamp_drainage": clamp("drainage"),
        "control.ecmo.clamp_return": clamp("return"),
        "control.ecmo.hand_crank": 0.0,
        "control.ecmo.sweep_flow": nz(base["sweep_flow"], 0.0),
        "control.ecmo.fdo2": nz(base["fdo2"], 100.0),
        HEATER: 1.0, HEATER_TEMP: 37.0,
    }


AIR_FLAG = "air_in_circuit"


def _both_clamped(x: dict[str, float]) -> bool:
    return (x.get("control.ecmo.clamp_drainage", 0.0) >= 0.5
            and x.get("control.ecmo.clamp_return", 0.0) >= 0.5)


def air_cleared_at(course, air: Perturbation) -> float:
    """When the team de-aired the circuit after `air` appeared: the first setting made at
    or after the air's start with both lines clamped (inf: not yet). A pure function of
    the perturbations, so seeking and playing agree."""
    times = [p.start for p in course.perturbation_index.controls
             if p.start >= air.start
             and _both_clamped({e.channel: float(e.set) for e in p.effects})]
    return min(times, default=math.inf)


def air_not_cleared(course, t: float, s: dict[str, float]) -> bool:
    """Air detected at t and not yet cleared: no setting since it appeared (this one
    included, `s`) had both lines clamped."""
    air = [p for p in course.perturbation_index.with_flag(AIR_FLAG) if p.active_at(t)
           and p.start <= t < p.end]
    if not air or _both_clamped(s):
        return False
    return any(t < air_cleared_at(course, p) for p in air)


def bubble_flags(course, t: np.ndarray) -> np.ndarray:
    """The bubble detector's flag at times t: while an `air_in_circuit` injection is on
    and the team has not yet de-aired since it appeared (air_not_cleared)."""
    on = np.zeros(t.shape, bool)
    for p in course.perturbation_index.with_flag(AIR_FLAG):
        mine = active_flags_each(t, (p,))[AIR_FLAG]
        on |= mine & (t < air_cleared_at(course, p))
    return on


def _meets(cond: EndCondition, setting: Perturbation) -> bool:
    """Whether one of the team's settings meets an `ended_by` condition: their setting of
    that control, or (an input condition) the state the setting gives (its effects)."""
    if cond.on_control and setting.name != cond.channel:
        return False
    value = next((e.set for e in setting.effects if e.channel == cond.channel), None)
    return value is not None and cond.met(float(value))


def ended_at(p: Perturbation, conditions: tuple[EndCondition, ...],
             controls: tuple[Perturbation, ...]) -> float:
    """When the team's hands ended emergency `p`: the first of their settings made at or
    after its start that meets one of its `ended_by` conditions (a pump stop: one that
    gives flow -- the pump restarted or cranked, the lines open; with air, only once
    de-aired: control_perturbation). inf: not yet (or nothing of theirs ends it)."""
    if not conditions:
        return math.inf
    times = [c.start for c in controls
             if c.start >= p.start and any(_meets(k, c) for k in conditions)]
    return min(times, default=math.inf)


def team_ended(perturbations: tuple[Perturbation, ...],
               ended_by: Mapping[str, tuple[EndCondition, ...]]) -> tuple[Perturbation, ...]:
    """The perturbations as they act: each injection with `ended_by` conditions (by
    injection id; the scenario's InjectionSpec.ended_by) ended where the team met one
    (if before its own end), all layered in the order they begin (stable: same start,
    list order), so a setting made before an emergency does not undo it and one made
    after has the last word. A pure function of the list (and the scenario's data)."""
    controls = tuple(p for p in perturbations if p.kind == "control")
    out = []
    for p in perturbations:
        conditions = ended_by.get(p.name, ()) if p.kind == "injection" else ()
        if conditions:
            t = ended_at(p, conditions, controls)
            if t < p.end:
                p = p.stopped_at(t)
        out.append(p)
    return tuple(sorted(out, key=lambda p: p.start))


def heater_effect(course, t: float, s: dict[str, float]) -> Effect:
    """What switching the heater-cooler or changing its set temperature does to the
    patient's temperature from t (only the setting that changed it carries this, so a
    restated console does not restart the drift)."""
    if s[HEATER] < 0.5:
        return Effect(channel="temp", add=-HEATER_OFF_DROP_C, onset=HEATER_OFF_ONSET_S)
    now = float(course.true_inputs(("temp",), np.array([float(t)]))["temp"][0])
    gap = abs(s[HEATER_TEMP] - now) if math.isfinite(now) else 0.0
    return Effect(channel="temp", set=s[HEATER_TEMP],
                  onset=max(HEATER_MIN_ONSET_S, 3600.0 * gap / HEATER_DRIFT_C_PER_H))


def lung_compliance(course, t: float) -> float:
    """The lung's compliance at t as the ventilator sees it (replay_data.lung.compliance:
    the `lung_compliance` input in volume mode, else what the pressure-controlled breath
    implies)."""
    return lung.compliance(course, t)


def control_perturbation(course, control: str, value: float, t: float,
                         pid: str) -> Perturbation:
    """The perturbation a trainee's setting makes at case time t (ReplayDataError if the
    control or value is unknown, or the console has nothing to act on then)."""
    spec = CONTROLS.get(control)
    if spec is None:
        raise ReplayDataError(f"unknown control {control!r} (known: {', '.join(CONTROLS)})")
    if not spec.low <= value <= spec.high:
        raise ReplayDataError(f"{control} {value:g} must be within {spec.low:g}..{spec.high:g}")
    if spec.step == 1 and spec.high == 1:
        value = 1.0 if value >= 0.5 else 0.0
    if spec.console == care.CARE:
        # An action, not a console's state: only its own setting, and what it does.
        return care.care_perturbation(course, control, float(value), t, pid)
    tt = np.array([float(t)])
    s = settings_at(course, t)
    s[control] = float(value)
    mine = [k for k in CONTROLS if CONTROLS[k].console == spec.console]
    effects = [Effect(channel=k, set=s[k]) for k in mine]
    if spec.console == ECMO:
        circuit = course.scenario.circuit
        if circuit is None:
            raise ReplayDataError("this scenario has no ECMO circuit: nothing to control")
        if np.isnan(course.true_inputs(("ecmo_flow",), tt)["ecmo_flow"][0]):
            raise ReplayDataError("no ECMO circuit at this time: nothing to control")
        o = ecmo_outcome(s, circuit.pump)
        if o.flow > 0 and air_not_cleared(course, t, s):
            # Air in the circuit: the bubble detector holds the pump until the team has
            # clamped both lines (and de-aired) since the air appeared.
            o = EcmoOutcome(0.0, 0.0, 1.0, False)
        effects += [
            # Chatter: the flow swings below what the cannula gives as the vein collapses.
            Effect(channel="ecmo_flow", set=o.flow - (CHATTER_AMPLITUDE if o.chatter else 0.0),
                   onset=FLOW_ONSET_S,
                   oscillate=-CHATTER_AMPLITUDE if o.chatter else 0.0,
                   period=CHATTER_PERIOD),
            Effect(channel="ecmo_rpm", set=o.spin, onset=FLOW_ONSET_S),
            Effect(channel="drainage_resistance", set=o.drainage_resistance,
                   onset=FLOW_ONSET_S),
            Effect(channel="sweep_flow", set=s["control.ecmo.sweep_flow"]),
            Effect(channel="fdo2", set=s["control.ecmo.fdo2"]),
        ]
        if control in (HEATER, HEATER_TEMP):
            effects.append(heater_effect(course, t, s))
    else:
        if np.isnan(course.true_inputs(("peep",), tt)["peep"][0]):
            raise ReplayDataError("the patient is not on the ventilator at this time")
        rr, ie = s["control.vent.rr"], s["control.vent.ie"]
        # Pressure control: the volume the lung as it is now (its compliance, which a
        # disturbance may have lowered) takes at the new settings (lung.setting_lung).
        c, r = lung.setting_lung(course, t)
        vt = (s["control.vent.vt"] if s["control.vent.mode"] >= 0.5
              else pc_tidal_volume(s["control.vent.pinsp"], rr, c, r, ie=ie))
        effects += [
            Effect(channel="fio2", set=s["control.vent.fio2"]),
            Effect(channel="peep", set=s["control.vent.peep"]),
            Effect(channel="rr", set=rr),
            # From the next breath on (a step: the lung mechanics stay as they are).
            Effect(channel="tidal_volume", set=vt, onset=0.0),
        ]
    return Perturbation(pid, "control", control, float(t), None, 1.0, 0.0, 0.0, (),
                        tuple(effects))
