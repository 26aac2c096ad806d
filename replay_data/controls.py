"""The bedside team's hands on the ECMO console and the ventilator, as data.

A trainee turning a knob produces a *control* perturbation: from that case time on it
sets the console's setting channels (`control.ecmo.rpm`, ... hidden step channels of the
catalogue) and the model inputs that the whole console state implies (blood flow, pump
speed, drainage resistance, sweep, FdO2; FiO2, PEEP, rate, tidal volume). Each control
perturbation restates its whole console, so the latest one has the last word over the
scenario, the instructor's injections before it and the team's earlier settings. Values
therefore stay a pure function of (scenario, perturbations, seed, t): replays and seeks
need nothing else.

Circuit (assumed, fitted to the scenario's own keyframes 1800 rpm -> 1.3 L/min and
3200 rpm -> 3.7 L/min, a linear pressure-flow region of a centrifugal pump against a
fixed circuit):

    Q_pump = max(0, (rpm - RPM_ZERO_FLOW) x LPM_PER_RPM)
    Q      = 0 with either line clamped, else min(Q_pump, DRAINAGE_LIMIT)

Above the drainage limit the vein collapses onto the cannula: the drainage resistance
rises with the excess (P venous falls, replay_data.physiology.circuit) and the flow
chatters. The hand crank turns the pump head at the cranking rate, bypassing the motor.
While air is in the circuit (an `air_in_circuit` injection) no setting gives flow until the
team has clamped both lines since the air appeared (clamp, de-air, then unclamp and
restart); the bubble detector's flag (and its alarm) ends at that de-airing too, even if
the injection runs on (bubble_flags).

Ventilator, single-compartment lung (Bates, Lung Mechanics, 2009): in pressure control
Vt = C x Pinsp x (1 - exp(-Ti / (R C))) with Ti = 60 / rate / (1 + E) for the set I:E 1:E
(`control.vent.ie`, 1:1 .. 1:4, default 1:2: the case gives none); in assist control Vt is
set. Compliance and resistance of a severe ARDS lung are assumed (C 18 mL/cmH2O, R 15
cmH2O/L/s); once the course runs, the lung's compliance is what its pressure-controlled
breaths imply (pc_compliance), so a new setting gives the Vt of the lung as it is then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ReplayDataError
from .keyframes import interpolate
from .perturbations import Perturbation, active_flags_each
from .scenario import Effect

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
    _spec("control.vent.mode", "Mode (0 PC, 1 AC)", "", 0, 1, 1),
    _spec("control.vent.fio2", "FiO2", "%", 21, 100, 5),
    _spec("control.vent.peep", "PEEP", "cmH2O", 0, 25, 1),
    _spec("control.vent.pinsp", "Pinsp", "cmH2O", 5, 45, 1),
    _spec("control.vent.vt", "Vt", "mL", 150, 800, 10),
    _spec("control.vent.rr", "Rate", "/min", 4, 40, 1),
    # I:E as the E part of 1:E (1:1 .. 1:4); inverse ratios are not offered.
    _spec("control.vent.ie", "I:E (1:x)", "", 1, 4, 0.5),
)}

# Circuit (see module docstring; assumed).
RPM_ZERO_FLOW = 1042.0
LPM_PER_RPM = 2.4 / 1400.0
DRAINAGE_LIMIT = 4.6  # L/min the drainage cannula gives before the vein collapses
SUCTION_PER_LPM = 2.5  # rise of the drainage resistance factor per L/min asked beyond it
CHATTER_AMPLITUDE, CHATTER_PERIOD = 0.35, 1.2
FLOW_ONSET_S = 0.3  # a centrifugal pump follows its speed within a few hundred ms

# Lung (assumed, severe ARDS).
COMPLIANCE = 18.0  # mL/cmH2O
RESISTANCE = 15.0  # cmH2O/(L/s)
IE_RATIO = 2.0  # E / I: the default I:E 1:2 (the case gives none)
PBW_KG = 61.0  # predicted body weight: a woman of 168 cm (assumed; the case gives no height)


def pump_flow(rpm: float) -> float:
    return max(0.0, (rpm - RPM_ZERO_FLOW) * LPM_PER_RPM)


def rpm_for_flow(flow: float) -> float:
    return RPM_ZERO_FLOW + max(flow, 0.0) / LPM_PER_RPM


def inspiratory_time(rr, ie=IE_RATIO):  # floats or arrays
    """Ti in seconds: the breath period 60 / rate split as I:E 1:ie."""
    return 60.0 / np.maximum(rr, 1.0) / (1.0 + ie)


def pc_tidal_volume(pinsp: float, rr: float, c: float = COMPLIANCE,
                    r: float = RESISTANCE, *, ie: float = IE_RATIO) -> float:
    """Pressure control: Vt = C Pinsp (1 - exp(-Ti / RC)), in mL."""
    tau = r * c / 1000.0  # s
    return float(c * pinsp * (1.0 - math.exp(-float(inspiratory_time(rr, ie)) / tau)))


def pinsp_for_volume(vt: float, rr: float, ie: float = IE_RATIO) -> float:
    return vt / max(pc_tidal_volume(1.0, rr, ie=ie), 1e-6)


# The compliance a pressure-controlled breath implies is found by bisection on a log scale
# between these bounds (mL/cmH2O); 30 halvings leave a relative error under 1e-8.
_C_BOUNDS, _C_ITERATIONS = (1.0, 300.0), 30


def pc_compliance(vt: np.ndarray, pinsp: np.ndarray, ti: np.ndarray,
                  r: float = RESISTANCE) -> np.ndarray:
    """The lung's compliance C that makes Vt = C Pinsp (1 - exp(-Ti / RC)): what a
    pressure-controlled breath of that Vt says of the lung (a bleed that stiffens it shows
    as a smaller C, and so a smaller Vt for the same Pinsp). Vectorised bisection; C grows
    with Vt at fixed Pinsp and Ti."""
    vt, pinsp, ti = np.broadcast_arrays(np.asarray(vt, float), np.asarray(pinsp, float),
                                        np.asarray(ti, float))
    target = vt / np.maximum(pinsp, 1e-6)
    lo = np.full(vt.shape, math.log(_C_BOUNDS[0]))
    hi = np.full(vt.shape, math.log(_C_BOUNDS[1]))
    k = ti * 1000.0 / r
    for _ in range(_C_ITERATIONS):
        mid = 0.5 * (lo + hi)
        c = np.exp(mid)
        short = c * (1.0 - np.exp(-k / c)) < target
        lo = np.where(short, mid, lo)
        hi = np.where(short, hi, mid)
    return np.exp(0.5 * (lo + hi))


@dataclass(frozen=True)
class EcmoOutcome:
    flow: float
    spin: float  # pump head rpm
    drainage_resistance: float
    chatter: bool


def ecmo_outcome(s: dict[str, float]) -> EcmoOutcome:
    """Blood flow from the console settings (module docstring)."""
    if s["control.ecmo.hand_crank"] > 0:
        spin = s["control.ecmo.hand_crank"]
    elif s["control.ecmo.pump"] >= 0.5:
        spin = s["control.ecmo.rpm"]
    else:
        spin = 0.0
    asked = pump_flow(spin)
    if s["control.ecmo.clamp_drainage"] >= 0.5 or s["control.ecmo.clamp_return"] >= 0.5:
        return EcmoOutcome(0.0, spin, 1.0, False)
    excess = max(0.0, asked - DRAINAGE_LIMIT)
    return EcmoOutcome(min(asked, DRAINAGE_LIMIT), spin, 1.0 + SUCTION_PER_LPM * excess,
                       excess > 0)


def settings_at(course, t: float) -> dict[str, float]:
    """Every control's setting at case time t: the team's last one, else what the
    scenario's course implies (its pump speed, sweep, ventilator)."""
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
    kf = course.scenario.numeric_keyframes.get("ecmo_rpm")
    scen_rpm = math.nan if kf is None else float(interpolate(
        kf, tt, course.catalogue.numerics["ecmo_rpm"].interpolation)[0])

    def nz(x: float, d: float) -> float:
        return d if math.isnan(x) else x

    rpm_set = nz(scen_rpm, rpm_for_flow(nz(base["ecmo_flow"], 0.0)))
    defaults = {
        "control.ecmo.rpm": rpm_set,
        "control.ecmo.pump": 0.0 if nz(base["ecmo_rpm"], 0.0) <= 0 else 1.0,
        "control.ecmo.clamp_drainage": 0.0, "control.ecmo.clamp_return": 0.0,
        "control.ecmo.hand_crank": 0.0,
        "control.ecmo.sweep_flow": nz(base["sweep_flow"], 0.0),
        "control.ecmo.fdo2": nz(base["fdo2"], 100.0),
        "control.vent.fio2": nz(base["fio2"], 21.0),
        "control.vent.peep": nz(base["peep"], 5.0),
        **{k: float(v[0]) for k, v in vent_settings(course, tt).items()},
    }
    return {k: nz(got[k], defaults[k]) for k in ids}


