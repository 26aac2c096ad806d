"""The heart under an O2 debt: hypoxic bradycardia, hypotension, arrest and recovery.

Below a critical O2 delivery DO2crit the body's O2 consumption becomes supply-dependent
(Schumacker and Cain 1987; Ronco et al. 1993; oxygenation.py) and an O2 debt builds. Its
severity h = clip((1 - DO2 / DO2crit) / full_debt_ratio, 0, 1) drives the heart's hypoxic
load L, a leaky integral of the debt over the course's history:

    dL/dt = h / accumulation - L / recovery

Above `bradycardia_from` heart rate, arterial pressure and cardiac output fall with
x = (L - bradycardia_from) / (arrest_at - bradycardia_from); the lost output is fed back
into the delivery the debt is counted on (DO2 x (1 - output_loss_at_arrest x x)) while
DO2 < DO2crit, which is the hypoxic spiral; with the supply restored the heart recovers.
At L = arrest_at the heart arrests (PEA, then asystole after
`pea_for`): no output, h = 1. If oxygenation is restored (the delivery with a beating heart
back at DO2crit) within `reversible_for` of the arrest, the team is taken to resuscitate
(CPR is not modelled): h = 0, and the rhythm returns when L has fallen below `rosc_below`.
Later than that, no recovery. All assumed figures are in physiology.toml [hypoxia].

The state is a function of the course's history, computed on a 10 s knot grid in the
checkpoint intervals of lags.py: each interval starts `warmup` (2 h) earlier from rest
(L = 0 where the supply is adequate), so an arrest is remembered while its cause lasts
and for at least the warm-up after; the same interval is always computed the same way
(seek equals play). Nothing here feeds back into the gas exchange (the O2 and CO2 stores
see the scenario's cardiac output): during an arrest the pulse oximeter reads nothing and
the blood-gas values stand for blood that is not circulating.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .coefficients import Hypoxia
from .lags import Quiet, Windowed

# Delivery ratio DO2 / DO2crit at knot times (the heart beating as the scenario has it).
RatioDrive = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HeartState:
    """At given times: the hypoxic load, the failing heart's fraction x (0-1), whether it
    is arrested, and seconds since the arrest began (NaN when beating)."""
    load: np.ndarray
    failing: np.ndarray
    arrested: np.ndarray
    since_arrest: np.ndarray

    def output_factor(self, c: Hypoxia) -> np.ndarray:
        return np.where(self.arrested, 0.0, 1.0 - c.output_loss_at_arrest * self.failing)

    def hr_factor(self, c: Hypoxia, hr: np.ndarray) -> np.ndarray:
        """Heart rate: falling with the load, then an agonal rate slowing to asystole."""
        beating = hr * (1.0 - c.hr_loss_at_arrest * self.failing)
        s = np.nan_to_num(self.since_arrest)
        agonal = np.where(s < c.pea_for, c.hr_at_arrest * (1.0 - s / c.pea_for), 0.0)
        return np.where(self.arrested, np.minimum(agonal, beating), beating)

    def pressure(self, c: Hypoxia, channel: str, v: np.ndarray) -> np.ndarray:
        """An arterial pressure (abp_sys or abp_dia): falling as the heart fails; arrested,
        a flat line near the static filling pressure whatever it was before."""
        flat = c.arrest_systolic if channel == "abp_sys" else c.arrest_diastolic
        # A failing heart lowers the pressure it makes, not the filling pressure under it:
        # an arrest injection's flat line stays flat as the hypoxic load builds.
        failing = np.maximum(v * (1.0 - c.pressure_loss_at_arrest * self.failing),
                             np.minimum(v, flat))
        return np.where(self.arrested, flat, failing)

    def etco2(self, c: Hypoxia, v: np.ndarray) -> np.ndarray:
        """EtCO2 needs lung blood flow to carry the CO2 there: proportional to the output
        below a fraction of normal (etco2_output_knee), near zero arrested."""
        share = np.clip(self.output_factor(c) / c.etco2_output_knee, 0.0, 1.0)
        return np.where(v > c.etco2_at_arrest, c.etco2_at_arrest + (v - c.etco2_at_arrest) * share,
                        v)


def failing_fraction(load: np.ndarray, c: Hypoxia) -> np.ndarray:
    return np.clip((load - c.bradycardia_from) / (c.arrest_at - c.bradycardia_from), 0.0, 1.0)


def run_heart(ratio: np.ndarray, step: float, c: Hypoxia
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(load, arrested, arrest onset time in seconds from knot 0 or NaN) at every knot,
    from rest at knot 0. Stepped per knot where the state depends on itself (the supply
    short, or arrested); elsewhere the load only decays, in closed form: with the supply
    adequate and the heart beating nothing is added (load x decay^n, 0 from rest), and a
    heart past reversal has the full debt added for good (a geometric series)."""
    n = ratio.size
    load = np.zeros(n)
    arrested = np.zeros(n, dtype=bool)
    onset = np.full(n, math.nan)
    r = ratio.tolist()
    adequate = ratio >= 1.0
    short_at = np.flatnonzero(~adequate)  # knots the beating heart must be stepped at
    decay = math.exp(-step / c.recovery)
    gain = c.recovery / c.accumulation * (1.0 - decay)  # steady state L = h x gain/(1-decay)
    span = c.arrest_at - c.bradycardia_from
    cur, down, t_down, dead = 0.0, False, math.nan, False
    k = 0
    while k < n:
        if not down and adequate[k]:
            # Beating with the supply restored: h = 0 up to the next short knot.
            i = int(np.searchsorted(short_at, k))
            e = int(short_at[i]) if i < short_at.size else n
            if cur != 0.0:
                p = decay ** np.arange(e - k + 1, dtype=np.float64)
                load[k:e] = cur * p[:-1]
                cur *= float(p[-1])
            k = e
            continue
        if down and dead:
            # No recovery: h = 1 from here on, L -> gain / (1 - decay) geometrically.
            p = decay ** np.arange(n - k, dtype=np.float64)
            full = gain / (1.0 - decay)
            load[k:] = full + (cur - full) * p
            arrested[k:] = True
            onset[k:] = t_down
            break
        load[k], arrested[k], onset[k] = cur, down, t_down
        if down:
            restored = r[k] >= 1.0 and not dead
            if not restored and k * step - t_down > c.reversible_for:
                dead = True
            h = 0.0 if restored else 1.0
        else:
            # The spiral acts while the supply is short; once it is restored (by the
            # circuit or the lung) the failing heart recovers.
            x = min(max((cur - c.bradycardia_from) / span, 0.0), 1.0)
            delivered = r[k] * (1.0 - c.output_loss_at_arrest * x) if r[k] < 1.0 else 1.0
            h = min(max((1.0 - delivered) / c.full_debt_ratio, 0.0), 1.0)
        cur = cur * decay + h * gain
        if down and not dead and cur < c.rosc_below:
            down, t_down = False, math.nan
        elif not down and cur >= c.arrest_at:
            down, t_down = True, (k + 1) * step
        k += 1
    return load, arrested, onset


