"""Model coefficients, read from resources/catalogue/physiology.toml (each with its source)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources

from ..errors import ScenarioError

COEFFICIENT_FILE = "physiology.toml"


@dataclass(frozen=True)
class Oxygen:
    hb_binding: float
    dissolved: float
    severinghaus_a: float
    severinghaus_b: float
    t_coef: float
    ph_coef: float
    co2_coef: float


@dataclass(frozen=True)
class Lung:
    barometric: float
    water_vapour: float
    respiratory_quotient: float


@dataclass(frozen=True)
class Oxygenator:
    rated_flow: float
    rated_efficiency: float
    outlet_fraction: float
    sweep_o2_scale: float


@dataclass(frozen=True)
class Co2:
    gas_side: float
    blood_side: float
    alveolar_constant: float
    blood_co2_slope: float
    store: float
    airway_dead_space: float


@dataclass(frozen=True)
class AcidBase:
    pk: float
    co2_solubility: float
    standard_bicarbonate: float
    acute_buffering: float


@dataclass(frozen=True)
class OxygenStore:
    volume: float
    artery_delay: float
    finger_delay: float


@dataclass(frozen=True)
class Oximetry:
    bias_full_weight_below: float
    bias_span: float


@dataclass(frozen=True)
class Circuit:
    drainage_linear: float
    drainage_quadratic: float
    return_linear: float
    return_quadratic: float


@dataclass(frozen=True)
class Ventilation:
    ppv_base: float
    ppv_per_peep: float
    ppv_peep_ref: float
    ppv_per_100ml_deficit: float
    ppv_max: float


@dataclass(frozen=True)
class Coefficients:
    oxygen: Oxygen
    lung: Lung
    oxygenator: Oxygenator
    co2: Co2
    acid_base: AcidBase
    oxygen_store: OxygenStore
    oximetry: Oximetry
    circuit: Circuit
    ventilation: Ventilation


def _section(doc: dict, name: str, cls: type) -> object:
    raw = doc.get(name)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{COEFFICIENT_FILE}: {name}", "missing table")
    kw = {}
    for f in fields(cls):
        v = raw.get(f.name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ScenarioError(f"{COEFFICIENT_FILE}: {name}.{f.name}", "must be a finite number")
        kw[f.name] = float(v)
    return cls(**kw)


_SECTIONS: dict[str, type] = {
    "oxygen": Oxygen, "lung": Lung, "oxygenator": Oxygenator, "co2": Co2,
    "acid_base": AcidBase, "oxygen_store": OxygenStore, "oximetry": Oximetry,
    "circuit": Circuit, "ventilation": Ventilation,
}


def parse_coefficients(doc: dict) -> Coefficients:
    return Coefficients(**{name: _section(doc, name, cls) for name, cls in _SECTIONS.items()})


@cache
def load_coefficients() -> Coefficients:
    ref = resources.files("resources.catalogue").joinpath(COEFFICIENT_FILE)
    with ref.open("rb") as fh:
        return parse_coefficients(tomllib.load(fh))
