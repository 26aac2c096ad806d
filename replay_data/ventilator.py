"""The ventilator's numerics and waveforms from the single-compartment equation of motion.

    Paw(t) = V(t) / C + R x flow(t) + PEEP          (Bates, Lung Mechanics, 2009)

Ti = 60 / rate / (1 + E) for I:E 1:E (the `control.vent.ie` setting, default 1:2).
C and R are the lung's: the `lung_compliance` and `airway_resistance` inputs (the
scenario's keyframes, else the catalogue's defaults, a severe-ARDS lung of 18 mL/cmH2O
and 15 cmH2O/L/s; disturbances change them), see replay_data.lung.

Pressure control: the ventilator holds Paw = PEEP + Pinsp through inspiration, so flow
decays as (Pinsp / R) exp(-t / RC) and V(t) = C Pinsp (1 - exp(-t / RC)), which gives
Vt = C Pinsp (1 - exp(-Ti / RC)). The course's tidal volume (replay_data.lung: the
lung's where the scenario describes it, else the scenario's with the team's settings
and the injections) is what the breath delivers, and C is the compliance that gives that
Vt at that Pinsp and Ti (lung_mechanics.pc_compliance): the lung's own where nothing else
moves the volume, and a bleed that blocks airways shows as a smaller C, with Ppeak =
PEEP + Pinsp still. Assist (volume) control: constant inspiratory flow Vt / Ti, so Paw
rises linearly to the peak PEEP + Vt / C + R Vt / Ti, with the lung's C. Expiration is
passive in both: V decays with the same RC, and the airway pressure reads PEEP (V / C +
R x flow = 0 with flow = -V / RC). The plateau (end-inspiratory pause) is PEEP + Vt / C,
the driving pressure Vt / C, the minute volume Vt x rate, Vt/kg the tidal volume per kg
of the patient's predicted body weight (scenario_data.Patient.pbw_kg, ARDSNet: from sex
and height; NaN, shown as ---, when the scenario gives neither).

These are channels of the replay-data catalogue (`derived = "ventilator"`: vt, vt_per_kg,
ppeak, pplat, driving_pressure, mv, compliance; waveforms paw and flow), computed here for
`replay-data trends` / `waveform`, the ventilator console and the bedside monitor's
ventilator strip alike. Breaths follow the course's breath clock (replay_data.cycle_clocks:
whole numbers are starts of inspiration), the one the capnogram follows, so any window is
a direct computation and Paw and CO2 breathe together.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .lung import COMPLIANCE, RESISTANCE
from .lung_mechanics import IE_RATIO, inspiratory_time, pc_compliance
from .vent_settings import MODES, vent_settings

# The channels computed here, in catalogue order.
CHANNELS = ("vt", "vt_per_kg", "ppeak", "pplat", "driving_pressure", "mv", "compliance")
WAVEFORMS = ("paw", "flow")
# The breath's settings are read on this fixed grid of case time and held (settings are
# steps; tidal volume and compliance move over seconds): cheap, and the same for any window.
PARAM_STEP_S = 0.5
# Below this rate (breaths/min) no mandatory breaths: Paw reads PEEP, no flow.
APNOEA_RR = 1.0


@dataclass(frozen=True)
class VentNumerics:
    vt: float  # mL
    vt_per_kg: float  # mL/kg predicted body weight
    ppeak: float  # cmH2O
    pplat: float
    driving_pressure: float
    mv: float  # L/min
    rr: float
    peep: float
    mode: str  # "PC" | "AC"
    ie: float = IE_RATIO  # E of I:E 1:E
    compliance: float = math.nan  # mL/cmH2O


def per_kg(course, volume: np.ndarray) -> np.ndarray:  # a Course
    """mL per kg of predicted body weight (NaN: the scenario gives no sex or height)."""
    pbw = course.scenario.patient.pbw_kg
    return volume / pbw if pbw else np.full(np.shape(volume), np.nan)


def numerics_grid(course, t: np.ndarray) -> dict[str, np.ndarray]:  # a Course
    """The ventilator's numerics at case times t (NaN off the ventilator): the CHANNELS
    plus rr, peep, ie, ti (s), volume_mode (1 AC, 0 PC), pinsp and resistance."""
    tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
    i = course.true_inputs(("tidal_volume", "rr", "peep", COMPLIANCE, RESISTANCE), tt)
    vt, rr, peep, r = i["tidal_volume"], i["rr"], i["peep"], i[RESISTANCE]
    s = vent_settings(course, tt)
    volume = s["control.vent.mode"] >= 0.5
    pinsp, ie = s["control.vent.pinsp"], s["control.vent.ie"]
    ti = inspiratory_time(rr, ie)
    c = np.where(volume, i[COMPLIANCE], pc_compliance(np.nan_to_num(vt), pinsp, ti, r))
    dp = vt / c
    ppeak = np.where(volume, peep + dp + r * (vt / 1000.0) / ti, peep + pinsp)
    off = np.isnan(peep)
    out = {"vt": vt, "vt_per_kg": per_kg(course, vt), "ppeak": ppeak, "pplat": peep + dp,
           "driving_pressure": dp, "mv": vt * rr / 1000.0, "compliance": c, "rr": rr,
           "peep": peep, "ie": ie, "ti": ti, "volume_mode": volume.astype(float),
           "pinsp": pinsp, "resistance": r}
    return {k: np.where(off, np.nan, v) for k, v in out.items()}


def at(course, t: float) -> VentNumerics | None:  # a replay_data Course
    """The ventilator's numerics at case time t (None: not on the ventilator)."""
    g = {k: float(v[0]) for k, v in numerics_grid(course, np.array([float(t)])).items()}
    if math.isnan(g["peep"]):
        return None
    return VentNumerics(g["vt"], g["vt_per_kg"], g["ppeak"], g["pplat"],
                        g["driving_pressure"], g["mv"], g["rr"], g["peep"],
                        "AC" if g["volume_mode"] >= 0.5 else "PC", g["ie"], g["compliance"])


