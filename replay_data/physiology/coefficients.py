"""Model coefficients, read from resources/catalogue/physiology.toml (each with its source)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache

from ..toml_reader import Table, TomlDocument, read_toml_resource

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
    gas_phase_volume: float
    o2_uptake_slope: float
    gas_floor_po2: float
    gas_fade_fraction: float


@dataclass(frozen=True)
class Co2:
    gas_side: float
    blood_side: float
    alveolar_constant: float
    blood_co2_slope: float
    store: float
    airway_dead_space: float
    membrane_co2_loss_ratio: float


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
    """Cannula drops of the reference cannulae and how they scale with size
    (replay_data.physiology.circuit.cannula_drops)."""
    drainage_linear: float
    drainage_quadratic: float
    drainage_reference_fr: float
    return_linear: float
    return_quadratic: float
    return_reference_fr: float
    laminar_exponent: float
    inertial_exponent: float
    dual_lumen_drainage_fraction: float
    dual_lumen_return_fraction: float
    shutoff_head_per_rpm2: float  # mmHg per rpm^2: the pump's zero-flow head (clamped)
    inlet_suction_limit: float  # mmHg: how far below the CVP a clamped inlet can fall


@dataclass(frozen=True)
class Ventilation:
    ppv_base: float
    ppv_per_peep: float
    ppv_peep_ref: float
    ppv_per_100ml_deficit: float
    ppv_max: float


@dataclass(frozen=True)
class Peep:
    """What PEEP away from the scenario's own does (recruitment, venous return)."""
    shunt_per_cmh2o_below: float
    shunt_per_cmh2o_above: float
    transmission: float
    mmhg_per_cmh2o: float
    cardiac_output_per_cmh2o: float
    map_per_cmh2o: float


@dataclass(frozen=True)
class Hypoxia:
    """Supply-dependent O2 consumption and the heart's response to an O2 debt."""
    do2_critical_per_kg: float
    default_weight_kg: float
    full_debt_ratio: float
    accumulation: float
    recovery: float
    output_loss_at_arrest: float
    hr_loss_at_arrest: float
    pressure_loss_at_arrest: float
    bradycardia_from: float
    arrest_at: float
    rosc_below: float
    reversible_for: float
    pea_for: float
    hr_at_arrest: float
    arrest_systolic: float
    arrest_diastolic: float
    etco2_output_knee: float
    etco2_at_arrest: float


@dataclass(frozen=True)
class Vasopressor:
    """Norepinephrine's pressure effect (vasopressor.py): gain, ceiling, time constant."""
    map_gain: float
    max_effect: float
    time_constant: float


@dataclass(frozen=True)
class Care:
    """What the team's care actions give (replay_data/care.py): the per-litre volume
    signature, infusion and transfusion figures, how long their effects last."""
    cardiac_output_per_litre: float
    abp_sys_per_litre: float
    abp_dia_per_litre: float
    cvp_per_litre: float
    hr_per_litre: float
    drainage_resistance_per_litre: float
    recirculation_per_litre: float
    cvp_per_litre_surplus: float
    infusion_ml_per_min: float
    unit_ml: float
    unit_minutes: float
    hb_per_unit_70kg: float
    hb_per_unit_weight_kg: float  # the weight hb_per_unit_70kg is stated for
    recovery_s: float

    def volume_signature(self) -> dict[str, float]:
        """Input channel -> its change per litre of volume lost."""
        return {f.name.removesuffix("_per_litre"): getattr(self, f.name) for f in fields(self)
                if f.name.endswith("_per_litre")}


@dataclass(frozen=True)
class Cpr:
    """Chest compressions and the VF the ECG draws (replay_data/rhythm.py)."""
    output_fraction: float
    rate_per_min: float
    systolic: float
    diastolic: float
    etco2: float
    vf_coarse_mv: float
    vf_fine_mv: float
    vf_fine_tau_s: float
    asystole_after_s: float


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
    peep: Peep
    hypoxia: Hypoxia
    vasopressor: Vasopressor
    care: Care
    cpr: Cpr


def _section(root: Table, name: str, cls: type) -> object:
    t = root.child(name, required=True)
    values = {f.name: t.number(f.name) for f in fields(cls)}
    t.done()  # a misspelt coefficient must not leave the default silently in force
    return cls(**values)


_SECTIONS: dict[str, type] = {
    "oxygen": Oxygen, "lung": Lung, "oxygenator": Oxygenator, "co2": Co2,
    "acid_base": AcidBase, "oxygen_store": OxygenStore, "oximetry": Oximetry,
    "circuit": Circuit, "ventilation": Ventilation, "peep": Peep, "hypoxia": Hypoxia,
    "vasopressor": Vasopressor, "care": Care, "cpr": Cpr,
}


def parse_coefficients(doc: dict | TomlDocument, source: str = COEFFICIENT_FILE
                       ) -> Coefficients:
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    root = doc.root()
    root.check_keys(_SECTIONS)
    return Coefficients(**{name: _section(root, name, cls) for name, cls in _SECTIONS.items()})


@cache
def load_coefficients() -> Coefficients:
    return parse_coefficients(read_toml_resource("resources.catalogue", COEFFICIENT_FILE,
                                                 "coefficients"))
