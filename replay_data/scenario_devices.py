"""A case file's [patient], [circuit], [ventilator] and [roles] tables: who the patient
is, the ECMO circuit they have (if any), the ventilator's alarm limits, and which events
mean what to the code.

Every problem is one line naming the file, the line and the key, as in scenario_parse.
"""

from __future__ import annotations

import math

from .scenario_data import ROLES, Cannula, Circuit, Patient, Provenance, Pump, VentilatorLimits
from .scenario_tables import provenance
from .toml_reader import Table

PATIENT_SEXES = ("female", "male", "unknown")
MAX_AGE_YEARS = 130.0
MAX_WEIGHT_KG = 500.0
HEIGHT_CM = (40.0, 250.0)  # a newborn to the tallest adults
CIRCUIT_MODES = ("VV",)  # VA is prepared for in the format; the model is venovenous only
CANNULA_ROLES = ("drainage", "return", "dual_lumen")
CANNULA_FR = (6.0, 36.0)  # French sizes made for ECMO
PUMP_RPM = (0.0, 10000.0)
FLOW_LPM = (0.0, 10.0)
P_HIGH_CMH2O = (10.0, 100.0)  # the high-pressure limits a ventilator offers
P_MARGIN_CMH2O = (1.0, 40.0)
MV_LOW_LPM = (0.0, 30.0)
APNOEA_RR = (1.0, 20.0)  # /min: the apnoea rates a ventilator offers


def _optional_provenance(r: Table) -> Provenance:
    """A table's basis when it gives one (then as strictly as anywhere), else assumed."""
    if "basis" in r:
        return provenance(r)
    return Provenance("assumed", "", r.text("note", ""))


def patient(top: Table) -> Patient:
    """[patient]: the banner, and the height and sex that give the predicted body weight."""
    r = top.child("patient")
    r.check_keys({"age", "sex", "height_cm", "weight_kg", "summary", "history", "basis",
                  "quote", "note"})
    age = height = kg = None
    if "age" in r:
        age = r.number("age")
        if not 0 <= age <= MAX_AGE_YEARS:
            raise r.fail("age", f"{age:g} years is not an age (0 to {MAX_AGE_YEARS:g})")
    if "height_cm" in r:
        height = r.number("height_cm")
        if not HEIGHT_CM[0] <= height <= HEIGHT_CM[1]:
            raise r.fail("height_cm", f"{height:g} cm is not a height ({HEIGHT_CM[0]:g} to "
                                      f"{HEIGHT_CM[1]:g} cm)")
    if "weight_kg" in r:
        kg = r.number("weight_kg")
        if not 0 < kg <= MAX_WEIGHT_KG:
            raise r.fail("weight_kg", f"{kg:g} kg is not a weight (more than 0, at most "
                                      f"{MAX_WEIGHT_KG:g})")
    sex = r.choice("sex", PATIENT_SEXES) if "sex" in r else "unknown"
    return Patient(age=age, sex=sex, height_cm=height, weight_kg=kg,
                   summary=r.text("summary", ""), history=r.text("history", ""),
                   provenance=_optional_provenance(r))


def _within(r: Table, key: str | tuple, value: float, bounds: tuple[float, float],
            unit: str) -> float:
    if not bounds[0] <= value <= bounds[1]:
        raise r.fail(key, f"{value:g} {unit} is outside {bounds[0]:g} to {bounds[1]:g} {unit}")
    return value


def _pump(r: Table) -> Pump:
    """[circuit.pump]: its curve as (rpm, L/min) points at the patient's usual preload and
    afterload, fitted by a straight line (least squares): the speed at which flow starts
    and the flow per rpm above it."""
    r.check_keys({"model", "curve", "drainage_limit_lpm", "basis", "quote", "note"})
    points = r.array("curve")
    if len(points) < 2:
        raise r.fail("curve", "needs at least two [rpm, L/min] points")
    rpm, lpm = [], []
    for i, pt in enumerate(points):
        if (not isinstance(pt, list) or len(pt) != 2
                or any(isinstance(x, bool) or not isinstance(x, int | float)
                       or not math.isfinite(x) for x in pt)):
            raise r.fail(("curve", i), "must be [rpm, L/min], two finite numbers")
        rpm.append(_within(r, ("curve", i), float(pt[0]), PUMP_RPM, "rpm"))
        lpm.append(_within(r, ("curve", i), float(pt[1]), FLOW_LPM, "L/min"))
    n = len(rpm)
    mr, ml = sum(rpm) / n, sum(lpm) / n
    sxx = sum((x - mr) ** 2 for x in rpm)
    slope = sum((x - mr) * (y - ml) for x, y in zip(rpm, lpm, strict=True)) / sxx if sxx else 0
    if slope <= 0:
        raise r.fail("curve", "flow must rise with pump speed")
    limit = _within(r, "drainage_limit_lpm", r.number("drainage_limit_lpm"), FLOW_LPM,
                    "L/min")
    return Pump(model=r.text("model", ""), zero_flow_rpm=mr - ml / slope, lpm_per_rpm=slope,
                drainage_limit_lpm=limit, provenance=_optional_provenance(r))


