"""Waveform morphology: the shape of each monitor waveform sample by sample -- ECG II
(ECGSYN waves), the arterial and pleth pulses, CVP (a, c, v waves), the capnogram and the
ventilator's airway pressure and flow -- driven by the beat and breath clocks
(replay_data.cycle_clocks) and the numerics behind each shape.

Each synthesiser takes (course, t, n): sample times and their indices on the signal's
grid; noise is counter-based (replay_data.noise), keyed by the sample index. "No signal"
is NaN (leads off, probe off, no line, not intubated), which the strips draw as a gap.

The physiology and morphology numbers (ECGSYN waves, pulse shapes, LVET, CVP waves,
capnogram shape, noise amplitudes) live in resources/catalogue/waveform_model.toml and are
read through replay_data.waveform_model; only computational constants are set here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import noise, rhythm, ventilator
from .course import Course
from .cycle_clocks import Cycle, beats, breaths
from .waveform_model import EcgWave, PulseShape, VenousWave, load_waveform_model

MODEL = load_waveform_model()

# ------------------------------------------------------------------ numerics at sample times

# Numerics behind a shape (sys/dia, CVP, EtCO2) are evaluated on a fixed 0.5 s grid of case
# time and interpolated: far cheaper than per sample, and their noise is slow (tau >= 15 s).
PARAM_STEP_S = 0.5


def _numeric_at(course: Course, channel: str, t: np.ndarray, measured: bool) -> np.ndarray:
    if t.size == 0:
        return np.empty(0)
    x = t / PARAM_STEP_S
    k = np.floor(x).astype(np.int64)
    k_lo = int(k.min())
    knots = course.numeric(channel, np.arange(k_lo, int(k.max()) + 2) * PARAM_STEP_S, measured)
    i = k - k_lo
    v0, v1 = knots[i], knots[i + 1]
    y = v0 + (v1 - v0) * (x - k)
    # Where a sensor connects or disconnects inside a cell, ask the course at the sample
    # itself: the gap then starts exactly where the numeric goes to NaN.
    edge = np.isnan(v0) != np.isnan(v1)
    if edge.any():
        y[edge] = course.numeric(channel, t[edge], measured)
    return y


def _flag(course: Course, name: str, t: np.ndarray) -> np.ndarray:
    return course.flags(t).get(name, np.zeros(t.shape, bool))


# ------------------------------------------------------------------ breathing

_BREATHING = MODEL.breathing
INSPIRATION_FRACTION = _BREATHING.inspiration_fraction  # from I:E
# Expiratory decay of the airway-pressure-like breathing signal, in breath fractions.
_RESP_DECAY = _BREATHING.resp_decay
_EXP_LEN = 1.0 - INSPIRATION_FRACTION
_EXP_FLOOR = math.exp(-_EXP_LEN / _RESP_DECAY)
# Cycle mean of the shape below, subtracted so breathing moves a trace around its numeric.
_RESP_MEAN = INSPIRATION_FRACTION / 2.0 + (
    _RESP_DECAY * (1.0 - _EXP_FLOOR) - _EXP_LEN * _EXP_FLOOR) / (1.0 - _EXP_FLOOR)
# Below this rate (breaths/min) the patient is apnoeic: no breathing signal, flat CO2.
APNOEA_RR = _BREATHING.apnoea_rr_per_min


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _respiration(breath: Cycle) -> np.ndarray:
    """Zero-mean breathing signal (about -0.26..0.74): rises through inspiration, decays in
    expiration, like airway pressure. 0 where the rate is unknown or the patient apnoeic."""
    b = breath.fraction
    insp = _smoothstep(b / INSPIRATION_FRACTION)
    x = np.maximum(b - INSPIRATION_FRACTION, 0.0)
    expi = (np.exp(-x / _RESP_DECAY) - _EXP_FLOOR) / (1.0 - _EXP_FLOOR)
    r = np.where(b < INSPIRATION_FRACTION, insp, expi) - _RESP_MEAN
    breathing = np.isfinite(r) & (breath.rate * 60.0 >= APNOEA_RR)
    return np.where(breathing, r, 0.0)


# ------------------------------------------------------------------ ECG II

_ECG_MODEL = MODEL.ecg
ECG_WAVES: tuple[EcgWave, ...] = _ECG_MODEL.waves  # ECGSYN P, Q, R, S, T
R_WAVE_MV = _ECG_MODEL.r_wave_mv
# HR range over which the morphology still scales; beyond it the shape is held.
_ECG_SHAPE_HR = _ECG_MODEL.shape_hr_per_min
# Asystole: below ASYSTOLE_HR the beat clock all but stops, and a frozen phase would
# freeze the trace mid-wave (a flat line at R height). Cardiac activity fades out over
# the ASYSTOLE_FADE_HR (/min) above it instead, leaving the baseline, a flat pressure and
# no pleth pulses.
ASYSTOLE_HR = _ECG_MODEL.asystole_hr_per_min
ASYSTOLE_FADE_HR = _ECG_MODEL.asystole_fade_per_min


def _raw_terms(hr_factor: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(height, centre in beats, width in beats) of each wave at HR = 60 * hr_factor.

    ECGSYN integrates dz/dt = -sum a_i dtheta_i exp(-dtheta_i^2 / 2 b_i^2) over the phase;
    in closed form that is a sum of Gaussians with heights a_i b_i^2 / omega (the a_i are
    not the wave heights: used as such, T would be 1/40 of R). Widths scale with
    sqrt(HR/60) (ECGSYN), so b_i^2 / omega and the heights do not change with HR; P and T
    move with (HR/60)^(1/4), Q and S with (HR/60)^(1/2), so in seconds the PR and QT
    intervals shorten as HR rises, less than the R-R interval does."""
    s1 = np.sqrt(hr_factor)
    # sqrt is several times cheaper than a general power on every sample.
    roots = {0.0: 1.0, 0.5: s1, 0.25: np.sqrt(s1)}
    return [(w.a * w.b * w.b,
             w.angle_deg / 360.0 * (roots[w.angle_power] if w.angle_power in roots
                                    else hr_factor ** w.angle_power),
             w.b * s1 / (2.0 * math.pi)) for w in ECG_WAVES]


