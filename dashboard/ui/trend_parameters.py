"""The parameters of the trend review: what each pane draws, its scale, and how its value
is written (the same text in the pane's label, the cursor readout and the table).

Scales are fixed, as on a monitor's trend, so that a glance compares one hour with the
next: the catalogue's `trend` range where it has one, else the channel's normal range
widened by its own width on each side (a CVP of 2-8 mmHg reads on -4..14), kept inside
what the monitor can display. A value that leaves the scale expands it (with a margin)
rather than being clipped off the pane. Pure functions, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from replay_data.catalogue import Catalogue, NumericChannel

# The fixed panes, top to bottom, and the channel groups the trainee's own pane may show.
FIXED_PANES = ("hr", "spo2", "abp", "ecmo_flow")
CHOICE_GROUPS = ("vitals", "ventilation", "ventilator", "ecmo", "infusions")
DEFAULT_CHOICE = "svo2"
ABP = ("abp_sys", "abp_dia", "abp_mean")
EXPAND_MARGIN = 0.05  # of the new span, when values leave the fixed scale


@dataclass(frozen=True)
class TrendParameter:
    key: str                        # a channel id, or "abp" for the arterial pressure
    label: str
    unit: str
    colour: str
    channels: tuple[str, ...]       # the channels drawn (ABP: sys, dia, mean)
    nominal: tuple[float, float]    # the fixed scale before any expansion
    limit_channel: str              # whose alarm limits the dashed lines show
    precision: int

    def text(self, values: dict[str, float]) -> str:
        """'100', '3.73', ABP '113/62 (79)'; '---' where not measured."""
        def one(c: str) -> str:
            v = values.get(c, math.nan)
            return "---" if v is None or not math.isfinite(v) else f"{v:.{self.precision}f}"
        if self.key == "abp":
            return f"{one('abp_sys')}/{one('abp_dia')} ({one('abp_mean')})"
        return one(self.channels[0])

    def flag(self, values: dict[str, float], cat: Catalogue) -> str:
        """'L' / 'H' against the catalogue's normal range (ABP: any of its three
        values), '' when normal or not measured -- as the results panel flags draws."""
        low = high = False
        for c in self.channels:
            v = values.get(c, math.nan)
            if v is None or not math.isfinite(v):
                continue
            lo, hi = cat.numerics[c].normal
            low |= v < lo
            high |= v > hi
        return "L" if low and not high else "H" if high and not low else "L H" if low else ""


def nominal_range(ch: NumericChannel) -> tuple[float, float]:
    if ch.trend is not None:
        return ch.trend
    lo, hi = ch.normal
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo, hi = lo - span, hi + span
    dlo, dhi = ch.limits
    return max(lo, dlo), min(hi, dhi)


def parameter(cat: Catalogue, key: str) -> TrendParameter:
    if key == "abp":
        sys_ = cat.numerics["abp_sys"]
        return TrendParameter("abp", "ABP", sys_.unit, sys_.colour, ABP,
                              nominal_range(sys_), "abp_mean", sys_.precision)
    ch = cat.numeric(key)
    return TrendParameter(key, ch.label, ch.unit, ch.colour, (key,), nominal_range(ch), key,
                          ch.precision)


def fixed_panes(has_circuit: bool = True) -> tuple[str, ...]:
    """The fixed panes for a patient with (or without) an ECMO circuit: no blood-flow
    pane, and nothing of the circuit to choose, for a patient who never has one."""
    return FIXED_PANES if has_circuit else tuple(k for k in FIXED_PANES if k != "ecmo_flow")


def choice_channels(cat: Catalogue, has_circuit: bool = True) -> list[str]:
    """Channels the trainee may put in the fifth pane: what the monitor, the ventilator
    and the ECMO console measure, minus the fixed panes' own."""
    fixed = {"hr", "spo2", "ecmo_flow", *ABP}
    groups = CHOICE_GROUPS if has_circuit else tuple(g for g in CHOICE_GROUPS if g != "ecmo")
    return [c for c in cat.displayed_numerics
            if cat.numerics[c].group in groups and c not in fixed]


def pane_range(nominal: tuple[float, float], *arrays: np.ndarray) -> tuple[float, float]:
    """The fixed scale, widened to hold every finite value drawn."""
    lo, hi = nominal
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = [a for a in finite if a.size]
    if not finite:
        return lo, hi
    vmin = min(float(a.min()) for a in finite)
    vmax = max(float(a.max()) for a in finite)
    if vmin >= lo and vmax <= hi:
        return lo, hi
    new_lo, new_hi = min(lo, vmin), max(hi, vmax)
    pad = (new_hi - new_lo) * EXPAND_MARGIN
    return (new_lo - pad if vmin < lo else lo), (new_hi + pad if vmax > hi else hi)


def table_times(t0: float, t1: float, interval: float) -> np.ndarray:
    """Row times of the tabular trend: whole multiples of the interval on the case clock
    (17:00, 17:15, ...) within [t0, t1], newest first."""
    first = math.ceil(t0 / interval) * interval
    if first > t1:
        return np.zeros(0)
    n = int(math.floor((t1 - first) / interval)) + 1
    return (first + interval * np.arange(n))[::-1]
