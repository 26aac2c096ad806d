"""The waveform model file: loads, has every section, and a broken copy says file and key."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from replay_data import waveform_morphology as morphology
from replay_data.errors import ScenarioError
from replay_data.waveform_model import (
    WAVEFORM_MODEL_FILE,
    WaveformModel,
    load_waveform_model,
    read_waveform_model,
)


def model_text() -> str:
    return resources.files("resources.catalogue").joinpath(WAVEFORM_MODEL_FILE).read_text(
        encoding="utf-8")


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = model_text()
    assert re.search(old, text, flags=re.M), old
    path = tmp_path / WAVEFORM_MODEL_FILE
    path.write_text(re.sub(old, new, text, count=1, flags=re.M), encoding="utf-8")
    return path


def test_model_loads_with_all_sections() -> None:
    m = load_waveform_model()
    assert isinstance(m, WaveformModel)
    assert load_waveform_model() is m  # loaded once
    assert [w.name for w in m.ecg.waves] == ["P", "Q", "R", "S", "T"]
    assert [w.name for w in m.cvp.waves] == ["a", "c", "v"]
    assert m.breathing.inspiration_fraction == 1.0 / 3.0  # I:E 1:2
    assert m.ejection.lvet_intercept_s == 0.413 and m.ejection.lvet_slope_s_per_bpm == 0.0017
    assert 0.15 <= m.arterial.pulse.transit_s < m.pleth.pulse.transit_s <= 0.25
    assert 0 < m.co2.plateau_start < 1
    # The waveforms draw with this model.
    assert morphology.ARTERIAL_PULSE is m.arterial.pulse and morphology.ECG_WAVES is m.ecg.waves


def test_file_copy_reads_like_the_builtin(tmp_path: Path) -> None:
    path = tmp_path / WAVEFORM_MODEL_FILE
    path.write_text(model_text(), encoding="utf-8")
    assert read_waveform_model(path) == load_waveform_model()


@pytest.mark.parametrize(("old", "new", "key", "detail"), [
    (r"^transit_s = 0\.18", 'transit_s = "fast"', "arterial.pulse.transit_s", "number"),
    (r"^resp_decay = 0\.15", "", "breathing.resp_decay", "missing key"),
    (r"^r_wave_mv = 1\.2", "r_wave_mv = true", "ecg.r_wave_mv", "number"),
    (r"^a = 30\.0", "a = [30.0]", "ecg.wave[2].a", "number"),
    (r'^after = "T"', 'after = "U"', "cvp.wave[2].after", "unknown ECG wave"),
    (r"^lvet_range_s = .*$", "lvet_range_s = [0.34, 0.16]", "ejection.lvet_range_s", "list"),
    (r"^plateau_start = 0\.80", "plateau_start = 9.2", "co2.plateau_start", "fraction"),
    (r"^\[co2\]", "[co2]\nplateu_start = 0.9", "co2.plateu_start", "unknown key"),
    (r"^\[co2\]", "[capnogram]", "co2", "missing key"),
])
def test_broken_copy_names_file_and_key(tmp_path: Path, old: str, new: str, key: str,
                                        detail: str) -> None:
    with pytest.raises(ScenarioError) as err:
        read_waveform_model(broken_copy(tmp_path, old, new))
    message = str(err.value)
    # FILE:LINE: key: problem (no line for a table that is not written at all)
    head = rf"{re.escape(WAVEFORM_MODEL_FILE)}(:\d+)?: "
    assert re.match(head + re.escape(key) + ":", message), message
    assert detail in message
    assert "\n" not in message
