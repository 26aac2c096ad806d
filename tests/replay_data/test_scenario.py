"""Scenario validation: a broken scenario file names the file and the key, in one line.

Broken variants are made by editing a copy of the real scenario text, the way an author
would break it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from replay_data.cli import main
from replay_data.errors import ReplayDataError, ScenarioError
from replay_data.scenario import (
    REQUIRED_EVENTS,
    builtin_scenarios,
    check_case_events,
    load_scenario,
    parse_scenario,
)

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
REPLAY_DATA = Path(sys.executable).parent / "replay-data"
DOC = tomllib.loads(SCENARIO_FILE.read_text(encoding="utf-8"))


def event_index(doc: dict, event_id: str) -> int:
    """Position of an event in the file's [[events]] list (as error messages number it)."""
    for i, ev in enumerate(doc["events"]):
        if ev["id"] == event_id:
            return i
    raise AssertionError(f"no event {event_id!r} in the scenario")


def key_in(message: str, key: str) -> bool:
    """Whether an error message names `key` as a whole key path (not a longer one)."""
    return re.search(re.escape(key) + r"(?![\w.\[])", message) is not None


def _line_of(text: str) -> int:
    lines = SCENARIO_FILE.read_text(encoding="utf-8").splitlines()
    return lines.index(text) + 1


def _keyframe_index(channel: str, t: str) -> int:
    for i, kf in enumerate(DOC["keyframes"]):
        if kf["t"] == t and channel in kf.get("values", {}):
            return i
    raise AssertionError(f"no keyframe for {channel} at {t}")


def _draw_index(test: str, at: str) -> int:
    for i, d in enumerate(DOC["draws"]):
        if d.get("at", d.get("start")) == at and test in d["tests"]:
            return i
    raise AssertionError(f"no draw of {test} at {at}")


@dataclass(frozen=True)
class Broken:
    name: str
    edits: tuple[tuple[str, str], ...]  # (old, new) replacements in the real text
    key: str  # key path the message must name ("" = none, e.g. TOML syntax)
    words: tuple[str, ...]  # further words the message must contain


BROKEN = [
    Broken("toml_syntax", (("[scenario]\n", "[scenario\n"),), "",
           ("not valid TOML", f"line {_line_of('[scenario]')}")),
    Broken("number_as_string",
           (("values = { ecmo_flow = 3.7 }", 'values = { ecmo_flow = "3.7" }'),),
           f"keyframes[{_keyframe_index('ecmo_flow', 'ecmo_flow_target')}].values.ecmo_flow",
           ("must be a number",)),
    Broken("severity_as_string",
           (("default_severity = 0.6", 'default_severity = "0.6"'),),
           "injections.endobronchial_bleeding.default_severity", ("must be", "not str")),
    Broken("draw_value_as_string",
           (("values = { wbc = 2.74,", 'values = { wbc = "2.74",'),),
           f"draws[{_draw_index('wbc', 'sle_diagnosis')}].values.wbc", ("must be",)),
    Broken("keyframed_model_output",
           (("values = { ecmo_flow = 3.7 }", "values = { ecmo_flow = 3.7, spo2 = 99 }"),),
           "keyframes[", ("'spo2' is computed by the model",)),
    Broken("injection_unknown_variant_default",
           (('default_variant = "power_loss"', 'default_variant = "power_cut"'),),
           "injections.pump_stop.default_variant", ("unknown variant 'power_cut'",)),
    Broken("unknown_keyframe_channel",
           (("values = { ecmo_flow = 3.7 }", "values = { ecmo_flw = 3.7 }"),),
           f"keyframes[{_keyframe_index('ecmo_flow', 'ecmo_flow_target')}].values.ecmo_flw",
           ("unknown channel 'ecmo_flw'",)),
    Broken("derived_channel_keyframed",
           (("values = { ecmo_flow = 3.7 }", "values = { ecmo_flow = 3.7, abp_mean = 70 }"),),
           f"keyframes[{_keyframe_index('ecmo_flow', 'ecmo_flow_target')}].values.abp_mean",
           ("derived",)),
    Broken("unknown_event_reference",
           (('t = "admission+3h"', 't = "admision+3h"'),),
           f"events[{event_index(DOC, 'empiric_antibiotics')}].t",
           ("unknown event 'admision'",)),
    Broken("unknown_event_in_keyframe",
           (('t = "rest_ventilation+2h"', 't = "rest_ventilaton+2h"'),),
           "keyframes[", ("unknown event 'rest_ventilaton'",)),
    Broken("missing_label",
           (('label = "Admission"\n', ""),),
           f"events[{event_index(DOC, 'admission')}].label", ("missing",)),
    Broken("missing_scenario_end",
           (('end = "extubation+12h"\ndefault_start', "default_start"),), "scenario.end",
           ("missing",)),
    Broken("unknown_top_level_key", (("[modes]\n", "[mode]\n"),), "mode",
           ("unknown key", "modes")),
    Broken("unknown_event_key",
           (('label = "Admission"\n', 'label = "Admission"\ncolour = "red"\n'),),
           f"events[{event_index(DOC, 'admission')}].colour", ("unknown key",)),
    Broken("case_basis_without_quote",
           (('quote = "ECMO was started after the catheters had been inserted."\n', ""),),
           f"events[{event_index(DOC, 'ecmo_start')}].quote", ("quote",)),
    Broken("unknown_basis",
           (('id = "icu_admission"\nt = "intubation-2h"\nlabel = "ICU admission, monitoring '
             'starts"\nkind = "clinical"\nbasis = "assumed"',
             'id = "icu_admission"\nt = "intubation-2h"\nlabel = "ICU admission, monitoring '
             'starts"\nkind = "clinical"\nbasis = "guessed"'),),
           f"events[{event_index(DOC, 'icu_admission')}].basis", ("case", "assumed", "derived")),
    Broken("event_after_the_end",
           (('end = "extubation+12h"\ndefault', 'end = "extubation-12h"\ndefault'),),
           f"events[{event_index(DOC, 'extubation')}].t", ("outside the scenario",)),
    Broken("event_before_admission",
           (('t = "sle_diagnosis+4h"', 't = "admission-1h"'),),
           f"events[{event_index(DOC, 'pulse_steroids')}].t", ("outside the scenario",)),
    Broken("draw_of_unknown_test",
           (('at = "intubation+1h"\ntests = ["ph", "paco2", "pao2", "sao2", "lactate"]',
             'at = "intubation+1h"\ntests = ["ph", "paco2", "pao2", "sao2", "lactat"]'),),
           f"draws[{_draw_index('ph', 'intubation+1h')}].tests[4]",
           ("unknown result 'lactat'",)),
    Broken("draw_outside_the_scenario",
           (('at = "intubation+1h"', 'at = "extubation+1d"'),),
           f"draws[{_draw_index('ph', 'intubation+1h')}].at", ("outside the scenario",)),
    Broken("injection_with_unknown_channel",
           (('{ channel = "spo2", off = true }', '{ channel = "heart", off = true }'),),
           "injections.spo2_probe_off.effects[0].channel", ("unknown channel 'heart'",)),
    Broken("scheduled_unknown_injection",
           (('injection = "drainage_chatter"\nat', 'injection = "drainage_chater"\nat'),),
           "scheduled[0].injection", ("unknown injection 'drainage_chater'",)),
    Broken("duplicate_event_id",
           (('id = "cxr_post_ecmo"', 'id = "cannulation"'),),
           f"events[{event_index(DOC, 'cxr_post_ecmo')}].id", ("duplicate", "'cannulation'")),
    Broken("infinite_keyframe_value",
           (("values = { ecmo_flow = 3.7 }", "values = { ecmo_flow = inf }"),),
           f"keyframes[{_keyframe_index('ecmo_flow', 'ecmo_flow_target')}].values.ecmo_flow",
           ("must be a number",)),
]