# Heights in mV: the sum at the R peak is R_WAVE_MV at 60/min (and, per the above, at any HR
# but for the tails of Q and S).
_ECG_SCALE = R_WAVE_MV / sum(
    h * math.exp(-0.5 * float(np.ravel(c / wd)[0]) ** 2) for h, c, wd in _raw_terms(np.ones(1)))


def _gauss_in_beats(beat: np.ndarray, centre: np.ndarray | float,
                    width: np.ndarray | float) -> np.ndarray:
    """Gaussian of the distance from `beat` to the nearest beat + centre (wraps each beat)."""
    d = beat - centre
    d = d - np.rint(d)
    # Asystole (HR 0, a hypoxic arrest) makes the widths in beats 0: a flat line.
    return np.exp(-0.5 * (d / np.maximum(width, 1e-9)) ** 2)


def _beating(beat: Cycle) -> np.ndarray:
    """1 while the heart beats, fading to 0 in asystole (NaN where HR is unknown)."""
    return _smoothstep((beat.rate * 60.0 - ASYSTOLE_HR) / ASYSTOLE_FADE_HR)


def _hr_factor(beat: Cycle) -> np.ndarray:
    lo, hi = _ECG_SHAPE_HR
    return np.clip(beat.rate * 60.0, lo, hi) / 60.0


# PEA (an organised rhythm without a pulse): slow, no P waves, a wide QRS (about 0.2 s or
# more) and a broad T, the idioventricular look of a dying or hypoxic heart (assumed
# shape, after the ALS course's rhythm strips: ERC 2021, Soar et al.).
PEA_QRS_WIDENING, PEA_T_WIDENING = 3.0, 1.6


