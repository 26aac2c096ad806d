"""Norepinephrine moves the arterial pressure: a first-order lag of the dose and a
saturating dose-effect curve.

The infused dose D (the `norepinephrine_rate` input, µg/kg/min, with the instructor's
overrides and the scenario's keyframes) reaches its effect site with a first-order lag,
dDe/dt = (D - De) / tau, tau = 90 s (plasma half-life of norepinephrine about 2-2.5 min
and a pressure response within 1-2 min of a rate change: Beloeil et al., Br J Anaesth
2005; 95:782; tau assumed). The pressure effect is E(De) = Emax (1 - exp(-g De / Emax)):
linear at low doses with gain g mmHg per µg/kg/min, saturating towards Emax at high doses
(an Emax model, as fitted by Oualha et al., Br J Clin Pharmacol 2014; 78:886; g and Emax
**assumed**, resources/catalogue/physiology.toml [vasopressor]).

The scenario's keyframed arterial pressures are the patient's pressures at their times,
on the dose that was running up to then (a dose set at the same moment acts after it).
So each pressure keyframe carries the effect of that dose, E(D just before the keyframe),
interpolated between keyframes as the pressure is; the pressure shown is the keyframed
one minus that and plus the effect of the lagged dose:

    P(t) = P_keyframes(t) - E_keyframes(t) + E(De(t)).

At each keyframe (its dose having acted) this is the keyframe's pressure; a dose change,
the scenario's or an instructor's, moves the pressure over the next minutes (by
E(D_new) - E(D_old)); between keyframes the scenario's own change of pressure is
interpolated as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..keyframes import interpolate
from ..scenario_data import ChannelKeyframes
from .coefficients import Vasopressor as VasopressorCoef
from .lags import Lag

DOSE = "norepinephrine_rate"
PRESSURES = ("abp_sys", "abp_dia")
# The dose's knots every 10 s (tau 90 s); 15 min of warm-up from the steady state leave
# an error of exp(-10).
STEP_S, WARMUP_S = 10.0, 900.0

Dose = Callable[[np.ndarray], np.ndarray]  # times -> µg/kg/min (NaN: none running)


def effect(dose: np.ndarray, c: VasopressorCoef) -> np.ndarray:
    """E(D) = Emax (1 - exp(-g D / Emax)) in mmHg; no dose (NaN) is no effect."""
    d = np.maximum(np.nan_to_num(np.asarray(dose, dtype=np.float64)), 0.0)
    return c.max_effect * -np.expm1(-c.map_gain * d / c.max_effect)


def keyframed_effects(keyframes: Mapping[str, ChannelKeyframes], c: VasopressorCoef
                      ) -> dict[str, ChannelKeyframes]:
    """Per pressure channel: the effect of the dose in force at each of its keyframes, on
    the pressure's keyframe times (Vasopressor interpolates it as the pressure is)."""
    dose = keyframes.get(DOSE)
    out = {}
    for ch in PRESSURES:
        kf = keyframes.get(ch)
        if kf is None:
            continue
        # The dose running up to the keyframe (one set at that moment acts after it).
        times = np.nextafter(np.asarray(kf.times, dtype=np.float64), -np.inf)
        d = np.zeros(times.size) if dose is None else interpolate(dose, times, "step")
        out[ch] = ChannelKeyframes(kf.times, tuple(float(e) for e in effect(d, c)))
    return out


class Vasopressor:
    """The pressure shift P(t) - P_keyframes(t) of the module docstring, per channel."""

    def __init__(self, dose: Dose, keyframes: Mapping[str, ChannelKeyframes],
                 kinds: Mapping[str, str], coef: VasopressorCoef, checkpoint_s: float) -> None:
        """`dose`: the infused dose at any times; `keyframes`: the scenario's (its
        pressures and dose); `kinds`: each pressure channel's interpolation."""
        self.coef = coef
        self._dose = dose
        self._keyframed = keyframed_effects(keyframes, coef)
        self._kinds = dict(kinds)
        self.site = Lag("norepinephrine", STEP_S, WARMUP_S, checkpoint_s, self._drive)

    def _drive(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = np.maximum(np.nan_to_num(self._dose(t)), 0.0)
        return u, np.full(t.shape, self.coef.time_constant)

    def shift(self, channel: str, t: np.ndarray) -> np.ndarray:
        """mmHg to add to the keyframed `channel` at times t (0 for other channels)."""
        tt = np.asarray(t, dtype=np.float64)
        if channel not in PRESSURES:
            return np.zeros(tt.shape)
        now = effect(self.site(tt), self.coef)
        kf = self._keyframed.get(channel)
        if kf is None:
            return now
        own = interpolate(kf, tt, self._kinds.get(channel, "smooth"))
        return now - np.nan_to_num(own)
