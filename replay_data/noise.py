"""Counter-based noise: the value at time t depends only on (seed, stream, t).

No generator is advanced frame by frame, so any window can be computed on its own and
equals the same slice of a longer window. Random numbers come from hashing
integer counters with the SplitMix64 finaliser, vectorised in numpy.
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TWO_PI = 2.0 * np.pi


def stream_key(seed: int, name: str) -> int:
    """A 64-bit key for one named noise stream under one seed."""
    return ((int(seed) & 0xFFFFFFFF) << 32) ^ zlib.crc32(name.encode("utf-8"))


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        x = x ^ (x >> np.uint64(31))
    return x


def uniform(key: int, counter: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) numbers, one per integer counter."""
    c = np.asarray(counter, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        x = _mix(c * _GOLDEN + np.uint64(key & 0xFFFFFFFFFFFFFFFF))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def normal(key: int, counter: np.ndarray, clip: float = 2.5) -> np.ndarray:
    """Standard normal numbers (Box-Muller), clipped so that noise stays bounded."""
    u1 = uniform(key, counter)
    u2 = uniform(key ^ 0x5BD1E995, counter)
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(_TWO_PI * u2)
    return np.clip(z, -clip, clip)


def smooth_noise(key: int, t: np.ndarray, tau: float, clip: float = 2.5) -> np.ndarray:
    """Smooth, bounded noise with correlation time ~tau seconds (Catmull-Rom through knots).

    Knots sit every tau seconds of case time and carry clipped normal values, so the
    result is continuous with a continuous slope and never exceeds ~1.2 x clip.
    """
    t = np.asarray(t, dtype=np.float64)
    x = t / tau
    k = np.floor(x).astype(np.int64)
    u = x - k
    if k.size == 0:
        return np.zeros(t.shape)
    k_lo, k_hi = int(k.min()) - 1, int(k.max()) + 2
    if k_hi - k_lo + 1 <= 4 * k.size:
        # Dense grid: hash each knot once and index, instead of four hashes per sample.
        knots = normal(key, np.arange(k_lo, k_hi + 1, dtype=np.int64), clip)
        j = k - k_lo
        p0, p1, p2, p3 = knots[j - 1], knots[j], knots[j + 1], knots[j + 2]
    else:
        p0 = normal(key, k - 1, clip)
        p1 = normal(key, k, clip)
        p2 = normal(key, k + 1, clip)
        p3 = normal(key, k + 2, clip)
    u2 = u * u
    u3 = u2 * u
    out = 0.5 * (
        2.0 * p1
        + (-p0 + p2) * u
        + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * u2
        + (-p0 + 3.0 * p1 - 3.0 * p2 + p3) * u3
    )
    # Catmull-Rom through unit-variance knots has variance ~0.72 between knots; rescale
    # so that `sd` in the catalogue means what it says.
    return out / 0.85


def smooth_noise_sums(key: int, starts: np.ndarray, n: int, step: float,
                      tau: float) -> np.ndarray:
    """For each start: sum(smooth_noise(key, start + j * step, tau) for j in range(n)).

    From the knots alone when the samples tile whole knot cells (start on a knot, tau a
    multiple of step, n whole cells): every cell then holds the same positions u, so its
    sum is a fixed weighting of its four Catmull-Rom knots. Otherwise the samples are
    summed. Each start's sum is computed the same way whichever others come with it."""
    starts = np.asarray(starts, dtype=np.float64)
    per_f = tau / step
    tiled = (per_f == int(per_f) and n % int(per_f) == 0
             and np.all(starts / tau == np.round(starts / tau)))
    if not tiled:
        return np.array([float(smooth_noise(key, s + step * np.arange(n), tau).sum())
                         for s in starts])
    per = int(per_f)
    u = np.arange(per) / per
    u2, u3 = u * u, u * u * u
    w = [float(np.sum(0.5 * (-u + 2.0 * u2 - u3))),
         float(np.sum(0.5 * (2.0 - 5.0 * u2 + 3.0 * u3))),
         float(np.sum(0.5 * (u + 4.0 * u2 - 3.0 * u3))),
         float(np.sum(0.5 * (-u2 + u3)))]
    cells = n // per
    k0 = np.round(starts / tau).astype(np.int64)
    lo, hi = int(k0.min()) - 1, int(k0.max()) + cells + 2
    knots = normal(key, np.arange(lo, hi + 1, dtype=np.int64), 2.5)
    # Contribution of each cell k (its four knots), then one sum per start.
    cell = (w[0] * knots[:-3] + w[1] * knots[1:-2] + w[2] * knots[2:-1] + w[3] * knots[3:])
    first = k0 - (lo + 1)
    return np.array([float(cell[f:f + cells].sum()) for f in first]) / 0.85
