"""One hardened reader for scenarios, alarm profiles and session files: regular files
only (no hang on a FIFO, no endless read of /dev/zero), a size limit, UTF-8 with the file
name, nesting and number limits, and every field checked against the catalogue's
physical ranges -- with the same answer from `replay-data validate` and the dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.alarms.profile import ProfileError, load_profile
from replay_data import input_file
from replay_data.errors import ScenarioError
from replay_data.input_file import InputFileError, parse_json, read_bytes
from replay_data.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "resources" / "scenarios" / "sle_dah_ecmo.toml"
PROFILE = REPO / "resources" / "alarm_profiles" / "adult_icu.toml"
BIN = Path(sys.executable).parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True,
                          timeout=120)


# ------------------------------------------------------------------ the file itself


@pytest.mark.parametrize("kind", ["scenario", "alarm profile", "session"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, kind):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match=r"pipe\.toml: a pipe, not a"):
        read_bytes(fifo, kind)


def test_dev_zero_is_refused():
    with pytest.raises(InputFileError, match="^/dev/zero: a character device, not a"):
        read_bytes("/dev/zero", "session")


def test_size_limit(tmp_path, monkeypatch):
    f = tmp_path / "big.toml"
    f.write_bytes(b"#" * 2000)
    monkeypatch.setitem(input_file.MAX_BYTES, "scenario", 1000)
    with pytest.raises(ScenarioError, match=r"big\.toml: scenario file too large"):
        load_scenario(f)


@pytest.mark.parametrize(("command", "kind"), [
    (("replay-data", "validate"), "scenario"),
    (("icu-dashboard", "--headless", "--screenshot", "/tmp/never.png", "--scenario"),
     "scenario"),
    (("icu-dashboard", "debrief"), "session"),
])  # fmt: skip
def test_commands_refuse_a_fifo_and_dev_zero(tmp_path, command, kind, one_error_line):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for bad in (str(fifo), "/dev/zero"):
        p = cli(*command, bad)
        assert p.returncode == 2, p.stderr
        assert bad in one_error_line(p.stderr) and f"not a {kind} file" in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["pipe.toml"]


def test_profile_not_utf8_names_the_file(tmp_path):
    f = tmp_path / "p.toml"
    f.write_bytes(PROFILE.read_bytes().replace(b"#", b"\xff", 1))
    with pytest.raises(ProfileError, match=rf"^{f}: not UTF-8 text \(byte \d+\)$"):
        load_profile(f)


def test_profile_nested_too_deeply(tmp_path):
    f = tmp_path / "deep.toml"
    f.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ProfileError, match=r"deep\.toml: .*nested"):
        load_profile(f)


HUGE = "1" + "0" * 400


def test_huge_integer_in_a_profile(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(PROFILE.read_text().replace("audio_pause_s = 120", f"audio_pause_s = {HUGE}"))
    assert f.read_text() != PROFILE.read_text()
    with pytest.raises(ProfileError, match=r"system\.audio_pause_s: integer too large"):
        load_profile(f)


def test_huge_integer_in_a_scenario(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(SCENARIO.read_text().replace("default_severity = 1.0",
                                              f"default_severity = {HUGE}", 1))
    with pytest.raises(ScenarioError, match="integer too large"):
        load_scenario(f)


@pytest.mark.parametrize("text", [HUGE, "1e999", "NaN", "-Infinity", "[" * 100 + "]" * 100])
def test_json_numbers_and_nesting(text):
    with pytest.raises(ValueError) as info:
        parse_json('{"a": ' + text + "}")
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ scenario fields


def edited(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = SCENARIO.read_text()
    assert old in text, old
    f = tmp_path / "edited.toml"
    f.write_text(text.replace(old, new, count))
    return f


def append(tmp_path: Path, extra: str) -> Path:
    f = tmp_path / "edited.toml"
    f.write_text(SCENARIO.read_text() + "\n" + extra)
    return f


KEYFRAME = '\n[[keyframes]]\nt = "ecmo_start+1h"\nbasis = "assumed"\nvalues = {{ {} }}\n'
EFFECT_INJECTION = ('\n[injections.test_thing]\nlabel = "x"\nbasis = "assumed"\n'
                    'default_duration = "{dur}"\neffects = [{{ channel = "{ch}", {eff} }}]\n'
                    '{extra}\n')


@pytest.mark.parametrize(("extra", "words"), [
    (KEYFRAME.format("fio2 = 150"), "150 % is outside the physical range 21 to 100 %"),
    (KEYFRAME.format("fio2 = -5"), "-5 % is outside the physical range"),
    (KEYFRAME.format("hr = 1e9"), "outside the physical range 0 to 350"),
    ('\n[[keyframes]]\nt = "ecmo_start+1h"\nbasis = "assumed"\nresults = { platelets = -20 }\n',
     "results.platelets: -20"),
    (EFFECT_INJECTION.format(dur="5m", ch="spo2", eff="set = 500", extra=""),
     "effects[0].set: 500 % is outside"),
    (EFFECT_INJECTION.format(dur="0s", ch="spo2", eff="set = 50", extra=""),
     "default_duration: must be longer than 0 s"),
    (EFFECT_INJECTION.format(dur="5m", ch="abp_mean", eff="add = -10", extra=""),
     "'abp_mean' is derived"),
    (EFFECT_INJECTION.format(dur="5m", ch="hr", eff="add = 10", extra='flags = ["sparkles"]'),
     "unknown flag 'sparkles'"),
    (EFFECT_INJECTION.format(dur="5m", ch="hr", eff="oscillate = 5, period = 0", extra=""),
     "period: must be longer than 0 s"),
    ('\n[[scheduled]]\ninjection = "pump_stop"\nat = "ecmo_end+400d"\nbasis = "assumed"\n',
     "].at: 36263400 s is outside the scenario"),
    ('\n[[keyframes]]\nt = "extubation+400d"\nbasis = "assumed"\nvalues = { hr = 80 }\n',
     "is outside the scenario"),
])  # fmt: skip
def test_scenario_values_the_dashboard_cannot_show_are_refused(tmp_path, extra, words,
                                                                 one_error_line):
    f = append(tmp_path, extra)
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    assert words in str(info.value) and "edited.toml" in str(info.value)
    p = cli("replay-data", "validate", str(f))
    assert p.returncode == 2 and words in one_error_line(p.stderr)


def test_validate_refuses_a_missing_alarm_profile_like_the_dashboard(tmp_path, one_error_line):
    f = edited(tmp_path, 'alarm_profile = "sle_dah_ecmo"', 'alarm_profile = "no_such_profile"')
    p = cli("replay-data", "validate", str(f))
    assert p.returncode == 2
    line = one_error_line(p.stderr)
    assert "scenario.alarm_profile" in line and "unknown alarm profile 'no_such_profile'" in line
    q = cli("icu-dashboard", "--headless", "--scenario", str(f), "--screenshot",
            str(tmp_path / "x.png"), "--alarm-log", str(tmp_path / "a.jsonl"))
    assert q.returncode == 2 and "no_such_profile" in one_error_line(q.stderr)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["edited.toml"]


def test_the_case_still_validates():
    p = cli("replay-data", "validate", str(SCENARIO))
    assert p.returncode == 0 and p.stdout.endswith("injections)\n")


def test_an_unknown_flag_in_a_variant_is_refused_by_validate_and_the_dashboard(
        tmp_path, one_error_line):
    f = edited(tmp_path, '[injections.air_in_circuit.variants.detector_stop]\n',
               '[injections.air_in_circuit.variants.detector_stop]\n'
               'flags = ["air_in_circiut"]\n')
    with pytest.raises(ScenarioError, match="unknown flag 'air_in_circiut'"):
        load_scenario(f)
    p = cli("replay-data", "validate", str(f))
    line = one_error_line(p.stderr)
    assert p.returncode == 2
    assert "edited.toml" in line and "variants.detector_stop.flags" in line
    assert "unknown flag 'air_in_circiut'" in line
    q = cli("icu-dashboard", "--headless", "--scenario", str(f), "--screenshot",
            str(tmp_path / "x.png"), "--alarm-log", str(tmp_path / "a.jsonl"))
    assert q.returncode == 2 and "unknown flag 'air_in_circiut'" in one_error_line(q.stderr)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["edited.toml"]


PROFILE_WITH_FLAG = """
inherits = "adult_icu"