def _pqrst(beat: Cycle, wide: bool) -> np.ndarray:
    y = np.zeros(beat.count.shape)
    for w, (height, centre, width) in zip(ECG_WAVES, _raw_terms(_hr_factor(beat))):
        if wide and w.name == "P":
            continue
        if wide:
            k = PEA_QRS_WIDENING if w.name in ("Q", "R", "S") else PEA_T_WIDENING
            # Heights in mV stay (the Gaussian's area grows with its width).
            width = width * k
            centre = centre * k if w.name in ("Q", "S", "T") else centre
        y += _ECG_SCALE * height * _gauss_in_beats(beat.count, centre, width)
    return y


def _pea(course: Course, t: np.ndarray) -> np.ndarray:
    """Where the heart shows a pulseless organised rhythm: a PEA arrest injection, or the
    hypoxic heart's agonal rhythm (physiology.hypoxia), judged on the 0.5 s grid."""
    pea = _flag(course, rhythm.PEA_FLAG, t)
    knots = np.floor(t / PARAM_STEP_S) * PARAM_STEP_S
    u, inv = np.unique(knots, return_inverse=True)
    return pea | course.model.heart_state(u).arrested[inv]


def _vf(course: Course, t: np.ndarray) -> np.ndarray:
    """Ventricular fibrillation: irregular undulations of 4-7 Hz without complexes, coarse
    at first, fining as it lasts (replay_data.rhythm); NaN outside VF."""
    since = rhythm.vf_since(course, t)
    key = noise.stream_key(course.seed, "waveform:vf")
    y = np.zeros(t.shape)
    for i, hz in enumerate((4.3, 5.4, 6.6)):
        a = 0.6 + 0.4 * noise.smooth_noise(key ^ (0x10 + i), t, 0.6)
        y += a * np.sin(2.0 * np.pi * hz * t + i)
    return 0.5 * rhythm.vf_amplitude(since) * y