def _write_variant(tmp_path: Path, scenario_text: str, case: Broken) -> Path:
    text = scenario_text
    for old, new in case.edits:
        assert text.count(old) == 1, f"{case.name}: edit target not unique in the scenario"
        text = text.replace(old, new)
    path = tmp_path / f"{case.name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _check_message(message: str, path: Path, case: Broken) -> None:
    assert path.name in message, message
    if case.key.endswith("["):  # index depends on the file's layout
        assert f": {case.key}" in message, message
    elif case.key:
        assert key_in(message, case.key), message
    for word in case.words:
        assert word in message, message


# ------------------------------------------------------------------ the real scenario


def test_the_real_scenario_loads_by_name_and_by_path(case_scenario) -> None:
    by_path = load_scenario(SCENARIO_FILE)
    assert "sle_dah_ecmo" in builtin_scenarios()
    assert by_path.id == case_scenario.id == "sle_dah_ecmo"
    assert by_path.event_times == case_scenario.event_times
    assert by_path.draws == case_scenario.draws
    check_case_events(case_scenario)
    assert set(REQUIRED_EVENTS) <= set(case_scenario.event_times)


def test_the_real_scenario_validates_on_the_command_line(case_scenario, capsys) -> None:
    assert main(["validate", str(SCENARIO_FILE)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(
        f"{SCENARIO_FILE}: OK ({len(case_scenario.events)} events, "
        f"{len(case_scenario.numeric_keyframes)} keyframed channels, "
        f"{len(case_scenario.draws)} result draws, ")
    assert captured.err == ""


def test_missing_required_event_is_named() -> None:
    # Rename the event and every reference to it: a valid file, but not the case's.
    text = SCENARIO_FILE.read_text(encoding="utf-8")
    renamed = text.replace('"act_target_raised', '"act_target_up')
    assert renamed.count('"act_target_up') >= 3
    sc = parse_scenario(tomllib.loads(renamed), "renamed.toml")
    assert "act_target_up" in sc.event_times
    with pytest.raises(ScenarioError, match="required event 'act_target_raised' is missing"):
        check_case_events(sc)


# ------------------------------------------------------------------ broken variants


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_broken_scenario_names_file_and_key(tmp_path: Path, scenario_text: str,
                                            case: Broken) -> None:
    path = _write_variant(tmp_path, scenario_text, case)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    # FILE:LINE: key.path: problem
    assert re.match(rf"{re.escape(path.name)}:\d+: ", message), message
    assert "\n" not in message
    _check_message(message, path, case)


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_validate_command_on_broken_scenario(tmp_path: Path, scenario_text: str,
                                             case: Broken, one_error_line) -> None:
    path = _write_variant(tmp_path, scenario_text, case)
    proc = subprocess.run([str(REPLAY_DATA), "validate", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert line.startswith("replay-data: error: ")
    _check_message(line, path, case)
    assert proc.stdout == ""


def test_validate_in_process_matches(tmp_path: Path, scenario_text: str, capsys,
                                     one_error_line) -> None:
    for case in BROKEN:
        path = _write_variant(tmp_path, scenario_text, case)
        assert main(["validate", str(path)]) == 2, case.name
        captured = capsys.readouterr()
        _check_message(one_error_line(captured.err), path, case)
        assert captured.out == ""


def test_cyclic_event_references(tmp_path: Path, scenario_text: str, one_error_line) -> None:
    text = scenario_text.replace('t = "admission+10d20h"', 't = "icu_admission+2h"')
    assert text != scenario_text
    path = tmp_path / "cyclic.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert re.match(r"cyclic\.toml:\d+: events\[", message), message
    assert "cyclic" in message
    assert "icu_admission" in message and "intubation" in message
    index = int(re.search(r"events\[(\d+)\]\.t", message).group(1))
    assert DOC["events"][index]["id"] in {"icu_admission", "intubation"}
    proc = subprocess.run([str(REPLAY_DATA), "validate", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "cyclic" in one_error_line(proc.stderr)


def test_two_events_referring_to_each_other() -> None:
    doc = {
        "scenario": {"id": "x", "title": "x", "end": "admission+1d"},
        "events": [
            {"id": "admission", "t": 0, "label": "Admission", "basis": "assumed"},
            {"id": "a", "t": "b+1h", "label": "A", "basis": "assumed"},
            {"id": "b", "t": "a-1h", "label": "B", "basis": "assumed"},
        ],
    }
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "mini.toml")
    message = str(info.value)
    assert message.startswith("mini.toml: events[1].t: ")
    assert "cyclic event references: a -> b -> a" in message


def test_event_referring_to_itself() -> None:
    doc = {
        "scenario": {"id": "x", "title": "x", "end": "admission+1d"},
        "events": [{"id": "admission", "t": "admission+0s", "label": "A", "basis": "assumed"}],
    }
    with pytest.raises(ScenarioError, match=r"mini\.toml: events\[0\]\.t: cyclic"):
        parse_scenario(doc, "mini.toml")


def test_missing_file(tmp_path: Path, one_error_line) -> None:
    path = tmp_path / "no_such_scenario.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: no such scenario file"
    proc = subprocess.run([str(REPLAY_DATA), "validate", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert str(path) in one_error_line(proc.stderr)


def test_unknown_builtin_name_lists_the_builtins() -> None:
    with pytest.raises(ScenarioError, match="built-in: .*sle_dah_ecmo"):
        load_scenario("sle_dah")


def test_not_utf8(tmp_path: Path, scenario_text: str) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(scenario_text.replace("·", "\xb7").encode("latin-1", errors="replace"))
    with pytest.raises(ScenarioError, match=r"^latin1\.toml: not UTF-8 text \(byte \d+\)$"):
        load_scenario(path)


def test_scenario_errors_are_replay_data_errors() -> None:
    err = ScenarioError("x.toml: events[1].t", "bad")
    assert isinstance(err, ReplayDataError)
    assert str(err) == "x.toml: events[1].t: bad"
    assert err.where == "x.toml: events[1].t" and err.detail == "bad"


def test_control_characters_in_keys_stay_on_one_line() -> None:
    doc = {"scenario": {"id": "x", "title": "x", "end": "admission+1d"},
           "events": [{"id": "admission", "t": 0, "label": "A", "basis": "assumed"}],
           "bad\nkey": 1}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "mini.toml")
    message = str(info.value)
    assert message.startswith("mini.toml: bad\\nkey: unknown key")
    assert len(message.splitlines()) == 1


def test_the_case_carries_its_briefing(case_scenario):
    b = case_scenario.briefing
    assert "43-year-old woman" in b.case_stem and "63 %" in b.case_stem
    assert len(b.objectives) >= 3 and len(b.debrief_prompts) >= 3


def test_a_briefing_must_be_a_table_of_texts(tmp_path):
    from replay_data.scenario import load_scenario

    src = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
    text = src.read_text(encoding="utf-8")
    bad = text.replace('objectives = [\n', 'objectives = [\n    3,\n', 1)
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"briefing\.objectives\[0\]"):
        load_scenario(path)
