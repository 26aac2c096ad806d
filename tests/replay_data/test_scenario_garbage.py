"""Garbage in, ScenarioError out: no input makes the loader fail with another exception.

A scenario author (or a fuzzer) gets one line naming the file and the key, never a
KeyError, TypeError or RecursionError from deep inside the loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay_data.errors import ReplayDataError, ScenarioError
from replay_data.scenario import Scenario, load_scenario, parse_scenario

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
REAL_TEXT = SCENARIO_FILE.read_text(encoding="utf-8")
REAL_DOC = tomllib.loads(REAL_TEXT)
# The mutants share their untouched parts with REAL_DOC: each example checks that neither
# the mutation nor the loader changed it (a C-level comparison, cheap beside a deep copy;
# a copy, not a second parse, so that its nan values are the same objects and compare equal).
PRISTINE_DOC = copy.deepcopy(REAL_DOC)

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=200,
                suppress_health_check=[HealthCheck.too_slow])

# Key names the loader knows, so that random documents reach past the first check.
KNOWN_KEYS = sorted({
    "scenario", "patient", "events", "keyframes", "modes", "flag_periods", "draws",
    "injections", "scheduled", "teaching", "id", "title", "source", "end", "default_start",
    "alarm_profile", "monitoring_start", "t", "label", "kind", "basis", "quote", "note",
    "values", "results", "flag", "start", "at", "every", "tests", "category", "description",
    "default_severity", "default_duration", "onset", "offset", "flags", "effects", "channel",
    "set", "add", "oscillate", "period", "off", "injection", "severity", "duration", "from",
    "to", "text", "hr", "spo2", "abp_mean", "ph", "act", "admission", "drainage_chatter",
})
TIME_LIKE = ["0", "admission", "admission+1h", "admission-1h", "1d", "90s", "1h30m",
             "ecmo_start+5m", "a", "a+1h", "b-1h", "nan", "inf", "-5", "1e308", "1x", "",
             "case", "assumed", "derived"]

leaves = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(TIME_LIKE),
    st.sampled_from(KNOWN_KEYS),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(),
    st.times(),
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8))
toml_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
documents = st.dictionaries(keys, toml_values, max_size=8)


def _only_scenario_errors(call) -> Scenario | None:
    """Run the loader; a ScenarioError must be one printable line naming the source."""
    try:
        return call()
    except ScenarioError as exc:
        message = str(exc)
        assert message.isprintable(), repr(message)
        assert len(message.splitlines()) == 1
        assert exc.where and exc.detail
        return None


@FUZZ
@given(documents)
def test_random_documents(doc: dict) -> None:
    _only_scenario_errors(lambda: parse_scenario(doc, "garbage.toml"))


@FUZZ
@given(toml_values)
def test_random_values_as_document(value: object) -> None:
    # tomllib only returns tables, but parse_scenario is public: anything else is refused.
    if isinstance(value, dict):
        _only_scenario_errors(lambda: parse_scenario(value, "garbage.toml"))
    else:
        with pytest.raises(ScenarioError, match=r"^garbage\.toml: must be a table$"):
            parse_scenario(value, "garbage.toml")


def _mutate(data: st.DataObject, doc: dict) -> dict:
    """Replace, delete or retype one entry somewhere inside a copy of the real document.

    Only the tables and arrays on the way down to the entry are copied (the rest is
    shared with `doc`, which stays untouched): a deep copy of the whole scenario for
    each example cost more than parsing it."""
    doc = copy.copy(doc)
    node: dict | list = doc
    while True:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            return doc
        key, child = data.draw(st.sampled_from(children))
        descend = isinstance(child, dict | list) and child and data.draw(st.booleans())
        if descend:
            node[key] = copy.copy(child)
            node = node[key]
            continue
        action = data.draw(st.sampled_from(["replace", "delete", "wrap", "stringify"]))
        if action == "delete":
            del node[key]
        elif action == "wrap":
            node[key] = [child]
        elif action == "stringify":
            node[key] = str(child)
        else:
            node[key] = data.draw(toml_values)
        return doc


@FUZZ
@given(st.data())
def test_one_mutation_of_the_real_scenario(data: st.DataObject) -> None:
    doc = _mutate(data, REAL_DOC)
    _only_scenario_errors(lambda: parse_scenario(doc, "mutated.toml"))
    assert REAL_DOC == PRISTINE_DOC


@FUZZ
@given(st.data())
def test_several_mutations_of_the_real_scenario(data: st.DataObject) -> None:
    doc = REAL_DOC
    for _ in range(data.draw(st.integers(2, 6))):
        doc = _mutate(data, doc)
    _only_scenario_errors(lambda: parse_scenario(doc, "mutated.toml"))
    assert REAL_DOC == PRISTINE_DOC


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("garbage")


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(fuzz_dir: Path, raw: bytes) -> None:
    path = fuzz_dir / "bytes.toml"
    path.write_bytes(raw)
    _only_scenario_errors(lambda: load_scenario(path))


@FUZZ
@given(st.data())
def test_real_text_with_lines_dropped_or_repeated(fuzz_dir: Path, data: st.DataObject) -> None:
    lines = REAL_TEXT.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "repeat", "truncate"]))
        if action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        else:
            cut = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:cut] + "\n"
    path = fuzz_dir / "edited.toml"
    path.write_text("".join(lines), encoding="utf-8")
    _only_scenario_errors(lambda: load_scenario(path))


# ------------------------------------------------------------------ crashes found by fuzzing


def _minimal(**extra: object) -> dict:
    doc: dict = {
        "scenario": {"id": "mini", "title": "Mini", "end": "admission+1d"},
        "events": [{"id": "admission", "t": 0, "label": "Admission", "basis": "assumed"}],
    }
    doc.update(extra)
    return doc


def test_minimal_document_loads() -> None:
    # The fixtures below are one fault away from a valid scenario, not random noise.
    sc = parse_scenario(_minimal(), "mini.toml")
    assert sc.end == 86400 and sc.event_times == {"admission": 0.0}


def test_unhashable_test_name_in_draws() -> None:
    doc = _minimal(draws=[{"at": "admission", "tests": [["ph"]], "basis": "assumed"}])
    with pytest.raises(ScenarioError, match=r"^mini\.toml: draws\[0\]\.tests\[0\]: "):
        parse_scenario(doc, "mini.toml")


def test_draw_grid_with_astronomical_span() -> None:
    doc = _minimal(draws=[{"start": -1.7e308, "end": 1.7e308, "every": "1h", "tests": ["ph"],
                           "values": {"ph": 7.4}, "basis": "assumed"}])
    with pytest.raises(ScenarioError, match=r"^mini\.toml: draws\[0\]\.start: .*outside"):
        parse_scenario(doc, "mini.toml")


def test_draw_grid_with_too_many_draws() -> None:
    doc = _minimal(draws=[{"start": "admission", "end": "admission+1d", "every": 1e-6,
                           "tests": ["ph"], "values": {"ph": 7.4}, "basis": "assumed"}])
    with pytest.raises(ScenarioError, match=r"^mini\.toml: draws\[0\]\.every: .*at most"):
        parse_scenario(doc, "mini.toml")


def test_event_times_that_overflow() -> None:
    doc = _minimal()
    doc["events"] += [
        {"id": "a", "t": 1.7e308, "label": "A", "basis": "assumed"},
        {"id": "b", "t": "a+1.7e308s", "label": "B", "basis": "assumed"},
    ]
    with pytest.raises(ScenarioError, match=r"^mini\.toml: events\[2\]\.t: "):
        parse_scenario(doc, "mini.toml")


def test_long_chain_of_event_references() -> None:
    # Each event 1 s after the previous one: resolving must not hit the recursion limit.
    n = 5000
    events = [{"id": "admission", "t": 0, "label": "A", "basis": "assumed"}]
    events += [{"id": f"e{i}", "t": f"{'admission' if i == 0 else f'e{i - 1}'}+1s",
                "label": "E", "basis": "assumed"} for i in range(n)]
    events.reverse()  # the last event first, so resolution starts at the far end
    meta = {"id": "x", "title": "x", "end": "admission+2h"}
    sc = parse_scenario({"scenario": meta, "events": events}, "chain.toml")
    assert sc.event_times[f"e{n - 1}"] == n


def test_long_cycle_of_event_references() -> None:
    n = 3000
    events = [{"id": "admission", "t": 0, "label": "A", "basis": "assumed"}]
    events += [{"id": f"e{i}", "t": f"e{(i + 1) % n}-1s", "label": "E", "basis": "assumed"}
               for i in range(n)]
    with pytest.raises(ScenarioError, match=r"^cycle\.toml: events\[1\]\.t: cyclic"):
        meta = {"id": "x", "title": "x", "end": "admission+2h"}
        parse_scenario({"scenario": meta, "events": events}, "cycle.toml")


def test_deeply_nested_toml(tmp_path: Path) -> None:
    path = tmp_path / "nested.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^nested\.toml: not valid TOML"):
        load_scenario(path)


@pytest.mark.parametrize("name", ["a" * 5000 + ".toml", "dir/" + "b" * 300 + "/x.toml",
                                  "a\x00b.toml", "line\nbreak.toml"])
def test_unusable_file_names(name: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    assert len(str(info.value).splitlines()) == 1


def test_non_finite_values() -> None:
    kf = [{"t": "admission", "basis": "assumed", "values": {"hr": -math.inf}}]
    with pytest.raises(ScenarioError, match=r"keyframes\[0\]\.values\.hr"):
        parse_scenario(_minimal(keyframes=kf), "mini.toml")
    dr = [{"at": "admission", "tests": ["ph"], "values": {"ph": math.nan}, "basis": "assumed"}]
    with pytest.raises(ScenarioError, match=r"draws\[0\]\.values\.ph"):
        parse_scenario(_minimal(draws=dr), "mini.toml")


def test_garbage_errors_are_replay_data_errors() -> None:
    # Front ends print ReplayDataError as one line; a ScenarioError must be one.
    with pytest.raises(ReplayDataError):
        parse_scenario({"events": 3}, "x.toml")
