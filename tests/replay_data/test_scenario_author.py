"""An author's path: `replay-data new` writes a valid start, `replay-data validate` lists
every problem of a file at once (one line each: FILE:LINE: key: what, what is allowed),
and loading elsewhere still stops at one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replay_data.cli import main
from replay_data.course import Course
from replay_data.errors import ScenarioError, ScenarioProblems
from replay_data.scenario import load_scenario
from replay_data.scenario_templates import TEMPLATES, scenario_id_for, template_text

BIN = Path(sys.executable).parent
REPLAY_DATA = BIN / "replay-data"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPLAY_DATA), *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


# ----------------------------------------------------------------------------- validate

# Ten independent mistakes in the icu template: (old text, new text, key path, words).
# Each is its own problem: none hides another, none is a consequence of another.
TEN = [
    ('age = 54', 'age = 154', "patient.age", "not an age (0 to 130)"),
    ('default_start = "worsening-30m"', 'default_start = "worsning-30m"',
     "scenario.default_start", "closest: worsening"),
    ('label = "Arterial line and central venous catheter"', 'label = 5',
     "events[2].label", "must be text"),
    ('values = { hr = 106, rr = 20,', 'values = { spo3 = 97, hr = 106, rr = 20,',
     "keyframes[0].values.spo3", "closest: spo2; a keyframe sets input channels: "),
    ('values = { abp_sys = 108, abp_dia = 60, cvp = 10 }',
     'values = { abp_sys = 508, abp_dia = 60, cvp = 10 }',
     "keyframes[1].values.abp_sys", "outside the physical range 0 to 350 mmHg"),
    ('tests = ["ph", "paco2", "pao2", "sao2", "lactate", "hb"]',
     'tests = ["ph", "paco2", "pao2", "sao2", "lactat", "hb"]',
     "draws[0].tests[4]", "closest: lactate"),
    ('every = "4h"', 'every = "0s"', "draws[1].every", "longer than 0 s"),
    ('{ channel = "shunt_fraction", add = 0.15 },', '{ channel = "shunt_fractoin", add = 0.15 },',
     "injections.sputum_plug.effects[1].channel", "closest: shunt_fraction"),
    ('basis = "assumed"\ntext = "Falling', 'basis = "guess"\ntext = "Falling',
     "teaching[0].basis", "must be one of case, assumed, derived"),
    ('[briefing]', '[breifing]', "breifing", "closest: briefing; allowed: "),
]  # fmt: skip


def ten_mistakes() -> str:
    text = template_text("icu")
    for old, new, _, _ in TEN:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _line_of(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


def test_ten_independent_mistakes_are_ten_lines(tmp_path: Path) -> None:
    text = ten_mistakes()
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    p = run("validate", str(f))
    assert p.returncode == 2 and p.stdout == ""
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 10, p.stderr
    expected = sorted(((_line_of(text, new), key, words) for _, new, key, words in TEN))
    for line, (number, key, words) in zip(lines, expected):
        assert line.startswith(f"replay-data: error: case.toml:{number}: {key}: "), line
        assert words in line, line
    numbers = [int(re.match(r"replay-data: error: case\.toml:(\d+): ", x).group(1))
               for x in lines]
    assert numbers == sorted(numbers)


def test_loading_stops_at_one_line_the_first_problem_found(tmp_path: Path) -> None:
    f = tmp_path / "case.toml"
    f.write_text(ten_mistakes(), encoding="utf-8")
    with pytest.raises(ScenarioProblems) as info:
        load_scenario(f)
    assert len(info.value.problems) == 10
    message = str(info.value)
    assert "\n" not in message
    assert message == str(info.value.problems[0])  # the first found, as before
    assert isinstance(info.value, ScenarioError)


def test_one_mistake_is_one_line_as_before(tmp_path: Path, one_error_line) -> None:
    f = tmp_path / "case.toml"
    f.write_text(template_text("icu").replace("age = 54", "age = -3"), encoding="utf-8")
    p = run("validate", str(f))
    assert p.returncode == 2
    assert one_error_line(p.stderr).startswith("replay-data: error: case.toml:")


def test_unresolvable_event_times_stop_there(tmp_path: Path, one_error_line) -> None:
    # Every other time refers to the events: nothing after them is checked.
    text = ten_mistakes().replace('t = "admission+20m"', 't = "nowhere+20m"')
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    p = run("validate", str(f))
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    assert any("events[2].t: unknown event 'nowhere'" in x for x in lines), p.stderr
    # the unknown top-level key is still found (it needs no times); the keyframes are not
    assert not any(": keyframes[" in x for x in lines), p.stderr


def test_a_keyframe_with_a_bad_time_still_checks_its_values(tmp_path: Path) -> None:
    text = template_text("icu").replace(
        't = "arterial_line"\nbasis = "assumed"\nvalues = { abp_sys = 108',
        't = "arterial_lin"\nbasis = "assumed"\nvalues = { abp_sys = 1080')
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    p = run("validate", str(f))
    lines = p.stderr.splitlines()
    assert len(lines) == 2, p.stderr
    assert "keyframes[1].t: unknown event 'arterial_lin' (closest: arterial_line" in lines[0]
    assert "keyframes[1].values.abp_sys: 1080 mmHg is outside" in lines[1]


def test_a_broken_injection_is_not_also_an_unknown_one_when_scheduled(tmp_path: Path,
                                                                     one_error_line) -> None:
    text = template_text("icu").replace('default_duration = "6m"', 'default_duration = "0s"')
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    line = one_error_line(run("validate", str(f)).stderr)
    assert "injections.sputum_plug.default_duration: must be longer than 0 s" in line


def test_a_broken_circuit_is_not_also_a_missing_one(tmp_path: Path, one_error_line) -> None:
    text = template_text("vv-ecmo").replace("size_fr = 25", "size_fr = 52")
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    line = one_error_line(run("validate", str(f)).stderr)
    assert "circuit.cannulae[0].size_fr: 52 Fr is outside 6 to 36 Fr" in line


def test_every_unknown_key_of_a_table_is_listed(tmp_path: Path) -> None:
    text = template_text("ward").replace("age = 67", "age = 67\nagee = 1\nwieght_kg = 3")
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    lines = run("validate", str(f)).stderr.splitlines()
    assert len(lines) == 2
    assert "patient.agee: unknown key (closest: age; allowed: " in lines[0]
    assert "patient.wieght_kg: unknown key (closest: weight_kg; allowed: " in lines[1]


# ----------------------------------------------------------------------------- new


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_each_template_validates_and_replays(template: str, tmp_path: Path) -> None:
    f = tmp_path / f"my-{template}.toml"
    p = run("new", str(f), "--template", template)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    p = run("validate", str(f))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{f}: OK (")
    sc = load_scenario(f)
    assert sc.id == scenario_id_for(str(f)) == f"my_{template.replace('-', '_')}"
    assert sc.patient.pbw_kg is not None and sc.injections
    assert all(spec.expected for spec in sc.injections.values())
    assert sc.teaching and sc.briefing.objectives and sc.draws
    course = Course(sc, seed=0)
    t = np.array([sc.default_start, sc.end - 60.0])
    values = course.numerics(["spo2", "paco2", "hr"], t)
    # vv-ecmo opens before the pump, in refractory hypoxaemia (SpO2 under 80)
    assert np.all((values["spo2"] > 60) & (values["spo2"] <= 100)), values
    assert values["spo2"][-1] > 90, values
    assert np.all((values["paco2"] > 25) & (values["paco2"] < 60)), values
    results = course.results_until(sc.end)
    assert results and all(np.isfinite(r.value) for r in results)


def test_the_templates_have_what_they_say() -> None:
    ward, icu, ecmo = (load_scenario_text(n) for n in ("ward", "icu", "vv-ecmo"))
    assert ward.circuit is None and "intubation" not in ward.roles
    assert ward.modes["oxygen_device"][0][1].startswith("Venturi mask")
    assert icu.circuit is None and icu.role_time("intubation") == 0.0
    assert "abp_sys" in icu.numeric_keyframes
    assert ecmo.circuit is not None and ecmo.roles["ecmo_start"] == "pump_on"
    assert ecmo.role_time("cannulation") < ecmo.role_time("ecmo_start") < ecmo.end
    for sc in (ward, icu, ecmo):  # every number says what it rests on: a template's, assumed
        assert {e.provenance.basis for e in sc.events} == {"assumed"}
        assert {p.basis for _, _, p in sc.keyframe_provenance} == {"assumed"}


def load_scenario_text(template: str):
    from replay_data.scenario_parse import parse_scenario
    from replay_data.toml_reader import toml_text

    return parse_scenario(toml_text(template_text(template), "t.toml", "scenario"), "t.toml")


def test_the_default_template_is_icu(tmp_path: Path, capsys) -> None:
    f = tmp_path / "case.toml"
    assert main(["new", str(f)]) == 0
    assert capsys.readouterr().out.startswith(f"{f}: written from the icu template")
    assert f.read_text(encoding="utf-8") == template_text("icu", "case")


def test_new_never_overwrites(tmp_path: Path, one_error_line) -> None:
    f = tmp_path / "case.toml"
    f.write_text("mine", encoding="utf-8")
    p = run("new", str(f))
    assert p.returncode == 2 and p.stdout == ""
    assert "exists already" in one_error_line(p.stderr)
    assert f.read_text(encoding="utf-8") == "mine"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["case.toml"]


@pytest.mark.parametrize(("name", "words"), [
    ("no_folder/case.toml", "does not exist"),
    ("case.txt", "ends in .toml"),
    ("link.toml", "symbolic link"),
    ("folder.toml", "folder"),
])  # fmt: skip
def test_new_refuses_a_bad_path_in_one_line(tmp_path: Path, name: str, words: str,
                                            one_error_line) -> None:
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "link.toml").symlink_to(tmp_path / "elsewhere.toml")
    before = sorted(os.listdir(tmp_path))
    p = run("new", name, cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == ""
    assert words in one_error_line(p.stderr)
    assert sorted(os.listdir(tmp_path)) == before  # nothing half-written, no .part left


def test_an_unknown_template_is_one_line(tmp_path: Path, one_error_line) -> None:
    p = run("new", str(tmp_path / "x.toml"), "--template", "picu")
    assert p.returncode == 2
    assert "invalid choice: 'picu'" in one_error_line(p.stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_that_is_no_id_gives_one() -> None:
    assert scenario_id_for("dir/my-patient.toml") == "my_patient"
    assert scenario_id_for("2024 case.toml") == "scenario_2024_case"