def mode_text(course, t: float) -> str:  # a Course
    """The ventilator's mode as the screens name it at t: on the ventilator, the mode its
    settings run (MODES: what the console shows; the team's choice, else the scenario's
    pressure control), in the scenario's words (`vent_mode`, e.g. "PC-AC (rest)") only
    where those begin with that mode's name; off it, the scenario's text ("Extubated")."""
    text = course.mode("vent_mode", t)
    v = at(course, t)
    if v is None:
        return text
    name = MODES[1 if v.mode == "AC" else 0][0]
    return text if text.startswith(name) else name


# The last few node grids, per course: a console redrawing a sliding window 25 times a
# second asks for the same nodes until the window passes the next one.
_GRIDS: OrderedDict[tuple[int, int, int], tuple[weakref.ref, dict[str, np.ndarray]]] = \
    OrderedDict()
_GRIDS_KEPT = 8
_GRIDS_LOCK = threading.Lock()


def _node_grid(course, k0: int, k1: int) -> dict[str, np.ndarray]:  # a Course
    """numerics_grid on the nodes k0 .. k1 (times k x PARAM_STEP_S), cached."""
    key = (id(course), k0, k1)
    with _GRIDS_LOCK:
        hit = _GRIDS.get(key)
        if hit is not None and hit[0]() is course:
            _GRIDS.move_to_end(key)
            return hit[1]
    g = numerics_grid(course, np.arange(k0, k1 + 1) * PARAM_STEP_S)
    with _GRIDS_LOCK:
        _GRIDS[key] = (weakref.ref(course), g)
        while len(_GRIDS) > _GRIDS_KEPT:
            _GRIDS.popitem(last=False)
    return g


def airway(course, t: np.ndarray, breath_count: np.ndarray,  # a Course
           breath_rate: np.ndarray) -> dict[str, np.ndarray]:
    """Airway pressure (cmH2O), flow (L/min, inspiration positive) and volume above FRC
    (mL) at case times t, given the breath clock there (count: whole numbers start
    inspiration; rate in breaths per second). NaN off the ventilator."""
    tt = np.asarray(t, dtype=np.float64)
    if tt.size == 0:
        return {"paw": np.empty(0), "flow": np.empty(0), "volume": np.empty(0)}
    # The breath's parameters: held from the last PARAM_STEP_S node at or before each t.
    k = np.floor(tt / PARAM_STEP_S).astype(np.int64)
    k0 = int(k.min())
    g = _node_grid(course, k0, int(k.max()))
    j = k - k0
    vt_l = g["vt"][j] / 1000.0
    c = g["compliance"][j]
    r = g["resistance"][j]
    peep = g["peep"][j]
    pinsp = g["pinsp"][j]
    volume_mode = g["volume_mode"][j] >= 0.5
    ie = g["ie"][j]
    rate = np.nan_to_num(breath_rate) * 60.0  # /min
    breathing = rate >= APNOEA_RR
    period = 60.0 / np.maximum(rate, APNOEA_RR)
    phase = (breath_count - np.floor(breath_count)) * period  # s since inspiration began
    ti = period / (1.0 + ie)
    tau = r * c / 1000.0  # s
    insp = phase < ti
    e_ti = np.exp(-ti / tau)
    # Inspiration. PC: V = C Pinsp (1 - exp(-t/tau)) reaches this breath's Vt at Ti.
    # AC: constant flow Vt / Ti.
    vol_pc = c * pinsp * (1.0 - np.exp(-phase / tau)) / 1000.0
    flow_pc = pinsp / r * np.exp(-phase / tau)
    vol_in = np.where(volume_mode, vt_l * phase / ti, vol_pc)
    flow_in = np.where(volume_mode, vt_l / ti, flow_pc)
    # Expiration from the volume reached at Ti, passive with the same time constant.
    v_end = np.where(volume_mode, vt_l, c * pinsp * (1.0 - e_ti) / 1000.0)
    vol_ex = v_end * np.exp(-np.maximum(phase - ti, 0.0) / tau)
    flow_ex = -vol_ex / tau
    vol = np.where(insp, vol_in, vol_ex)
    flow = np.where(insp, flow_in, flow_ex)  # L/s
    paw = peep + vol * 1000.0 / c + r * flow
    vol = np.where(breathing, vol, 0.0)
    flow = np.where(breathing, flow, 0.0)
    paw = np.where(breathing, paw, peep)
    off = np.isnan(peep) | ~np.isfinite(breath_count)
    nan = np.full(tt.shape, np.nan)
    return {"paw": np.where(off, nan, paw), "flow": np.where(off, nan, flow * 60.0),
            "volume": np.where(off, nan, vol * 1000.0)}


def inspiration_fraction(course, t: np.ndarray, default: float) -> np.ndarray:
    """Ti / breath period = 1 / (1 + E) at times t (held on the PARAM_STEP_S grid, as the
    airway waveforms are), `default` off the ventilator: the capnogram breathes with the
    ventilator's I:E."""
    tt = np.asarray(t, dtype=np.float64)
    if tt.size == 0:
        return np.empty(0)
    k = np.floor(tt / PARAM_STEP_S).astype(np.int64)
    k0 = int(k.min())
    g = _node_grid(course, k0, int(k.max()))
    f = np.where(np.isfinite(g["ie"]), 1.0 / (1.0 + g["ie"]), default)
    return f[k - k0]
