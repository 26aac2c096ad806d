"""The patient's course: every numeric channel, flag and result at any case time.

`Course` is a pure function: values depend only on (scenario,
perturbations, seed, t). Nothing here keeps state between calls except caches of
derived, immutable data. The intermittent results (blood gases, labs, ACT) are
replay_data.lab_results, read through `Course.lab` and the methods that ask it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import lung, noise, rhythm, ventilator
from .catalogue import Catalogue, NumericChannel, load_catalogue
from .controls import AIR_FLAG, bubble_flags, settings_at, team_ended
from .errors import ReplayDataError
from .keyframes import interpolate, node_sum, step_text
from .lab_results import LabResults, Result
from .perturbations import Perturbation, PerturbationIndex, injection
from .physiology import circuit
from .physiology.model import HEART_STEP_S, INPUT_DEFAULTS, PatientModel
from .scenario import DEFAULT_SCENARIO, Scenario, load_scenario

# Values the alarm engine reads besides the displayed numerics.
ACT_LATEST = "act"
# Where the displayed heart rate comes from: values[HR_SOURCE] indexes HR_SOURCES (NaN: no
# rate). With the ECG leads off the monitor counts the arterial pulse, else the pleth.
HR_SOURCE = "hr_source"
HR_SOURCES = ("ECG", "ART", "PLETH")
# The catalogue group of the ECMO circuit's channels: NaN in a scenario without a [circuit].
ECMO_GROUP = "ecmo"
# Pump states shown on the ECMO panel.
PUMP_RUNNING, PUMP_STOPPED, PUMP_CLAMPED = "running", "STOPPED", "CLAMPED"
PUMP_NO_FLOW = "NO FLOW"  # turning, no flow, no clamp on (the console cannot say why)
# Below this the rotor is not turning (the panel and the console say STOPPED, whatever the
# switch); below this flow through the pump, it moves no blood.
PUMP_TURNING_RPM, PUMP_FLOWING_LPM = 100.0, 0.2


@dataclass(frozen=True)
class Sample:
    """Everything measured at one case time: numerics (NaN = not measured) and flags."""
    t: float
    values: dict[str, float]
    flags: frozenset[str]


SCHEDULED_PREFIX = "scheduled:"


def scheduled_id(injection_id: str, t: float) -> str:
    """The id of a scenario's scheduled injection: the instructor's stop names it."""
    return f"{SCHEDULED_PREFIX}{injection_id}@{t:.0f}"


def is_scheduled(pid: str) -> bool:
    """A disturbance id of the scenario's own schedule (or of its cut copy after the
    instructor stopped it), not one the instructor or the team started."""
    return pid.startswith(SCHEDULED_PREFIX)


@dataclass(frozen=True)
class Course:
    scenario: Scenario
    seed: int = 0
    perturbations: tuple[Perturbation, ...] = ()
    catalogue: Catalogue = field(default_factory=load_catalogue)

    # ------------------------------------------------------------------ building

    @classmethod
    def load(cls, scenario: str = DEFAULT_SCENARIO, seed: int = 0) -> Course:
        return cls(load_scenario(scenario), seed)

    def with_perturbations(self, perturbations: Iterable[Perturbation]) -> Course:
        """The same course with the instructor's disturbances layered on."""
        perts = tuple(perturbations)
        for p in perts:
            self.check_perturbation(p)
        return Course(self.scenario, self.seed, perts, self.catalogue)

    def check_perturbation(self, p: Perturbation) -> None:
        """ReplayDataError if `p` acts on a channel it cannot (a derived one)."""
        for eff in p.effects:
            ch = self.catalogue.numeric(eff.channel)
            if ch.derived:
                raise ReplayDataError(
                    f"{eff.channel!r} is derived from other channels and cannot be overridden")

    @cached_property
    def model(self) -> PatientModel:
        """The gas-exchange and circulation model fed by this course's inputs."""
        return PatientModel(self.true_inputs, cannulae=self.scenario.circuit,
                            reference=self.scenario_inputs,
                            weight_kg=self.scenario.patient.weight_kg,
                            keyframes=self.scenario.numeric_keyframes,
                            pressure_kinds={c: self.catalogue.numerics[c].interpolation
                                            for c in ("abp_sys", "abp_dia")})

    @cached_property
    def _output_cache(self) -> dict[tuple, dict[str, np.ndarray]]:
        return {}

    def true_inputs(self, channels: Iterable[str], t: np.ndarray) -> dict[str, np.ndarray]:
        """Input channels as the patient has them: keyframes (or the catalogue's default)
        with the disturbances applied, without the monitor's measurement noise (NaN where
        the scenario gives no value). The tidal volume is the lung's (replay_data.lung:
        in pressure control it follows from the lung mechanics where the scenario
        keyframes them, or a disturbance changes them)."""
        tt = np.asarray(t, dtype=np.float64)
        names = list(channels)
        out = self.keyframed_inputs([c for c in names if c != lung.TIDAL_VOLUME], tt)
        if lung.TIDAL_VOLUME in names:
            out[lung.TIDAL_VOLUME] = lung.tidal_volume(self, tt)
        return {c: out[c] for c in names}

    def keyframed_inputs(self, channels: Iterable[str], t: np.ndarray
                         ) -> dict[str, np.ndarray]:
        """Input channels from the scenario's keyframes (or the catalogue's default) with
        every disturbance and setting layered on, the lung mechanics aside: true_inputs
        but for the tidal volume, which is here the scenario's (and the team's)."""
        tt = np.asarray(t, dtype=np.float64)
        out = {}
        for c in channels:
            if self.catalogue.numerics[c].group == "controls":
                out[c] = self._control_setting(c, tt)
                continue
            base = self.scenario_inputs((c,), tt)[c] + self.model.vasopressor.shift(c, tt)
            out[c] = self.perturbation_index.apply(c, tt, base, False)
            if c == "cardiac_output":  # chest compressions during an arrest (rhythm.py)
                out[c] = rhythm.with_cpr_output(self, tt, out[c])
        return out

    def scenario_inputs(self, channels: Iterable[str], t: np.ndarray
                        ) -> dict[str, np.ndarray]:
        """Input channels as the scenario has them, before any disturbance: its keyframes,
        the catalogue's `default` where it gives none (NaN without a default)."""
        tt = np.asarray(t, dtype=np.float64)
        return {c: self._keyframe_level(self.catalogue.numerics[c], tt) for c in channels}

    def _keyframe_level(self, ch: NumericChannel, t: np.ndarray) -> np.ndarray:
        if ch.group == ECMO_GROUP and self.scenario.circuit is None:
            return np.full(t.shape, np.nan)  # no circuit: nothing to connect, whatever is keyframed
        kf = self.scenario.numeric_keyframes.get(ch.id)
        level = np.full(t.shape, np.nan) if kf is None else interpolate(kf, t, ch.interpolation)
        if ch.default is not None:
            level = np.where(np.isnan(level), ch.default, level)
        return level

    @cached_property
    def disturbance_index(self) -> PerturbationIndex:
        """The injections and overrides without the team's settings (a lung that sets its
        own tidal volume layers only these on it: replay_data.lung)."""
        return PerturbationIndex(tuple(p for p in self.acting_perturbations
                                       if p.kind != "control"))

    def _control_setting(self, control: str, t: np.ndarray) -> np.ndarray:
        """The team's setting of one console control (replay_data.controls) at times t:
        a step from each control perturbation that restates it; NaN before the first."""
        v = np.full(t.shape, np.nan)
        for p, e in self.perturbation_index.controls_of(control):
            v = np.where(t >= p.start, e.set, v)
        return v

    def model_outputs(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Every model output at times t, noise-free (what a blood gas drawn then reads);
        the last few time grids are cached, since views ask channel by channel."""
        tt = np.ascontiguousarray(t, dtype=np.float64)
        key = (tt.size, hash(tt.tobytes()))
        cache = self._output_cache
        got = cache.get(key)
        if got is None:
            got = self._with_clamps(tt, self.model.outputs(tt))
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[key] = got
        return got

    def _with_clamps(self, t: np.ndarray, out: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray]:
        """The circuit pressures where a line is clamped with the pump turning
        (replay_data.physiology.circuit.clamped): the pump's head, not the CVP. Clamped
        by the team (its clamp setting) or by an injection (its <line>_clamped flag)."""
        if self.scenario.circuit is None or "p_venous" not in out:
            return out
        on = {}
        flags = self.perturbation_index.flags(t)
        for line in ("drainage", "return"):
            setting = self._control_setting(f"control.ecmo.clamp_{line}", t)
            by_injection = flags.get(f"{line}_clamped", np.zeros(t.shape, bool))
            on[line] = ((setting >= 0.5) | by_injection) & np.isfinite(out["p_venous"])
        if not (on["drainage"].any() or on["return"].any()):
            return out
        i = self.true_inputs(("cvp", "ecmo_rpm"), t)
        cvp = np.where(np.isnan(i["cvp"]), INPUT_DEFAULTS["cvp"], i["cvp"])
        p = circuit.clamped(circuit.CircuitPressures(out["p_venous"], out["p_int"],
                                                     out["delta_p"]),
                            cvp, i["ecmo_rpm"], on["drainage"], on["return"],
                            self.model.coef.circuit)
        return {**out, "p_venous": p.p_venous, "p_int": p.p_int, "delta_p": p.delta_p}

    @cached_property
    def scheduled(self) -> tuple[Perturbation, ...]:
        """The scenario's own injections (a drill's pump stop), as disturbances with ids
        `scheduled:<injection>@<t>`. One the instructor stopped is replaced by its cut copy
        among `perturbations` (same id), so it is not counted twice."""
        own = {p.id for p in self.perturbations}
        made = (injection(self.scenario, s.injection, s.t, severity=s.severity,
                          duration=s.duration, until_stopped=s.duration is None,
                          pid=scheduled_id(s.injection, s.t))
                for s in self.scenario.scheduled)
        return tuple(p for p in made if p.id not in own)

    @property
    def all_perturbations(self) -> tuple[Perturbation, ...]:
        return self.scheduled + self.perturbations

    @cached_property
    def perturbation_index(self) -> PerturbationIndex:
        """All perturbations arranged so that a value costs only those active then."""
        return PerturbationIndex(self.acting_perturbations)

    @cached_property
    def acting_perturbations(self) -> tuple[Perturbation, ...]:
        """all_perturbations as they act (replay_data.controls.team_ended): emergencies
        ended by the team's action their `ended_by` names, in the order they begin."""
        return team_ended(self.all_perturbations,
                          {k: v.ended_by for k, v in self.scenario.injections.items()})

    # ------------------------------------------------------------------ numerics

    def check_channel(self, channel: str) -> NumericChannel:
        if channel not in self.catalogue.numerics:
            known = ", ".join(self.catalogue.displayed_numerics)
            raise ReplayDataError(f"unknown channel {channel!r} (known: {known})")
        return self.catalogue.numerics[channel]

    def _noise(self, ch: NumericChannel, t: np.ndarray) -> np.ndarray:
        spec = ch.noise
        if spec.sd <= 0:
            return np.zeros(t.shape)
        own = noise.smooth_noise(noise.stream_key(self.seed, ch.id), t, spec.tau)
        if spec.group and spec.share > 0:
            shared = noise.smooth_noise(noise.stream_key(self.seed, "group:" + spec.group), t,
                                        spec.tau)
            own = math.sqrt(1.0 - spec.share) * own + math.sqrt(spec.share) * shared
        return own * spec.sd

    def _base(self, ch: NumericChannel, t: np.ndarray) -> np.ndarray:
        if ch.model:
            level = self.model_outputs(t)[ch.id]
        else:
            level = self._keyframe_level(ch, t)
            if np.isnan(level).all():
                return level
            # Norepinephrine's effect on the arterial pressure, under any override of it.
            level = level + self.model.vasopressor.shift(ch.id, t)
        n = self._noise(ch, t)
        if ch.noise.mode == "headroom":
            # Noise on the distance below the ceiling: saturated values barely move.
            return ch.noise.ceiling - (ch.noise.ceiling - level) * np.exp(n)
        if ch.noise.mode == "proportional":
            return level * np.exp(n)
        return level + n

    def numeric(self, channel: str, t: np.ndarray | Sequence[float] | float,
                measured: bool = True) -> np.ndarray:
        """Channel values at times t. `measured=False` gives the physiology behind a
        sensor that is off (used to drive waveforms of other sensors)."""
        ch = self.check_channel(channel)
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if ch.derived == "mean_arterial":
            sys_ = self.numeric("abp_sys", tt, measured)
            dia = self.numeric("abp_dia", tt, measured)
            v = dia + (sys_ - dia) / 3.0
        elif ch.derived == "post_oxygenator_pressure":
            v = self.numeric("p_int", tt, measured) - self.numeric("delta_p", tt, measured)
        elif ch.derived == "ventilator":
            v = ventilator.numerics_grid(self, tt)[channel]
        elif ch.derived:
            raise ReplayDataError(f"channel {channel!r}: unknown derivation {ch.derived!r}")
        elif channel == lung.TIDAL_VOLUME:  # the lung's (true_inputs); no sensor noise
            v = lung.tidal_volume(self, tt)
        else:
            v = self.perturbation_index.apply(channel, tt, self._base(ch, tt), measured)
            # PEEP's and the hypoxic heart's effects on the vitals (physiology.model).
            v = self.model.display_adjusted(channel, tt, v)
            v = rhythm.with_compressions(self, channel, tt, v)
            if channel == "hr" and measured:
                v = np.where(np.isnan(self._hr_source_code(tt)), np.nan, v)
        lo, hi = ch.limits
        return np.clip(v, lo, hi)

    def _hr_source_code(self, t: np.ndarray) -> np.ndarray:
        """Index into HR_SOURCES per time (NaN: no heart rate). ECG leads off: the monitor
        counts the arterial pulse if there is a line, else the pleth."""
        code = np.zeros(t.shape)
        leads_off = self.flags(t).get("ecg_leads_off")
        if leads_off is None or not leads_off.any():
            return code
        art = np.isfinite(self.numeric("abp_sys", t))
        pleth = np.isfinite(self.numeric("spo2", t))
        alt = np.where(art, 1.0, np.where(pleth, 2.0, np.nan))
        return np.where(leads_off, alt, code)

    def hr_source(self, t: float) -> str:
        """"ECG", "ART" or "PLETH" (the monitor labels the rate with it), "" for none."""
        c = self._hr_source_code(np.array([float(t)]))[0]
        return "" if np.isnan(c) else HR_SOURCES[int(c)]

    def pump_state(self, t: float) -> str:
        """running, STOPPED (no rpm), CLAMPED (turning, no flow, a line clamped) or NO
        FLOW (turning, no flow, no clamp: the console cannot say why); "" with no
        circuit."""
        i = self.true_inputs(("ecmo_rpm", "ecmo_flow", "ecmo_spill"), np.array([float(t)]))
        rpm = float(i["ecmo_rpm"][0])
        # Through the pump: a torn line's spill as well (the pump is running).
        flow = float(circuit.pump_flow(i["ecmo_flow"], i["ecmo_spill"])[0])
        if np.isnan(flow):
            return ""
        if not rpm >= PUMP_TURNING_RPM:
            return PUMP_STOPPED
        if flow >= PUMP_FLOWING_LPM:
            return PUMP_RUNNING
        s = settings_at(self, t)
        clamped = max(s["control.ecmo.clamp_drainage"], s["control.ecmo.clamp_return"]) >= 0.5
        return PUMP_CLAMPED if clamped else PUMP_NO_FLOW

    def node_sums(self, channel: str, starts: np.ndarray, n: int, step: float) -> np.ndarray:
        """For each start: sum(numeric(channel, start + j * step, measured=False), j < n),
        NaN counted as 0 — what integrating a rate over long stretches needs. Keyframes and
        noise are summed in closed form (keyframes.node_sum, noise.smooth_noise_sums);
        samples are evaluated only where a disturbance touches the channel, or where the
        closed form does not apply. Each start's sum is the same whichever others come
        with it."""
        ch = self.check_channel(channel)
        kf = self.scenario.numeric_keyframes.get(channel)
        starts = np.asarray(starts, dtype=np.float64)
        out = np.empty(starts.size)
        closed = np.zeros(starts.size, dtype=bool)
        spec = ch.noise
        if kf is not None and ch.keyframed and spec.mode == "additive":
            spread = 4.0 * spec.sd
            for i, start in enumerate(starts):
                end = start + (n - 1) * step
                level = node_sum(kf, float(start), n, step, ch.interpolation)
                if not math.isfinite(level):
                    continue
                # Clipping to the channel's limits would break the closed form.
                edge = interpolate(kf, np.array([start, end]), ch.interpolation)
                inner = [v for tt, v in zip(kf.times, kf.values) if start <= tt <= end]
                vmin, vmax = min([*edge, *inner]), max([*edge, *inner])
                if vmin - spread > ch.limits[0] and vmax + spread < ch.limits[1]:
                    out[i], closed[i] = level, True
        if closed.any() and spec.sd > 0:
            cs = starts[closed]
            own = noise.smooth_noise_sums(noise.stream_key(self.seed, ch.id), cs, n, step,
                                          spec.tau)
            if spec.group and spec.share > 0:
                shared = noise.smooth_noise_sums(
                    noise.stream_key(self.seed, "group:" + spec.group), cs, n, step, spec.tau)
                own = math.sqrt(1.0 - spec.share) * own + math.sqrt(spec.share) * shared
            out[closed] += spec.sd * own
        for i, start in enumerate(starts):
            end = start + (n - 1) * step
            if not closed[i]:
                t = start + step * np.arange(n)
                out[i] = float(np.nansum(self.numeric(channel, t, measured=False)))
                continue
            # Disturbances: the difference they make, sample by sample, where they act.
            spans = [(p.start, p.end + p.recovery)
                     for p in self.perturbation_index.touching(channel, start, end)]
            if channel == "hr":
                spans += self._hypoxic_heart_spans(start, end)
            if spans:
                a = max(0, math.floor((min(s for s, _ in spans) - start) / step))
                last = max(e for _, e in spans)  # inf: until stopped
                b = n - 1 if not math.isfinite(last) else min(
                    n - 1, math.ceil((last - start) / step))
                t = start + step * np.arange(a, b + 1)
                disturbed = np.nan_to_num(self.numeric(channel, t, measured=False))
                out[i] += float(disturbed.sum() - self._base(ch, t).sum())
        return out

    def _hypoxic_heart_spans(self, start: float, end: float) -> list[tuple[float, float]]:
        """Where in [start, end] the hypoxic heart slows the rate (physiology.hypoxia): it
        follows any disturbance that starves it of oxygen -- an override of the ECMO flow,
        the team's pump off -- without one acting on "hr" itself, and outlasts it. Found on
        the heart's own knots, a knot's width either side."""
        if not self.perturbation_index.started_by(end):
            return []  # nothing has disturbed the patient yet: the heart is as the case
        step = HEART_STEP_S
        grid = np.arange(math.floor(start / step) * step, end + step, step)
        heart = self.model.heart_state(grid)
        off = np.flatnonzero((heart.failing > 0.0) | heart.arrested)
        if off.size == 0:
            return []
        return [(float(grid[off[0]]) - step, float(grid[off[-1]]) + step)]

    def numerics(self, channels: Iterable[str],
                 t: np.ndarray | Sequence[float]) -> dict[str, np.ndarray]:
        tt = np.asarray(t, dtype=np.float64)
        wanted = list(channels)
        out: dict[str, np.ndarray] = {}
        vent = None  # the ventilator's numerics, computed once for all of its channels
        # Measured channels first, so derived ones reuse them instead of recomputing.
        for c in sorted(wanted, key=lambda c: bool(self.check_channel(c).derived)):
            ch = self.catalogue.numerics[c]
            if ch.derived == "mean_arterial" and {"abp_sys", "abp_dia"} <= out.keys():
                v = out["abp_dia"] + (out["abp_sys"] - out["abp_dia"]) / 3.0
                out[c] = np.clip(v, *ch.limits)
            elif ch.derived == "post_oxygenator_pressure" and {"p_int", "delta_p"} <= out.keys():
                out[c] = np.clip(out["p_int"] - out["delta_p"], *ch.limits)
            elif ch.derived == "ventilator":
                if vent is None:
                    vent = ventilator.numerics_grid(self, tt)
                out[c] = np.clip(vent[c], *ch.limits)
            else:
                out[c] = self.numeric(c, tt)
        return {c: out[c] for c in wanted}

    def flags(self, t: np.ndarray | Sequence[float] | float) -> dict[str, np.ndarray]:
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        out = self.perturbation_index.flags(tt)
        if AIR_FLAG in out:
            # The detector sees no more air once the team has clamped and de-aired.
            out[AIR_FLAG] = bubble_flags(self, tt)
        cpr = rhythm.compressions(self, tt)
        if cpr.any():
            out[rhythm.CPR_FLAG] = cpr
        # The hypoxic heart's arrest is an arrest as an injection's is (the screen keeps
        # the ECG, pleth and ART rows flat, not gone).
        arrested = self.model.heart_state(tt).arrested
        if arrested.any():
            out[rhythm.ARREST_FLAG] = out.get(rhythm.ARREST_FLAG,
                                              np.zeros(tt.shape, bool)) | arrested
        flat = rhythm.asystole(self, tt, out)
        if flat.any():
            out[rhythm.ASYSTOLE_FLAG] = flat
        for fp in self.scenario.flag_periods:
            on = (tt >= fp.start) & (tt < fp.end)
            out[fp.flag] = out.get(fp.flag, np.zeros(tt.shape, bool)) | on
        return out

    def mode(self, name: str, t: float) -> str:
        """A text mode in force at t; the ECMO mode carries the pump's state (and is ""
        without a circuit, whatever the scenario's modes say)."""
        if name == "ecmo_mode" and self.scenario.circuit is None:
            return ""
        text = step_text(self.scenario.modes.get(name, ()), t)
        if name == "ecmo_mode":
            state = self.pump_state(t)
            if state:
                text = f"{text} · {state}" if text else state
        return text

    def sample(self, t: float) -> Sample:
        """All numerics plus the latest ACT and the flags at one case time."""
        values, flags = self.sample_grid(np.array([float(t)]))
        return Sample(float(t), {c: float(v[0]) for c, v in values.items()},
                      frozenset(f for f, on in flags.items() if on[0]))

    def sample_grid(self, t: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Vectorised `sample` on a time grid: (values, flags) as arrays."""
        tt = np.asarray(t, dtype=np.float64)
        values = self.numerics(self.catalogue.measured_numerics, tt)
        values[ACT_LATEST] = self.held_result(ACT_LATEST, tt)
        values[HR_SOURCE] = self._hr_source_code(tt)
        return values, self.flags(tt)

    # ------------------------------------------------------------------ results

    @cached_property
    def lab(self) -> LabResults:
        """The scenario's draws with their values (replay_data.lab_results)."""
        return LabResults(self)

    def truth(self, channel: str, t: np.ndarray) -> np.ndarray:
        """A channel's value without measurement noise: a model output as a blood gas reads
        it, or an input as the patient has it."""
        ch = self.check_channel(channel)
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if ch.model:
            return self.model.display_adjusted(channel, tt, self.model_outputs(tt)[channel])
        return self.model.display_adjusted(channel, tt, self.true_inputs([channel], tt)[channel])

    def results_until(self, t: float) -> list[Result]:
        """Results drawn at or before t, oldest first."""
        return self.lab.results_until(t)

    def latest_results(self, t: float) -> dict[str, Result]:
        return self.lab.latest_results(t)

    def latest_result(self, test: str, t: float) -> Result | None:
        return self.lab.latest_result(test, t)

    def held_result(self, test: str, t: np.ndarray) -> np.ndarray:
        """Latest value of a result at each t (NaN before the first draw)."""
        return self.lab.held_result(test, t)