def vent_settings(course, t: np.ndarray) -> dict[str, np.ndarray]:
    """Mode, Pinsp, Vt set, rate and I:E at times t: the team's last setting, else the
    scenario's. The scenario gives rate and tidal volume; its Pinsp is the one that gives
    that volume in a lung of the assumed compliance (rounded as a knob is), taken from the
    scenario's keyframes so that a disturbance of the lung does not move the knob."""
    tt = np.asarray(t, dtype=np.float64)
    ids = ("control.vent.mode", "control.vent.pinsp", "control.vent.vt", "control.vent.rr",
           "control.vent.ie")
    got = course.true_inputs(ids, tt)
    base = course.true_inputs(("rr", "tidal_volume"), tt)
    scen = {}
    for ch in ("rr", "tidal_volume"):
        kf = course.scenario.numeric_keyframes.get(ch)
        scen[ch] = (np.full(tt.shape, np.nan) if kf is None else
                    interpolate(kf, tt, course.catalogue.numerics[ch].interpolation))
    rr = np.where(np.isnan(base["rr"]), 14.0, base["rr"])
    vt = np.where(np.isnan(base["tidal_volume"]), 450.0, base["tidal_volume"])
    scen_rr = np.where(np.isnan(scen["rr"]), rr, scen["rr"])
    scen_vt = np.where(np.isnan(scen["tidal_volume"]), vt, scen["tidal_volume"])
    defaults = {
        "control.vent.mode": np.zeros(tt.shape),
        "control.vent.pinsp": np.round(scen_vt / np.maximum(
            COMPLIANCE * (1.0 - np.exp(-inspiratory_time(scen_rr) * 1000.0
                                       / (RESISTANCE * COMPLIANCE))), 1e-6)),
        "control.vent.vt": vt,
        "control.vent.rr": rr,
        "control.vent.ie": np.full(tt.shape, IE_RATIO),
    }
    return {k: np.where(np.isnan(got[k]), defaults[k], got[k]) for k in ids}


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