@dataclass(frozen=True)
class HeartKnots:
    """The heart on one checkpoint interval's own knots (onset: absolute case time)."""
    load: np.ndarray
    arrested: np.ndarray
    onset: np.ndarray


class Heart:
    """The heart's state at any times, stepped per checkpoint interval (lags.Windowed).
    `quiet(a, b)`: per interval, whether the supply is known to be adequate at every knot
    from a to b (b excluded), so that the heart is at rest there (load 0, beating)
    without computing the delivery."""

    def __init__(self, step: float, warmup: float, interval: float, ratio: RatioDrive,
                 coef: Hypoxia, quiet: Quiet | None = None) -> None:
        self.coef = coef
        self.windows: Windowed[HeartKnots] = Windowed(
            step, warmup, interval, lambda t: (ratio(t),), self._run, quiet, self._at_rest)
        n = self.windows.per + 1
        self._rest = HeartKnots(np.zeros(n), np.zeros(n, dtype=bool), np.full(n, math.nan))

    def _at_rest(self, k: int) -> HeartKnots:
        return self._rest

    def _run(self, k: int, t0: float, arrays: tuple[np.ndarray, ...]) -> HeartKnots:
        load, down, onset = run_heart(arrays[0], self.windows.step, self.coef)
        w = self.windows.warm
        return HeartKnots(load[w:], down[w:], onset[w:] + t0)

    def __call__(self, t: np.ndarray) -> HeartState:
        t = np.asarray(t, dtype=np.float64)
        if t.size == 0:
            e = np.empty(t.shape)
            return HeartState(e, e, np.empty(t.shape, dtype=bool), e)
        loc = self.windows.locate(t, self.windows.per - 1)
        f = np.clip(loc.dt / self.windows.step, 0.0, 1.0)
        # The load between knots by linear interpolation; the rhythm held from a knot.
        l0 = loc.take("load")
        load = l0 + (loc.take("load", 1) - l0) * f
        down = loc.take("arrested")
        since = np.where(down, t - loc.take("onset"), np.nan)
        return HeartState(load, failing_fraction(load, self.coef), down, since)
