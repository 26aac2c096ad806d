"""The waveform model: physiology and morphology numbers behind the monitor waveforms.

Loaded from resources/catalogue/waveform_model.toml (each number there says where it comes
from), never hard-coded; replay_data.waveforms draws the signals with them. A malformed
file raises ScenarioError naming the file, the line and the key (replay_data.toml_reader).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .toml_reader import BadValue, Table, TomlDocument, read_toml, read_toml_resource

WAVEFORM_MODEL_FILE = "waveform_model.toml"


@dataclass(frozen=True)
class Breathing:
    ie_ratio: float            # expiration per unit of inspiration (I:E 1:ie_ratio)
    resp_decay: float          # expiratory decay of the breathing signal, breath fractions
    apnoea_rr_per_min: float   # below this rate: apnoea

    @property
    def inspiration_fraction(self) -> float:
        return 1.0 / (1.0 + self.ie_ratio)


@dataclass(frozen=True)
class EcgWave:
    """One of the five ECGSYN waves (McSharry et al. 2003, IEEE TBME 50:289)."""
    name: str
    angle_deg: float  # position in the beat at 60/min, R at 0
    a: float          # ECGSYN's a_i (amplitude of the wave's term in dz/dt)
    b: float          # ECGSYN's b_i (width, radians of phase at 60/min)
    angle_power: float  # angle scales with (HR/60)**angle_power (ECGSYN: 1/4 for P, T)


@dataclass(frozen=True)
class Ecg:
    r_wave_mv: float
    shape_hr_per_min: tuple[float, float]  # HR range over which the morphology scales
    asystole_hr_per_min: float
    asystole_fade_per_min: float
    resp_qrs_modulation: float
    resp_baseline_mv: float
    wander_mv: float
    wander_tau_s: float
    noise_mv: float
    waves: tuple[EcgWave, ...]


@dataclass(frozen=True)
class Ejection:
    """Left-ventricular ejection time (Weissler: LVET = 413 - 1.7 HR ms)."""
    lvet_intercept_s: float
    lvet_slope_s_per_bpm: float
    lvet_range_s: tuple[float, float]
    max_beat_fraction: float
    notch_max_beat_fraction: float


@dataclass(frozen=True)
class PulseShape:
    """One pulse from the foot of its upstroke to the next foot, normalised 0..1.

    Upstroke to exactly 1 at `rise` x ejection time, systolic decline to the dicrotic
    notch at `notch_level`, a dicrotic wave, then diastolic run-off that reaches exactly 0
    at the next foot. Max 1 and min 0 per beat by construction, so a pressure
    dia + (sys - dia) * shape peaks at sys and bottoms at dia."""
    transit_s: float        # R-wave peak to the foot of the pulse (pulse arrival time)
    rise: float             # upstroke duration, fraction of the ejection time
    notch_level: float      # height of the dicrotic notch, fraction of the pulse
    notch_delay_s: float    # notch after the end of ejection (later in distal beds)
    dicrotic_height: float  # dicrotic wave above the run-off, fraction of the pulse
    dicrotic_width: float   # duration of the dicrotic wave, fraction of the ejection time
    decay: float            # run-off time constant, fraction of the time left in the beat


@dataclass(frozen=True)
class Arterial:
    pulse: PulseShape
    noise_mmhg: float
    noise_clip_sd: float


@dataclass(frozen=True)
class Pleth:
    pulse: PulseShape
    amplitude: float
    perfusion_min: float
    perfusion_gain: float
    full_perfusion_pp_mmhg: float
    perfusion_max: float
    perfusion_unknown: float
    resp_modulation: float
    noise: float


@dataclass(frozen=True)
class VenousWave:
    """One wave of the CVP trace, placed relative to an ECG landmark."""
    name: str
    after: str          # "P", "R" or "T": the ECG wave it follows
    delay_s: float      # from that wave's peak to this wave's peak
    width_s: float      # Gaussian SD
    height_mmhg: float


@dataclass(frozen=True)
class Cvp:
    swing_ventilated_mmhg: float
    swing_spontaneous_mmhg: float
    noise_mmhg: float
    noise_clip_sd: float
    waves: tuple[VenousWave, ...]


@dataclass(frozen=True)
class Capnogram:
    downstroke_s: float
    downstroke_max_insp_fraction: float
    dead_space_s: float
    upstroke_s: float
    plateau_start: float


@dataclass(frozen=True)
class WaveformModel:
    breathing: Breathing
    ecg: Ecg
    ejection: Ejection
    arterial: Arterial
    pleth: Pleth
    cvp: Cvp
    co2: Capnogram


# ------------------------------------------------------------------ parsing


def _increasing_pair(value: object) -> tuple[float, float]:
    numbers = isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    if not (numbers and len(value) == 2 and 0 < value[0] < value[1] < math.inf):
        raise BadValue("must be a list of two increasing positive numbers")
    return float(value[0]), float(value[1])


def _pulse(t: Table) -> PulseShape:
    shape = PulseShape(
        transit_s=t.number("transit_s", positive=True),
        rise=t.fraction("rise"),
        notch_level=t.fraction("notch_level"),
        notch_delay_s=t.number("notch_delay_s"),
        dicrotic_height=t.fraction("dicrotic_height"),
        dicrotic_width=t.number("dicrotic_width", positive=True),
        decay=t.number("decay", positive=True),
    )
    t.done()
    return shape


def parse_waveform_model(doc: dict | TomlDocument, source: str) -> WaveformModel:
    """The model from a parsed TOML document; `source` names the file in errors."""
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    root = doc.root()

    def section(name: str) -> Table:
        return root.child(name, required=True)

    b = section("breathing")
    breathing = Breathing(
        ie_ratio=b.number("ie_ratio", positive=True),
        resp_decay=b.number("resp_decay", positive=True),
        apnoea_rr_per_min=b.number("apnoea_rr_per_min"),
    )
    b.done()

    e = section("ecg")
    waves = []
    for w in e.items("wave", nonempty=True):
        waves.append(EcgWave(name=w.text("name", nonempty=True), angle_deg=w.number("angle_deg"),
                             a=w.number("a"), b=w.number("b", positive=True),
                             angle_power=w.number("angle_power")))
        w.done()
    names = [w.name for w in waves]
    if len(set(names)) != len(names):
        raise e.fail("wave", f"wave names must be unique: {', '.join(names)}")
    ecg = Ecg(
        r_wave_mv=e.number("r_wave_mv", positive=True),
        shape_hr_per_min=e.check("shape_hr_per_min", _increasing_pair),
        asystole_hr_per_min=e.number("asystole_hr_per_min"),
        asystole_fade_per_min=e.number("asystole_fade_per_min", positive=True),
        resp_qrs_modulation=e.number("resp_qrs_modulation"),
        resp_baseline_mv=e.number("resp_baseline_mv"),
        wander_mv=e.number("wander_mv"),
        wander_tau_s=e.number("wander_tau_s", positive=True),
        noise_mv=e.number("noise_mv"),
        waves=tuple(waves),
    )
    e.done()

    j = section("ejection")
    ejection = Ejection(
        lvet_intercept_s=j.number("lvet_intercept_s", positive=True),
        lvet_slope_s_per_bpm=j.number("lvet_slope_s_per_bpm"),
        lvet_range_s=j.check("lvet_range_s", _increasing_pair),
        max_beat_fraction=j.fraction("max_beat_fraction"),
        notch_max_beat_fraction=j.fraction("notch_max_beat_fraction"),
    )
    j.done()

    a = section("arterial")
    arterial = Arterial(pulse=_pulse(a.child("pulse", required=True)),
                        noise_mmhg=a.number("noise_mmhg"),
                        noise_clip_sd=a.number("noise_clip_sd", positive=True))
    a.done()

    p = section("pleth")
    pleth = Pleth(
        pulse=_pulse(p.child("pulse", required=True)),
        amplitude=p.number("amplitude", positive=True),
        perfusion_min=p.number("perfusion_min"),
        perfusion_gain=p.number("perfusion_gain"),
        full_perfusion_pp_mmhg=p.number("full_perfusion_pp_mmhg", positive=True),
        perfusion_max=p.number("perfusion_max"),
        perfusion_unknown=p.number("perfusion_unknown"),
        resp_modulation=p.number("resp_modulation"),
        noise=p.number("noise"),
    )
    p.done()

    c = section("cvp")
    venous = []
    for w in c.items("wave", nonempty=True):
        vw = VenousWave(name=w.text("name", nonempty=True), after=w.text("after", nonempty=True),
                        delay_s=w.number("delay_s"), width_s=w.number("width_s", positive=True),
                        height_mmhg=w.number("height_mmhg"))
        if vw.after not in names:
            raise w.fail("after", f"unknown ECG wave {vw.after!r} (known: {', '.join(names)})")
        w.done()
        venous.append(vw)
    cvp = Cvp(
        swing_ventilated_mmhg=c.number("swing_ventilated_mmhg"),
        swing_spontaneous_mmhg=c.number("swing_spontaneous_mmhg"),
        noise_mmhg=c.number("noise_mmhg"),
        noise_clip_sd=c.number("noise_clip_sd", positive=True),
        waves=tuple(venous),
    )
    c.done()

    k = section("co2")
    co2 = Capnogram(
        downstroke_s=k.number("downstroke_s", positive=True),
        downstroke_max_insp_fraction=k.fraction("downstroke_max_insp_fraction"),
        dead_space_s=k.number("dead_space_s"),
        upstroke_s=k.number("upstroke_s", positive=True),
        plateau_start=k.fraction("plateau_start"),
    )
    k.done()

    root.done()
    return WaveformModel(breathing, ecg, ejection, arterial, pleth, cvp, co2)


def read_waveform_model(path: str | Path) -> WaveformModel:
    """A model from a file (for checking an edited copy); errors name that file."""
    path = Path(path)
    return parse_waveform_model(read_toml(path, "waveform model", shown=path.name), path.name)


@cache
def load_waveform_model() -> WaveformModel:
    """The built-in model (resources/catalogue/waveform_model.toml)."""
    doc = read_toml_resource("resources.catalogue", WAVEFORM_MODEL_FILE, "waveform model")
    return parse_waveform_model(doc, WAVEFORM_MODEL_FILE)