def lung_compliance(course, t: float) -> float:
    """The lung's compliance at t as the ventilator sees it (COMPLIANCE in volume mode,
    else what the pressure-controlled breath implies; COMPLIANCE off the ventilator)."""
    tt = np.array([float(t)])
    s = vent_settings(course, tt)
    vt = course.true_inputs(("tidal_volume",), tt)["tidal_volume"]
    if s["control.vent.mode"][0] >= 0.5 or not np.isfinite(vt[0]):
        return COMPLIANCE
    ti = inspiratory_time(s["control.vent.rr"], s["control.vent.ie"])
    return float(pc_compliance(vt, s["control.vent.pinsp"], ti)[0])


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
    tt = np.array([float(t)])
    s = settings_at(course, t)
    s[control] = float(value)
    mine = [k for k in CONTROLS if CONTROLS[k].console == spec.console]
    effects = [Effect(channel=k, set=s[k]) for k in mine]
    if spec.console == ECMO:
        if np.isnan(course.true_inputs(("ecmo_flow",), tt)["ecmo_flow"][0]):
            raise ReplayDataError("no ECMO circuit at this time: nothing to control")
        o = ecmo_outcome(s)
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
    else:
        if np.isnan(course.true_inputs(("peep",), tt)["peep"][0]):
            raise ReplayDataError("the patient is not on the ventilator at this time")
        rr, ie = s["control.vent.rr"], s["control.vent.ie"]
        # Pressure control: the volume the lung as it is now (its compliance, which a
        # disturbance may have lowered) takes at the new settings.
        c = lung_compliance(course, t)
        vt = (s["control.vent.vt"] if s["control.vent.mode"] >= 0.5
              else pc_tidal_volume(s["control.vent.pinsp"], rr, c, ie=ie))
        effects += [
            Effect(channel="fio2", set=s["control.vent.fio2"]),
            Effect(channel="peep", set=s["control.vent.peep"]),
            Effect(channel="rr", set=rr),
            # From the next breath on (a step: the lung mechanics stay as they are).
            Effect(channel="tidal_volume", set=vt, onset=0.0),
        ]
    return Perturbation(pid, "control", control, float(t), None, 1.0, 0.0, 0.0, (),
                        tuple(effects))