[conditions.odd]
kind = "technical"
category = "general"
priority = "low"
delay_s = 0
message = "odd"
when = [{{ flag = "{flag}" }}]
"""


def test_alarm_profiles_know_the_flags_of_the_catalogue(tmp_path, monkeypatch):
    """One list of flags: the catalogue's [flag.*] entries. A flag the catalogue gains
    is usable in a profile; one it does not have is refused, naming the file."""
    import dataclasses

    from replay_data import catalogue

    real = catalogue.load_catalogue()
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE_WITH_FLAG.format(flag="cable_cut"))
    with pytest.raises(ProfileError, match="unknown flag 'cable_cut'") as info:
        load_profile(prof)
    assert "p.toml" in str(info.value)
    more = dataclasses.replace(real, flags={**real.flags, "cable_cut": "Cable cut"})
    monkeypatch.setattr(catalogue, "load_catalogue", lambda: more)
    assert "odd" in [r.id for r in load_profile(prof).rules]
    fewer = dataclasses.replace(real, flags={k: v for k, v in real.flags.items()
                                             if k != "weaning"})
    monkeypatch.setattr(catalogue, "load_catalogue", lambda: fewer)
    prof.write_text(PROFILE_WITH_FLAG.format(flag="weaning"))
    with pytest.raises(ProfileError, match="unknown flag 'weaning'"):
        load_profile(prof)
