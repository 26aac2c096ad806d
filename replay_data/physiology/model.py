"""The patient under the replay: inputs in, monitor and blood-gas outputs out.

Inputs are the scenario's keyframed channels with the instructor's disturbances applied
(shunt fraction, cardiac output, VO2, VCO2, Hb, circuit and ventilator settings ...).
Outputs are algebra on the inputs plus two stores with first-order dynamics:

* the body's O2 store, state = mixed venous O2 content Cv (oxygenation.py), and
* the body's CO2 store, state = PaCO2 (co2.py),

each computed with replay_data.physiology.lags, so any window is a direct computation.
Saturations and gases are then read off the state: arterial blood 8 s after the lungs
(blood gas), the finger 15 s after (SpO2), the drainage cannula and oxygenator outlet at
once. Gas-exchange outputs are evaluated on a fixed 3 s grid of case time and linearly
interpolated between the two grid times at or before t (their time constants are tens of
seconds and more; the one grid step of lag is part of the delays above, and nothing at t
depends on anything later); circuit pressures follow flow directly at every time asked,
through the scenario's cannulae (circuit.cannula_drops; no circuit, no pressures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from ..scenario_data import ChannelKeyframes
from ..scenario_data import Circuit as ScenarioCircuit
from . import circuit, co2, hypoxia, oxygenation, vasopressor
from .coefficients import Coefficients, load_coefficients
from .lags import Lag, SwitchedLag, sorted_unique_ints

Inputs = Callable[[Iterable[str], np.ndarray], dict[str, np.ndarray]]

# Inputs the model reads, with the value used where the scenario gives none (NaN: e.g. no
# circuit before cannulation, no ventilator on the ward).
INPUT_DEFAULTS: dict[str, float] = {
    "shunt_fraction": 0.05, "cardiac_output": 5.0, "vo2": 250.0, "vco2": 200.0, "hb": 12.0,
    "recirculation": 0.0, "base_excess": 0.0, "tidal_volume": 450.0,
    "dead_space_fraction": 0.3, "membrane_function": 1.0, "membrane_resistance": 6.0,
    "drainage_resistance": 1.0, "oximeter_bias": 0.0, "fio2_ward": 21.0,
    "blood_volume_deficit": 0.0, "ecmo_flow": 0.0, "ecmo_spill": 0.0, "sweep_flow": 0.0,
    "fdo2": 21.0, "fio2": np.nan, "peep": np.nan, "temp": 37.0, "rr": 14.0, "cvp": 8.0,
}
# Channels the model computes.
OUTPUTS = ("spo2", "sao2", "pao2", "paco2", "ph", "etco2", "svo2", "po2_post", "p_venous",
           "p_int", "delta_p", "ppv")
GAS_OUTPUTS = ("spo2", "sao2", "pao2", "paco2", "ph", "etco2", "svo2", "po2_post")

GAS_GRID_S = 3.0
CHECKPOINT_S = 4 * 3600.0
# Knot spacing and warm-up of the two stores (see lags.py): the O2 store's time constant
# is 0.5-3 min, the CO2 store's 10-60 min.
O2_STEP_S, O2_WARMUP_S = 10.0, 900.0
# The CO2 store's knots every 10 s: PaCO2 begins to move within a circulation time of an
# event (its time constant is still minutes).
CO2_STEP_S, CO2_WARMUP_S = 10.0, 6 * 3600.0
# The membrane's gas phase (tau 1.6 s at full sweep, about 40 s washout with none; capped
# at GAS_TAU_MAX_S when neither gas nor blood moves).
GAS_STEP_S, GAS_WARMUP_S, GAS_TAU_MAX_S = 3.0, 1800.0, 300.0
# The heart's hypoxic load (hypoxia.py): knots every 10 s, 2 h warm-up from rest.
HEART_STEP_S, HEART_WARMUP_S = 10.0, 2 * 3600.0

# Venous state (a fraction of the Hb capacity) above the critical-delivery level that
# counts as adequate without computing the delivery: far above rounding.
_ADEQUATE_MARGIN = 1e-6
_O2_INPUTS = ("shunt_fraction", "ecmo_flow", "recirculation", "cardiac_output", "vo2", "hb",
              "fio2", "fio2_ward", "fdo2", "sweep_flow", "membrane_function", "temp",
              "base_excess")
_CO2_INPUTS = ("vco2", "cardiac_output", "sweep_flow", "ecmo_flow", "recirculation", "rr",
               "tidal_volume", "dead_space_fraction", "membrane_function")
# Inputs PEEP away from the scenario's own changes (recruitment, venous return).
_PEEP_INPUTS = ("shunt_fraction", "cardiac_output", "cvp")


class PatientModel:
    """Outputs at any times; caches store intervals (the object is per course)."""

    def __init__(self, inputs: Inputs, coef: Coefficients | None = None,
                 cannulae: ScenarioCircuit | None = None, reference: Inputs | None = None,
                 weight_kg: float | None = None,
                 keyframes: Mapping[str, ChannelKeyframes] | None = None,
                 pressure_kinds: Mapping[str, str] | None = None) -> None:
        """`cannulae`: the scenario's circuit, whose cannulae set the circuit pressures
        (None: no circuit, no pressures). `reference`: the inputs as the scenario has them
        before any disturbance or setting (its own PEEP and tidal volume, which its shunt
        and dead space are stated at; None: the inputs themselves). `weight_kg`: the
        patient's, for the critical O2 delivery (None: the catalogue's default).
        `keyframes`, `pressure_kinds`: the scenario's keyframes and its pressures'
        interpolation, against which a norepinephrine change moves the arterial pressure
        (vasopressor.py; None: none)."""
        self._raw_inputs = inputs
        self._reference = reference or inputs
        self.coef = coef or load_coefficients()
        hx = self.coef.hypoxia
        self.do2_critical = hx.do2_critical_per_kg * (weight_kg or hx.default_weight_kg)
        self.drops = circuit.cannula_drops(cannulae, self.coef.circuit)
        self.co2_store = Lag("paco2", CO2_STEP_S, CO2_WARMUP_S, CHECKPOINT_S, self._co2_drive)
        self.gas_phase = Lag("po2_gas", GAS_STEP_S, GAS_WARMUP_S, CHECKPOINT_S, self._gas_drive)
        # State: venous O2 content per unit of Hb capacity (Cv / (1.34 Hb)), so that a
        # change of Hb (transfusion, bleeding) keeps the venous saturation, not the content.
        self.o2_store = SwitchedLag("sv", O2_STEP_S, O2_WARMUP_S, CHECKPOINT_S, self._o2_drive)
        self.heart = hypoxia.Heart(HEART_STEP_S, HEART_WARMUP_S, CHECKPOINT_S,
                                   self._delivery_ratio, hx, self._supply_adequate)
        self.vasopressor = vasopressor.Vasopressor(
            lambda t: self._raw_inputs((vasopressor.DOSE,), t)[vasopressor.DOSE],
            keyframes or {}, pressure_kinds or {}, self.coef.vasopressor, CHECKPOINT_S)
        ox = self.coef.oxygen_store
        # Interpolation already lags one grid step (see gas()).
        self._artery_k = max(int(round(ox.artery_delay / GAS_GRID_S)) - 1, 0)
        self._finger_k = max(int(round(ox.finger_delay / GAS_GRID_S)) - 1, 0)

    # ------------------------------------------------------------------ inputs

    def inputs(self, names: Iterable[str], t: np.ndarray) -> dict[str, np.ndarray]:
        names = list(names)
        raw = self._raw_inputs(names, t)
        out = {}
        for n in names:
            v = raw[n]
            d = INPUT_DEFAULTS[n]
            if not np.isnan(d):
                # Most inputs are measured over the whole window: test before copying.
                gaps = np.isnan(v)
                if gaps.any():
                    v = np.where(gaps, d, v)
            out[n] = v
        if set(_PEEP_INPUTS) & set(names):
            dpeep = self.peep_change(t)
            for n in _PEEP_INPUTS:
                if n in out:
                    out[n] = self._peep_effect(n, out[n], dpeep)
        return out

    def peep_change(self, t: np.ndarray) -> np.ndarray:
        """PEEP minus the scenario's own PEEP at t (cmH2O; 0 off the ventilator)."""
        now = self._raw_inputs(("peep",), t)["peep"]
        own = self._reference(("peep",), t)["peep"]
        return np.nan_to_num(now - own)

    def _peep_effect(self, name: str, v: np.ndarray, dpeep: np.ndarray) -> np.ndarray:
        """Recruitment (shunt) and venous return (cardiac output, CVP) at a PEEP dpeep
        away from the scenario's (physiology.toml [peep])."""
        c = self.coef.peep
        if name == "shunt_fraction":
            per = np.where(dpeep < 0, c.shunt_per_cmh2o_below, c.shunt_per_cmh2o_above)
            return np.clip(v - per * dpeep, 0.0, 1.0)
        if name == "cardiac_output":
            return v * np.clip(1.0 - c.cardiac_output_per_cmh2o * dpeep, 0.3, 1.5)
        return v + c.transmission * c.mmhg_per_cmh2o * dpeep  # cvp

    def display_adjusted(self, channel: str, t: np.ndarray, v: np.ndarray) -> np.ndarray:
        """A vital as the patient shows it: PEEP's effect on CVP and arterial pressure, and
        the hypoxic heart's on rate, pressure and EtCO2 (hypoxia.py); SpO2 reads nothing
        without a pulse; the ECMO flow probe reads what spills from a torn line too
        (circuit.py). Other channels unchanged."""
        if channel not in ("hr", "abp_sys", "abp_dia", "cvp", "spo2", "etco2", "ecmo_flow"):
            return v
        if channel == "ecmo_flow":  # the probe, upstream of a tear, reads the pump's flow
            return circuit.pump_flow(v, self._raw_inputs(("ecmo_spill",), t)["ecmo_spill"])
        if channel == "cvp":
            return self._peep_effect("cvp", v, self.peep_change(t))
        heart = self.heart(t)
        hx = self.coef.hypoxia
        if channel == "spo2":
            return np.where(heart.arrested, np.nan, v)
        if channel == "hr":
            return heart.hr_factor(hx, v)
        if channel == "etco2":
            return heart.etco2(hx, v)
        dpeep = self.peep_change(t)
        return heart.pressure(hx, channel, v - self.coef.peep.map_per_cmh2o * dpeep)

    def heart_state(self, t: np.ndarray) -> hypoxia.HeartState:
        return self.heart(np.asarray(t, dtype=np.float64))

    @staticmethod
    def _fio2(i: dict[str, np.ndarray]) -> np.ndarray:
        """FiO2 as a fraction: the ventilator's when ventilated, else the ward's."""
        return np.where(np.isnan(i["fio2"]), i["fio2_ward"], i["fio2"]) / 100.0

    # ------------------------------------------------------------------ stores

    def _co2_conductances(self, i: dict[str, np.ndarray], t: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
        c = self.coef.co2
        qeff = i["ecmo_flow"] * (1.0 - np.clip(i["recirculation"], 0.0, 0.95))
        # A failing membrane loses much less of its CO2 clearance than of its O2 transfer.
        lost = 1.0 - np.clip(i["membrane_function"], 0.0, 1.0)
        gm = co2.membrane_conductance(i["sweep_flow"], qeff, c) * (
            1.0 - c.membrane_co2_loss_ratio * lost)
        gn = co2.native_conductance(
            co2.alveolar_ventilation(i["rr"], i["tidal_volume"],
                                     self._alveolar_dead_space(i, t), c), c)
        return gm, gn

    def _alveolar_dead_space(self, i: dict[str, np.ndarray], t: np.ndarray) -> np.ndarray:
        """Alveolar dead-space fraction of the alveolar tidal volume: the scenario's VD/VT
        is stated at its own tidal volume; the airway dead space is a volume."""
        own = self._reference(("tidal_volume",), t)["tidal_volume"]
        own = np.where(np.isnan(own), i["tidal_volume"], own)
        return co2.alveolar_dead_space_fraction(i["dead_space_fraction"], own, self.coef.co2)

    def _co2_drive(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = self.inputs(_CO2_INPUTS, t)
        gm, gn = self._co2_conductances(i, t)
        return co2.paco2_drive(i["vco2"], i["cardiac_output"], gm, gn, self.coef.co2)

    def _gas_drive(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The membrane gas phase's PO2 heads for its steady state with the derived time
        constant (oxygenation.gas_phase_time_constant)."""
        i = self.inputs(("sweep_flow", "fdo2", "ecmo_flow"), t)
        ox, lung = self.coef.oxygenator, self.coef.lung
        u = oxygenation.gas_phase_po2(i["fdo2"] / 100.0, i["sweep_flow"], ox, lung)
        return u, oxygenation.gas_phase_time_constant(i["sweep_flow"], i["ecmo_flow"], ox,
                                                      GAS_TAU_MAX_S)

    def _balance(self, i: dict[str, np.ndarray], paco2: np.ndarray, t: np.ndarray
                 ) -> tuple[oxygenation.OxygenBalance, np.ndarray]:
        c = self.coef
        ph = co2.ph(paco2, i["base_excess"], c.acid_base)
        factor = oxygenation.virtual_factor(ph, i["temp"], paco2, c.oxygen)
        bal = oxygenation.balance(
            shunt=i["shunt_fraction"], flow=i["ecmo_flow"], recirculation=i["recirculation"],
            cardiac_output=i["cardiac_output"], vo2=i["vo2"], hb=i["hb"], fio2=self._fio2(i),
            fdo2=i["fdo2"] / 100.0, sweep=i["sweep_flow"],
            membrane_function=i["membrane_function"], paco2=paco2, factor=factor, coef=c,
            gas_po2=self.gas_phase(t))
        return bal, factor

    def _capacity(self, i: dict[str, np.ndarray]) -> np.ndarray:
        return self.coef.oxygen.hb_binding * np.maximum(i["hb"], 0.5)

    def _o2_drive(self, t: np.ndarray) -> tuple[np.ndarray, ...]:
        """Two regimes of the O2 store (lags.run_switched): O2 consumption at demand while
        the delivery CO x Ca is at or above DO2crit, supply-dependent below it, VO2 =
        demand x DO2 / DO2crit = k CO Ca (Schumacker and Cain 1987). Then V dCv/dt =
        CO ((1 - k) Ca - Cv), linear again: Cv -> (1 - k) A / (1 - (1 - k) B) with tau =
        V / (CO (1 - (1 - k) B)). The state is Cv per unit of Hb capacity."""
        i = self.inputs(_O2_INPUTS, t)
        bal, _ = self._balance(i, self.co2_store(t), t)
        cap = self._capacity(i)
        co = np.maximum(i["cardiac_output"], 0.3)
        vol = self.coef.oxygen_store.volume
        k = np.minimum(np.maximum(i["vo2"], 0.0) / self.do2_critical, 0.999)
        b2 = (1.0 - k) * bal.b
        u2 = (1.0 - k) * bal.a0 / (1.0 - b2)
        tau2 = 60.0 * vol / (co * (1.0 - b2))
        # Delivery at or above DO2crit <=> Cv >= (DO2crit / CO - A) / B.
        need = self.do2_critical / co - bal.a0
        with np.errstate(divide="ignore", invalid="ignore"):
            threshold = np.where(bal.b > 1e-9, need / np.maximum(bal.b, 1e-12),
                                 np.where(need <= 0, -np.inf, np.inf))
        # Watched for the heart (_supply_adequate): the same level, except that the
        # delivery counts the cardiac output below the 0.3 L/min the balance floors it at.
        watch = np.where(i["cardiac_output"] >= 0.3, threshold, np.inf)
        return (bal.venous_steady_state() / cap,
                bal.venous_time_constant(i["cardiac_output"], vol),
                u2 / cap, tau2, threshold / cap, watch / cap)

    def _supply_adequate(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether DO2 >= DO2crit at every 10 s knot from a to b (b excluded), from the O2
        store (its venous state clear of the critical level there, with a margin for
        rounding): the heart has nothing to integrate, most of a course."""
        return self.o2_store.closest(a, b) >= _ADEQUATE_MARGIN

    def _delivery_ratio(self, t: np.ndarray) -> np.ndarray:
        """DO2 / DO2crit with the heart beating as the scenario has it (hypoxia.py)."""
        i = self.inputs(_O2_INPUTS, t)
        bal, _ = self._balance(i, self.co2_store(t), t)
        cv = np.maximum(self.o2_store(t), 0.0) * self._capacity(i)
        do2 = np.maximum(i["cardiac_output"], 0.0) * bal.arterial(cv)
        return do2 / self.do2_critical

    # ------------------------------------------------------------------ gas exchange

    def gas_at_grid(self, k: np.ndarray, arterial: np.ndarray, venous: np.ndarray
                    ) -> dict[str, np.ndarray]:
        """Gas-exchange state at grid times k * GAS_GRID_S (k unique, sorted). Arterial
        values are only needed where `arterial` is set, circuit values where `venous` is
        (the dissociation curve is inverted only there); elsewhere they are NaN."""
        t = k * GAS_GRID_S
        c = self.coef
        i = self.inputs((*_O2_INPUTS, "tidal_volume", "dead_space_fraction", "peep",
                         "oximeter_bias"), t)
        paco2 = np.minimum(self.co2_store(t), co2.MAX_PACO2)
        bal, factor = self._balance(i, paco2, t)
        cv = np.maximum(self.o2_store(t), 0.0) * self._capacity(i)
        hb = np.maximum(i["hb"], 0.5)

        def at(mask: np.ndarray, cont: np.ndarray, saturation: bool) -> np.ndarray:
            out = np.full(k.shape, np.nan)
            p = oxygenation.po2_from_content(cont[mask], hb[mask], factor[mask], c.oxygen)
            out[mask] = (100.0 * oxygenation.saturation(p * factor[mask], c.oxygen)
                         if saturation else p)
            return out

        ca = bal.arterial(cv)
        pao2 = at(arterial, ca, False)
        sao2 = 100.0 * oxygenation.saturation(pao2 * factor, c.oxygen)
        etco2 = co2.etco2(paco2, self._alveolar_dead_space(i, t))
        om = c.oximetry
        weight = np.clip((om.bias_full_weight_below + om.bias_span - sao2) / om.bias_span,
                         0.0, 1.0)
        return {
            "sao2": sao2, "pao2": pao2, "paco2": paco2,
            "ph": co2.ph(paco2, i["base_excess"], c.acid_base),
            "svo2": at(venous, bal.drainage(cv), True),
            "po2_post": at(venous, bal.post_oxygenator(cv), False),
            "etco2": np.where(np.isnan(i["peep"]), np.nan, etco2),
            "spo2_site": np.clip(sao2 + i["oximeter_bias"] * weight, 0.0, 100.0),
        }

    def gas(self, t: np.ndarray, names: Iterable[str] = GAS_OUTPUTS) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=np.float64)
        names = list(names)
        # Interpolate between the last grid point at or before t and the one before it
        # (value at t = grid value one step earlier): causal by construction.
        x = t / GAS_GRID_S - 1.0
        k = np.floor(x).astype(np.int64)
        frac = x - k
        # Each output is read at its site: arterial blood after the lung-to-artery delay,
        # SpO2 after the lung-to-finger delay, circuit and venous values at once.
        site = {"sao2": ("artery", "sao2"), "pao2": ("artery", "pao2"),
                "paco2": ("artery", "paco2"), "ph": ("artery", "ph"),
                "spo2": ("finger", "spo2_site"), "svo2": ("", "svo2"),
                "po2_post": ("", "po2_post"), "etco2": ("", "etco2")}
        shifts = {"": 0, "artery": self._artery_k, "finger": self._finger_k}
        used = {site[n][0] for n in names}
        points = {w: sorted_unique_ints(np.concatenate([k - shifts[w], k - shifts[w] + 1]))
                  for w in used}
        need = sorted_unique_ints(np.concatenate(list(points.values())))
        arterial = np.zeros(need.shape, bool)
        venous = np.zeros(need.shape, bool)
        for w, pts in points.items():
            (venous if w == "" else arterial)[np.searchsorted(need, pts)] = True
        if need.size == 0:
            return {n: np.empty(t.shape) for n in names}
        state = self.gas_at_grid(need, arterial, venous)
        out = {}
        # No circuit (before cannulation, after decannulation): no drainage saturation or
        # post-oxygenator PO2 to show.
        circuit = ~np.isnan(self._raw_inputs(("ecmo_flow",), t)["ecmo_flow"])
        dense = need.size == int(need[-1] - need[0]) + 1  # every grid point: plain offsets
        for n in names:
            where, key = site[n]
            at = k - shifts[where]
            j0 = (at - need[0]) if dense else np.searchsorted(need, at)
            v = state[key]
            out[n] = v[j0] + (v[j0 + 1] - v[j0]) * frac
            if n in ("svo2", "po2_post"):
                out[n] = np.where(circuit, out[n], np.nan)
        return out

    # ------------------------------------------------------------------ everything

    def outputs(self, t: np.ndarray, names: Iterable[str] = OUTPUTS) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=np.float64)
        names = list(names)
        out: dict[str, np.ndarray] = {}
        gas = [n for n in names if n in GAS_OUTPUTS]
        if gas:
            out.update(self.gas(t, gas))
        rest = [n for n in names if n not in GAS_OUTPUTS]
        if not rest:
            return out
        i = self._raw_inputs(("ecmo_flow", "ecmo_spill", "cvp", "membrane_resistance",
                              "drainage_resistance", "peep", "blood_volume_deficit"), t)
        i["cvp"] = self._peep_effect("cvp", i["cvp"], self.peep_change(t))
        c = self.coef
        if {"p_venous", "p_int", "delta_p"} & set(rest) and self.drops is None:
            out.update({n: np.full(t.shape, np.nan) for n in ("p_venous", "p_int", "delta_p")})
        elif {"p_venous", "p_int", "delta_p"} & set(rest):
            flow = i["ecmo_flow"]  # NaN before cannulation: no circuit, no pressures
            cvp = np.where(np.isnan(i["cvp"]), INPUT_DEFAULTS["cvp"], i["cvp"])
            mr = np.where(np.isnan(i["membrane_resistance"]), 6.0, i["membrane_resistance"])
            dr = np.where(np.isnan(i["drainage_resistance"]), 1.0, i["drainage_resistance"])
            p = circuit.pressures(flow, cvp, mr, dr, self.drops, c.circuit, i["ecmo_spill"])
            out.update(p_venous=p.p_venous, p_int=p.p_int, delta_p=p.delta_p)
        if "ppv" in rest:
            v = c.ventilation
            deficit = np.nan_to_num(i["blood_volume_deficit"])
            ppv = (v.ppv_base + v.ppv_per_peep * np.maximum(i["peep"] - v.ppv_peep_ref, 0.0)
                   + v.ppv_per_100ml_deficit * np.maximum(deficit, 0.0) / 100.0)
            # Not ventilated: no positive-pressure swing (NaN PEEP).
            out["ppv"] = np.minimum(ppv, v.ppv_max)
        return {n: out[n] for n in names}