def _cannula(r: Table) -> Cannula:
    r.check_keys({"role", "size_fr", "site", "model", "basis", "quote", "note"})
    return Cannula(role=r.choice("role", CANNULA_ROLES),
                   size_fr=_within(r, "size_fr", r.number("size_fr"), CANNULA_FR, "Fr"),
                   site=r.text("site", nonempty=True), model=r.text("model", ""),
                   provenance=_optional_provenance(r))


def circuit(top: Table) -> Circuit | None:
    """[circuit], when the patient has one: mode, pump, oxygenator and cannulae."""
    if "circuit" not in top:
        return None
    r = top.child("circuit")
    r.check_keys({"mode", "summary", "oxygenator", "pump", "cannulae", "basis", "quote",
                  "note"})
    mode = r.get("mode", str)
    if mode not in CIRCUIT_MODES:
        raise r.fail("mode", f"{mode!r}: the model is venovenous; use \"VV\"")
    cannulae = tuple(_cannula(c) for c in r.items("cannulae", nonempty=True))
    roles = {c.role for c in cannulae}
    if "dual_lumen" not in roles and not {"drainage", "return"} <= roles:
        raise r.fail("cannulae", "a VV circuit needs a drainage and a return cannula, or "
                                 "one dual_lumen cannula")
    return Circuit(mode=mode, pump=_pump(r.child("pump", required=True)),
                   oxygenator=r.text("oxygenator", ""), cannulae=cannulae,
                   summary=r.text("summary", ""), provenance=_optional_provenance(r))


def roles(top: Table, times: dict[str, float], has_circuit: bool) -> dict[str, str]:
    """[roles]: role -> event id. A role not named defaults to the event of that id, when
    there is one; the origin ("admission") must be at t = 0; the ECMO roles need a
    [circuit], and a circuit needs its start."""
    r = top.child("roles")
    r.check_keys(ROLES)
    out = {role: role for role in ROLES if role in times}
    for role in r.table:
        eid = r.text(role, nonempty=True)
        if eid not in times:
            raise r.fail(role, f"unknown event {eid!r}")
        out[role] = eid
    where = r if "admission" in r.table else top
    origin = out.get("admission")
    if origin is None or times[origin] != 0.0:
        raise where.fail("roles" if where is top else "admission",
                         f"the origin event {origin or 'admission'!r} must exist at t = 0")
    ecmo = [role for role in ("cannulation", "ecmo_start", "ecmo_end") if role in out]
    if has_circuit and "ecmo_start" not in out:
        raise top.fail("circuit", "a scenario with a [circuit] needs an ecmo_start event "
                                  "(or [roles] ecmo_start = \"<event id>\")")
    if not has_circuit and ecmo:
        key = ecmo[0]
        raise (r.fail(key, "no [circuit]: an ECMO role needs one") if key in r.table else
               top.fail("events", f"event {out[key]!r} plays the role {key!r}, but the "
                                  "scenario has no [circuit]"))
    for first, then in (("cannulation", "ecmo_start"), ("ecmo_start", "ecmo_end"),
                        ("intubation", "extubation")):
        if first in out and then in out and times[out[then]] < times[out[first]]:
            raise (r.fail(then, f"is before {first}") if then in r.table
                   else top.fail("events", f"{out[then]!r} ({then}) is before "
                                           f"{out[first]!r} ({first})"))
    return out


def ventilator(top: Table) -> VentilatorLimits:
    """[ventilator]: the alarm limits (absent: the defaults, VentilatorLimits)."""
    if "ventilator" not in top:
        return VentilatorLimits()
    r = top.child("ventilator")
    r.check_keys({"p_high_limit", "p_high_margin", "p_high_limit_vc", "mv_low_limit",
                  "apnoea_rr", "basis", "quote", "note"})
    d = VentilatorLimits()
    limit = None
    if "p_high_limit" in r:
        limit = _within(r, "p_high_limit", r.number("p_high_limit"), P_HIGH_CMH2O, "cmH2O")
    margin = (_within(r, "p_high_margin", r.number("p_high_margin"), P_MARGIN_CMH2O, "cmH2O")
              if "p_high_margin" in r else d.p_high_margin)
    vc = (_within(r, "p_high_limit_vc", r.number("p_high_limit_vc"), P_HIGH_CMH2O, "cmH2O")
          if "p_high_limit_vc" in r else d.p_high_limit_vc)
    mv = (_within(r, "mv_low_limit", r.number("mv_low_limit"), MV_LOW_LPM, "L/min")
          if "mv_low_limit" in r else d.mv_low_limit)
    apnoea = (_within(r, "apnoea_rr", r.number("apnoea_rr"), APNOEA_RR, "/min")
              if "apnoea_rr" in r else d.apnoea_rr)
    return VentilatorLimits(p_high_limit=limit, p_high_margin=margin, p_high_limit_vc=vc,
                            mv_low_limit=mv, apnoea_rr=apnoea,
                            provenance=_optional_provenance(r))
