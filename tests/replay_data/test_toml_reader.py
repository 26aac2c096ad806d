"""The one TOML reader: `FILE:LINE: key.path: what is wrong` for every kind of file, and
the file limits (kind, size, depth) whatever the file is for."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dashboard.alarms.profile import ProfileError, load_profile
from replay_data.catalogue import load_catalogue, parse_catalogue
from replay_data.errors import ScenarioError
from replay_data.input_file import InputFileError
from replay_data.physiology.coefficients import parse_coefficients
from replay_data.scenario import load_scenario
from replay_data.toml_lines import key_lines, key_text, line_of
from replay_data.toml_reader import read_toml, toml_text

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "resources").rglob("*.toml"))
CASE = REPO / "resources/scenarios/sle_dah_ecmo.toml"
PROFILE = REPO / "resources/alarm_profiles/adult_icu.toml"


def _leaf_paths(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, (*path, i))] or [path]
    return [path]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_key_of_every_shipped_file_has_its_line(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = key_lines(text)
    source = text.splitlines()
    for leaf in _leaf_paths(tomllib.loads(text)):
        assert leaf in lines, leaf
        last = leaf[-1]
        if isinstance(last, str) and last.isidentifier():  # the key is written there
            assert last in source[lines[leaf] - 1], (leaf, source[lines[leaf] - 1])


def test_lines_of_inline_tables_arrays_and_arrays_of_tables() -> None:
    text = ('title = "x"\n'
            '[[draws]]\nat = 1\n'
            '[[draws]]\n'
            'tests = [\n  "ph",\n  "hb",\n]\n'
            'values = { ph = 7.4, hb = 9 }\n'
            '[draws.extra]\nnote = """two\nlines"""\n'
            'after = 1\n')
    lines = key_lines(text)
    assert lines[("draws", 0, "at")] == 3
    assert lines[("draws", 1)] == 4
    assert lines[("draws", 1, "tests", 1)] == 7
    assert lines[("draws", 1, "values", "hb")] == 9
    assert lines[("draws", 1, "extra")] == 10
    assert lines[("draws", 1, "extra", "after")] == 13  # after a two-line string
    assert line_of(lines, ("draws", 1, "extra", "missing")) == 10  # its table's header
    assert key_text(("draws", 1, "tests", 1)) == "draws[1].tests[1]"


# ------------------------------------------------------------------ FILE:LINE: key


def _copy(tmp_path: Path, source: Path, old: str, new: str, name: str = "f.toml") -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    f = tmp_path / name
    f.write_text(text.replace(old, new), encoding="utf-8")
    return f


def _line(path: Path, fragment: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if fragment in ln)


def test_a_scenario_error_names_the_line_of_the_key(tmp_path: Path) -> None:
    f = _copy(tmp_path, CASE, 'default_variant = "power_loss"', 'default_variant = "cut"')
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    line = _line(f, 'default_variant = "cut"')
    assert str(info.value) == (f"f.toml:{line}: injections.pump_stop.default_variant: "
                               "unknown variant 'cut'")


def test_a_missing_key_names_the_line_of_its_table(tmp_path: Path) -> None:
    f = _copy(tmp_path, CASE, 'title = "', 'titel = "')
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    assert str(info.value).startswith(f"f.toml:{_line(f, 'titel = ')}: scenario.titel: "
                                      "unknown key")
    f = _copy(tmp_path, CASE, '[scenario]\nid = "sle_dah_ecmo"\n', '[scenario]\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    assert str(info.value) == f"f.toml:{_line(f, '[scenario]')}: scenario.id: missing key"


def test_a_profile_error_names_the_line_in_the_file_the_key_came_from(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(PROFILE.read_text().replace("limit = 38.5",
                                                                   "limit = nan", 1))
    child = tmp_path / "child.toml"
    child.write_text('inherits = "base"\nname = "child"\n')
    with pytest.raises(ProfileError) as info:
        load_profile(child)
    err = info.value
    assert err.where == str(tmp_path / "base.toml") and err.key == "parameters.temp.high.limit"
    assert err.line == _line(tmp_path / "base.toml", "limit = nan")
    assert str(err).startswith(f"{tmp_path / 'base.toml'}:{err.line}: parameters.temp.high.")


def test_a_profile_error_in_an_array_of_clauses_names_its_line(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('inherits = "adult_icu"\n[conditions.x]\nkind = "technical"\n'
                 'category = "general"\npriority = "low"\ndelay_s = 0\nmessage = "x"\n'
                 'when = [\n  { channel = "hr", op = "<", value = 1 },\n'
                 '  { channel = "hr", op = "=<", value = 1 },\n]\n')
    with pytest.raises(ProfileError) as info:
        load_profile(f)
    assert (info.value.key, info.value.line) == ("conditions.x.when[1].op", 10)


def test_a_catalogue_error_names_file_line_and_key() -> None:
    text = (REPO / "resources/catalogue/channels.toml").read_text(encoding="utf-8")
    broken = text.replace('[numeric.hr]\n', '[numeric.hr]\nprecison = 0\n', 1)
    assert broken != text
    with pytest.raises(ScenarioError) as info:
        parse_catalogue(toml_text(broken, "channels.toml", "catalogue"))
    line = broken.splitlines().index("precison = 0") + 1
    assert str(info.value) == f"channels.toml:{line}: numeric.hr.precison: unknown key"
    assert parse_catalogue(toml_text(text, "channels.toml", "catalogue")) == load_catalogue()


def test_a_coefficient_error_names_file_line_and_key() -> None:
    text = (REPO / "resources/catalogue/physiology.toml").read_text(encoding="utf-8")
    broken = text.replace("barometric = ", 'barometric = "760" # ', 1)
    with pytest.raises(ScenarioError) as info:
        parse_coefficients(toml_text(broken, "physiology.toml", "coefficients"))
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if "barometric" in ln)
    assert str(info.value).startswith(f"physiology.toml:{line}: lung.barometric: must be a "
                                      "finite number")


def test_a_bad_number_deep_in_a_document_names_its_line(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('a = 1\n\n[b]\nc = [1, 2,\n  1' + "0" * 40 + ']\n')
    with pytest.raises(InputFileError) as info:
        read_toml(f, "scenario")
    assert str(info.value) == f"{f}:5: b.c[2]: integer too large (at most {2**53})"


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('a = 1\nb = = 2\nc = 3\n')
    with pytest.raises(InputFileError, match=rf"^{f}:2: not valid TOML: "):
        read_toml(f, "broker config")
    f.write_text('a = 1\nb = [1,\n')  # tomllib: "at end of document"
    with pytest.raises(InputFileError, match=rf"^{f}:2: not valid TOML: "):
        read_toml(f, "credentials")


# ------------------------------------------------------------------ file limits, every kind

KINDS = ["scenario", "alarm profile", "broker config", "credentials", "catalogue"]
DEEP = 100_000


@pytest.mark.parametrize("text", [
    "a = " + "[" * DEEP + "]" * DEEP + "\n",
    "a = " + "{b = " * DEEP + "1" + "}" * DEEP + "\n",
    "a" + ".a" * DEEP + " = 1\n",
    "[a" + ".a" * DEEP + "]\n",
], ids=["arrays", "inline tables", "dotted keys", "table header"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_100k_deep_document_is_one_line_not_a_recursion_error(tmp_path: Path, kind: str,
                                                               text: str) -> None:
    f = tmp_path / "deep.toml"
    f.write_text(text)
    with pytest.raises(InputFileError) as info:
        read_toml(f, kind)
    message = str(info.value)
    assert message.startswith(str(f)) and "\n" not in message and len(message) < 300
    # credentials files are small: such a file is refused for its size first
    assert "nested" in message or (kind == "credentials" and "too large" in message)


@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_and_dev_zero_are_refused_at_once(tmp_path: Path, kind: str) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match=rf"pipe\.toml: a pipe, not a {kind} file"):
        read_toml(fifo, kind)
    with pytest.raises(InputFileError, match=rf"^/dev/zero: a character device, not a {kind}"):
        read_toml("/dev/zero", kind)


def test_a_fifo_does_not_hang_even_with_a_writer_that_never_writes(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    code = ("import sys; from replay_data.toml_reader import read_toml\n"
            "try:\n    read_toml(sys.argv[1], 'credentials')\n"
            "except Exception as e:\n    print(e)\n")
    p = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True,
                       text=True, timeout=30, cwd=REPO)
    assert p.stdout.strip() == f"{fifo}: a pipe, not a credentials file"


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    f = tmp_path / "big.toml"
    with f.open("wb") as fh:
        fh.truncate(64 * 1024 + 1)  # sparse: claims its size, costs nothing
    with pytest.raises(InputFileError, match=r"credentials file too large"):
        read_toml(f, "credentials")
