"""Values that validated but then crashed or misled the app are refused where the file is
read: one line naming the file, the line and the key (issue 18, item 7).

Each case here passed `replay-data validate` before; the last tests check that the
command line and the dashboard both refuse such a file with exit code 2.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest

from replay_data.errors import ScenarioError
from replay_data.scenario import MAX_CASE_S, MAX_DURATION_S, load_scenario, parse_scenario

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
CASE_TEXT = (REPO / "resources/scenarios/sle_dah_ecmo.toml").read_text(encoding="utf-8")

INJECTION = {"label": "Thing", "basis": "assumed", "default_duration": "5m",
             "effects": [{"channel": "hr", "add": 10}]}


def _minimal(**tables: object) -> dict:
    doc: dict = {
        "scenario": {"id": "mini", "title": "Mini", "end": "admission+1d"},
        "events": [{"id": "admission", "t": 0, "label": "Admission", "basis": "assumed"}],
    }
    doc.update(copy.deepcopy(tables))
    return doc


def _refused(doc: dict, key: str, words: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "mini.toml")
    message = str(info.value)
    assert message.startswith(f"mini.toml: {key}: "), message
    assert words in message, message
    assert "\n" not in message
    return message


def test_the_minimal_case_with_a_patient_and_an_injection_loads() -> None:
    # The cases below are one fault away from this one.
    sc = parse_scenario(_minimal(patient={"age": 43, "sex": "female", "weight_kg": 58.0},
                                 injections={"thing": INJECTION}), "mini.toml")
    assert sc.patient.age == 43 and set(sc.injections) == {"thing"}


# ------------------------------------------------------------------ case length


@pytest.mark.parametrize("end", [2**31, "2147483648", "admission+24856d", 1e300])
def test_a_case_longer_than_the_app_can_show_is_refused(end: object) -> None:
    doc = _minimal()
    doc["scenario"]["end"] = end
    _refused(doc, "scenario.end", "longer than a case may last")


def test_the_longest_case_is_accepted() -> None:
    doc = _minimal()
    doc["scenario"]["end"] = MAX_CASE_S
    assert parse_scenario(doc, "mini.toml").end == MAX_CASE_S


# ------------------------------------------------------------------ [patient]


@pytest.mark.parametrize(("key", "value", "words"), [
    ("age", -3, "not an age"),
    ("age", 1e308, "not an age"),
    ("age", math.nan, "finite number"),
    ("age", "old", "finite number"),
    ("weight_kg", 0, "not a weight"),
    ("weight_kg", -58, "not a weight"),
    ("weight_kg", math.nan, "finite number"),
    ("sex", 1, "must be one of female, male"),
    ("summary", 3, "must be text"),
    ("colour", "red", "unknown key"),
])  # fmt: skip
def test_a_patient_that_cannot_be_is_refused(key: str, value: object, words: str) -> None:
    _refused(_minimal(patient={"age": 43, key: value}), f"patient.{key}", words)


def test_patient_must_be_a_table() -> None:
    _refused(_minimal(patient="43F"), "patient", "must be a table")


# ------------------------------------------------------------------ ids


def test_an_empty_scenario_id_is_refused() -> None:
    doc = _minimal()
    doc["scenario"]["id"] = " "
    _refused(doc, "scenario.id", "must not be empty")


@pytest.mark.parametrize("eid", ["", "a b", "a+b", "1h", "x/../y"])
def test_event_ids_a_time_expression_cannot_name_are_refused(eid: str) -> None:
    doc = _minimal()
    doc["events"].append({"id": eid, "t": "admission+1h", "label": "E", "basis": "assumed"})
    _refused(doc, "events[1].id", "event id")


@pytest.mark.parametrize("iid", ["a b/../c", "", "x+y"])
def test_injection_ids_that_are_not_names_are_refused(iid: str) -> None:
    _refused(_minimal(injections={iid: INJECTION}), f"injections.{iid}", "injection id")


def test_an_empty_injection_label_is_refused() -> None:
    _refused(_minimal(injections={"thing": {**INJECTION, "label": ""}}),
             "injections.thing.label", "must not be empty")


def test_duplicate_expected_response_ids_are_refused() -> None:
    response = {"id": "act", "label": "Act", "within": "1m",
                "any": [{"control": "control.ecmo.rpm", "at_least": 1000}]}
    inj = {**INJECTION, "expected": [response, {**response, "label": "Again"}]}
    _refused(_minimal(injections={"thing": inj}), "injections.thing.expected[1].id",
             "duplicate expected response id 'act'")


def test_scenario_and_drill_ids_that_are_not_names_are_refused(tmp_path: Path) -> None:
    # A recording and the room's state carry the id; a built-in is looked up by it.
    doc = _minimal()
    doc["scenario"]["id"] = "a b/../c"
    _refused(doc, "scenario.id", "scenario id 'a b/../c'")
    with pytest.raises(ScenarioError, match=r"d.toml:2: drill.id: drill id 'a b'"):
        load_scenario(_drill(tmp_path, **{'id = "d"': 'id = "a b"'}))


def test_empty_titles_are_refused(tmp_path: Path) -> None:
    doc = _minimal()
    doc["scenario"]["title"] = ""
    _refused(doc, "scenario.title", "must not be empty")
    with pytest.raises(ScenarioError, match=r"d.toml:3: drill.title: must not be empty"):
        load_scenario(_drill(tmp_path, **{'title = "D"': 'title = ""'}))


VARIANT = {"label": "Clamped", "effects": [{"channel": "hr", "add": 5}]}


@pytest.mark.parametrize("vid", ["a b", "", "x:y"])
def test_variant_ids_that_are_not_names_are_refused(vid: str) -> None:
    # `--inject thing:VARIANT@T` and the console's actions name a variant by its id.
    inj = {**INJECTION, "variants": {vid: VARIANT}, "default_variant": vid}
    _refused(_minimal(injections={"thing": inj}), f"injections.thing.variants.{vid}",
             "variant id")


def test_empty_variant_and_expected_labels_are_refused() -> None:
    inj = {**INJECTION, "variants": {"clamped": {**VARIANT, "label": " "}}}
    _refused(_minimal(injections={"thing": inj}), "injections.thing.variants.clamped.label",
             "must not be empty")
    response = {"id": "act", "label": "", "within": "1m",
                "any": [{"control": "control.ecmo.rpm", "at_least": 1000}]}
    _refused(_minimal(injections={"thing": {**INJECTION, "expected": [response]}}),
             "injections.thing.expected[0].label", "must not be empty")


@pytest.mark.parametrize(("within", "words"), [("0s", "longer than 0 s"),
                                               ("1e300", "between 0 s and"),
                                               ("200d", "between 0 s and")])
def test_a_response_window_that_cannot_be_scored_is_refused(within: str, words: str) -> None:
    response = {"id": "act", "label": "Act", "within": within,
                "any": [{"control": "control.ecmo.rpm", "at_least": 1000}]}
    _refused(_minimal(injections={"thing": {**INJECTION, "expected": [response]}}),
             "injections.thing.expected[0].within", words)


@pytest.mark.parametrize(("where", "key"), [
    ("injection", "onset"), ("injection", "offset"), ("effect", "onset"),
    ("effect", "offset"), ("variant", "onset"),  # a variant has an onset only
])  # fmt: skip
def test_ramps_longer_than_the_limit_are_refused(where: str, key: str) -> None:
    inj = copy.deepcopy(INJECTION)
    if where == "injection":
        inj[key], path = "1e300", f"injections.thing.{key}"
    elif where == "effect":
        inj["effects"][0][key], path = "1e300", f"injections.thing.effects[0].{key}"
    else:
        inj["variants"] = {"v": {**VARIANT, key: "1e300"}}
        path = f"injections.thing.variants.v.{key}"
    _refused(_minimal(injections={"thing": inj}), path, "between 0 s and")


# ------------------------------------------------------------------ draws and durations


def test_a_draw_of_no_tests_is_refused() -> None:
    draw = {"at": "admission", "tests": [], "basis": "assumed"}
    _refused(_minimal(draws=[draw]), "draws[0].tests", "at least one test")


def test_a_draw_with_both_at_and_start_is_refused() -> None:
    draw = {"at": "admission", "start": "admission", "end": "admission+1h", "every": "10m",
            "tests": ["ph"], "values": {"ph": 7.4}, "basis": "assumed"}
    _refused(_minimal(draws=[draw]), "draws[0]", "either at")


@pytest.mark.parametrize("duration", [MAX_DURATION_S + 1, "1e8", "200d"])
def test_an_injection_longer_than_the_limit_is_refused(duration: object) -> None:
    _refused(_minimal(injections={"thing": {**INJECTION, "default_duration": duration}}),
             "injections.thing.default_duration", "longer than an injection may last")


def test_a_scheduled_injection_longer_than_the_limit_is_refused() -> None:
    scheduled = [{"injection": "thing", "at": "admission+1h", "duration": "200d",
                  "basis": "assumed"}]
    _refused(_minimal(injections={"thing": INJECTION}, scheduled=scheduled),
             "scheduled[0].duration", "longer than an injection may last")


# ------------------------------------------------------------------ drills


def _drill(tmp_path: Path, **swap: str) -> Path:
    text = ('[drill]\nid = "d"\ntitle = "D"\nbase = "sle_dah_ecmo"\nstart = "ecmo_start+2h"\n'
            '\n[[scheduled]]\ninjection = "pump_stop"\nafter = "3m"\n'
            '\n[briefing]\ncase_stem = "Stem."\nobjectives = ["Clamp."]\n')
    for old, new in swap.items():
        assert old in text
        text = text.replace(old, new)
    f = tmp_path / "d.toml"
    f.write_text(text, encoding="utf-8")
    return f


def test_an_empty_drill_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(_drill(tmp_path, **{'id = "d"': 'id = ""'}))
    assert str(info.value) == "d.toml:2: drill.id: must not be empty"


def test_a_drill_scheduling_an_overlong_injection_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(_drill(tmp_path, **{'after = "3m"': 'after = "3m"\nduration = "1e9"'}))
    assert str(info.value).startswith("d.toml:10: scheduled[0].duration: ")


# ------------------------------------------------------------------ both front ends


def _case_file(tmp_path: Path, old: str, new: str) -> Path:
    assert CASE_TEXT.count(old) == 1, old
    f = tmp_path / "case.toml"
    f.write_text(CASE_TEXT.replace(old, new), encoding="utf-8")
    return f


def _line(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ('end = "extubation+12h"\ndefault', 'end = "2147483648"\ndefault', "scenario.end",
     "longer than a case may last"),
    ("age = 43", "age = -3", "patient.age", "not an age"),
])  # fmt: skip
def test_validate_and_the_dashboard_refuse_it_in_one_line(tmp_path: Path, old: str, new: str,
                                                          key: str, words: str,
                                                          one_error_line) -> None:
    f = _case_file(tmp_path, old, new)
    expected = f"case.toml:{_line(f, new.splitlines()[0])}: {key}: "
    shot = tmp_path / "x.png"
    for cmd in ([str(BIN / "replay-data"), "validate", str(f)],
                [str(BIN / "icu-dashboard"), "--headless", "--scenario", str(f),
                 "--duration", "1s", "--screenshot", str(shot)]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, (cmd, p.stderr)
        line = one_error_line(p.stderr)
        assert expected in line and words in line, line
        assert "Traceback" not in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["case.toml"]