def _ecg(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    beat = beats(course, t)
    y = _pqrst(beat, False)
    pea = _pea(course, t)
    if pea.any():
        y = np.where(pea, _pqrst(beat, True), y)
    y *= _beating(beat)
    vf = np.isfinite(rhythm.vf_since(course, t))
    if vf.any():
        y = np.where(vf, _vf(course, t), y)
    resp = _respiration(breaths(course, t))
    key = noise.stream_key(course.seed, "waveform:ecg_ii")
    # Breathing moves the heart's axis (QRS height changes a few %) and the baseline; electrode
    # motion adds a slow wander; the amplifier adds a little broadband noise.
    m = _ECG_MODEL
    y = y * (1.0 + m.resp_qrs_modulation * resp) + m.resp_baseline_mv * resp
    y += m.wander_mv * noise.smooth_noise(key ^ 0x1, t, m.wander_tau_s)
    y += m.noise_mv * noise.normal(key, n)
    # The monitor counts no rate in VF, but the leads still show it.
    off = _flag(course, "ecg_leads_off", t) | (
        np.isnan(_numeric_at(course, "hr", t, True)) & ~vf)
    y[off] = np.nan
    return y


# ------------------------------------------------------------------ arterial pulses

# Radial line: sharp upstroke, clear notch.
ARTERIAL_PULSE: PulseShape = MODEL.arterial.pulse
# Finger pleth: later (longer path), slower rise, damped notch.
PLETH_PULSE: PulseShape = MODEL.pleth.pulse
_EJECTION = MODEL.ejection


def ejection_time(hr: np.ndarray) -> np.ndarray:
    """Left-ventricular ejection time in seconds (Weissler's LVET = 413 - 1.7 HR ms), kept
    within a fraction of the beat so the notch and dicrotic wave fit at any rate."""
    e = _EJECTION
    lo, hi = e.lvet_range_s
    return np.minimum(np.clip(e.lvet_intercept_s - e.lvet_slope_s_per_bpm * hr, lo, hi),
                      e.max_beat_fraction * 60.0 / hr)


def _pulse(beat: Cycle, shape: PulseShape) -> np.ndarray:
    hr = np.clip(beat.rate * 60.0, *_ECG_SHAPE_HR)
    period = 60.0 / hr
    tau = beat.fraction * period  # seconds since the foot
    lvet = ejection_time(hr)
    t_peak = shape.rise * lvet
    t_notch = np.minimum(lvet + shape.notch_delay_s, _EJECTION.notch_max_beat_fraction * period)
    up = np.sin(0.5 * math.pi * np.minimum(tau / t_peak, 1.0)) ** 2
    yn = shape.notch_level
    s = np.clip((tau - t_peak) / (t_notch - t_peak), 0.0, 1.0)
    systole = yn + (1.0 - yn) * np.cos(0.5 * math.pi * s) ** 2
    x = np.maximum(tau - t_notch, 0.0)
    left = period - t_notch
    td = shape.decay * left
    floor = np.exp(-left / td)
    runoff = yn * (np.exp(-x / td) - floor) / (1.0 - floor)
    wave = np.sin(math.pi * np.minimum(x / (shape.dicrotic_width * lvet), 1.0)) ** 2
    diastole = runoff + shape.dicrotic_height * wave
    pulse = np.where(tau < t_peak, up, np.where(tau < t_notch, systole, diastole))
    return pulse * _beating(beat)


def _abp(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    shape = _pulse(beats(course, t - ARTERIAL_PULSE.transit_s), ARTERIAL_PULSE)
    # Chest compressions on an arrested heart push the pressure at their own rate.
    cpr = _flag(course, rhythm.CPR_FLAG, t)
    if cpr.any():
        shape = np.where(cpr, rhythm.compression_pulse(t), shape)
    sys_ = _numeric_at(course, "abp_sys", t, True)
    dia = _numeric_at(course, "abp_dia", t, True)
    key = noise.stream_key(course.seed, "waveform:abp")
    # Pulse-pressure variation with positive-pressure ventilation: the model's PPV (%) is
    # the peak-to-trough swing of the pulse pressure over a breath, around the displayed
    # sys/dia (which are its averages, as a monitor reports them). None off the ventilator.
    ppv = np.nan_to_num(_numeric_at(course, "ppv", t, False)) / 100.0
    swing = 1.0 + ppv * _respiration(breaths(course, t))
    m = MODEL.arterial
    return (dia + (sys_ - dia) * swing * shape
            + m.noise_mmhg * noise.normal(key, n, clip=m.noise_clip_sd))


def _pleth(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    shape = _pulse(beats(course, t - PLETH_PULSE.transit_s), PLETH_PULSE)
    # Perfusion: pulse amplitude follows the arterial pulse pressure a little (weaker
    # pulses when hypotensive); nominal before an arterial line gives the pressure.
    pp = (_numeric_at(course, "abp_sys", t, False) - _numeric_at(course, "abp_dia", t, False))
    m = MODEL.pleth
    perfusion = np.where(
        np.isfinite(pp),
        np.clip(m.perfusion_min + m.perfusion_gain * pp / m.full_perfusion_pp_mmhg,
                m.perfusion_min, m.perfusion_max),
        m.perfusion_unknown)
    resp = _respiration(breaths(course, t))
    key = noise.stream_key(course.seed, "waveform:pleth")
    y = (m.amplitude * perfusion * (1.0 - m.resp_modulation * resp) * shape
         + m.noise * noise.normal(key, n))
    off = _flag(course, "spo2_probe_off", t) | np.isnan(_numeric_at(course, "spo2", t, True))
    y[off] = np.nan
    return y


# ------------------------------------------------------------------ CVP

# a (atrial contraction), c (tricuspid bulging), v (atrial filling), each after an ECG wave.
CVP_WAVES: tuple[VenousWave, ...] = MODEL.cvp.waves
# Breathing swing (mmHg for the full breathing signal): positive-pressure ventilation
# raises CVP on inspiration; spontaneous inspiration lowers it.
CVP_SWING_VENTILATED = MODEL.cvp.swing_ventilated_mmhg
CVP_SWING_SPONTANEOUS = MODEL.cvp.swing_spontaneous_mmhg


def _cvp(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    beat = beats(course, t)
    hf = _hr_factor(beat)
    landmarks = {w.name: c for w, (_, c, _) in zip(ECG_WAVES, _raw_terms(hf))}
    cardiac = np.zeros(t.shape)
    for w in CVP_WAVES:
        width = w.width_s * beat.rate
        cardiac += w.height_mmhg * (_gauss_in_beats(beat.count, landmarks[w.after]
                                               + w.delay_s * beat.rate, width)
                               # subtract the wave's beat mean: CVP numeric = trace mean
                               - width * math.sqrt(2.0 * math.pi))
    cardiac *= _beating(beat)
    ventilated = np.isfinite(_numeric_at(course, "peep", t, False))
    swing = np.where(ventilated, CVP_SWING_VENTILATED, CVP_SWING_SPONTANEOUS)
    resp = _respiration(breaths(course, t))
    key = noise.stream_key(course.seed, "waveform:cvp")
    return (_numeric_at(course, "cvp", t, True) + cardiac + swing * resp
            + MODEL.cvp.noise_mmhg * noise.normal(key, n, clip=MODEL.cvp.noise_clip_sd))


# ------------------------------------------------------------------ capnogram

# Seconds: the downstroke at the start of inspiration (taking at most a fraction of
# inspiration), the dead-space gas that leaves first with no CO2, and the time constant of
# the expiratory upstroke.
CO2_DOWNSTROKE_S = MODEL.co2.downstroke_s
CO2_DOWNSTROKE_MAX_INSP = MODEL.co2.downstroke_max_insp_fraction
CO2_DEAD_SPACE_S = MODEL.co2.dead_space_s
CO2_UPSTROKE_S = MODEL.co2.upstroke_s
# The alveolar plateau starts at this fraction of EtCO2 and rises to EtCO2 at its end.
CO2_PLATEAU_START = MODEL.co2.plateau_start


def _co2(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    breath = breaths(course, t)
    rr = np.maximum(breath.rate * 60.0, APNOEA_RR)
    period = 60.0 / rr
    b = breath.fraction
    etco2 = _numeric_at(course, "etco2", t, True)
    # Ventilated, inspiration lasts as the ventilator's I:E says (Paw and CO2 agree).
    insp_f = ventilator.inspiration_fraction(course, t, INSPIRATION_FRACTION)
    # Inspiration: CO2 falls from the end-tidal value to the fresh-gas baseline of 0.
    down = 1.0 - _smoothstep(b * period / np.minimum(
        CO2_DOWNSTROKE_S, CO2_DOWNSTROKE_MAX_INSP * insp_f * period))
    # Expiration: dead space first, a steep upstroke, then the sloping alveolar plateau.
    # Normalised so that the last sample of expiration is exactly EtCO2.
    exp_len = (1.0 - insp_f) * period
    s = np.maximum((b - insp_f) * period - CO2_DEAD_SPACE_S, 0.0)
    s_end = exp_len - CO2_DEAD_SPACE_S
    rise = (1.0 - np.exp(-s / CO2_UPSTROKE_S)) / (1.0 - np.exp(-s_end / CO2_UPSTROKE_S))
    e = np.clip((b - insp_f) / (1.0 - insp_f), 0.0, 1.0)
    plateau = CO2_PLATEAU_START + (1.0 - CO2_PLATEAU_START) * e
    shape = np.where(b < insp_f, down, rise * plateau)
    y = etco2 * shape
    # Apnoea: no expired gas reaches the sensor.
    return np.where(breath.rate * 60.0 < APNOEA_RR, np.where(np.isnan(y), np.nan, 0.0), y)


# ------------------------------------------------------------------ ventilator

def _paw(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Airway pressure from the equation of motion (replay_data.ventilator)."""
    breath = breaths(course, t)
    return ventilator.airway(course, t, breath.count, breath.rate)["paw"]


def _flow(course: Course, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    breath = breaths(course, t)
    return ventilator.airway(course, t, breath.count, breath.rate)["flow"]


# ------------------------------------------------------------------ by signal

Synth = Callable[[Course, np.ndarray, np.ndarray], np.ndarray]
SYNTHS: dict[str, Synth] = {
    "ecg_ii": _ecg,
    "pleth": _pleth,
    "abp": _abp,
    "cvp": _cvp,
    "co2": _co2,
    "paw": _paw,
    "flow": _flow,
}
