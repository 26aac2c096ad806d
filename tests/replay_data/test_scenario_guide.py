"""docs/scenario-format.md, the author's guide, stays true to the code.

- Its channel and result tables are generated from the catalogue
  (resources/catalogue/channels.toml); when the two disagree the test fails and says how
  to regenerate them:

      .venv/bin/python tests/replay_data/test_scenario_guide.py --write

- Every ```toml block parses; each one marked complete (```toml complete) loads as a whole
  scenario and replays; the one marked bad (```toml bad) gives exactly the validate lines
  the guide shows after it (the ```text block that follows; `--write` regenerates those
  too).
- Every key the guide's key lists name is one the reader accepts, and every key the reader
  accepts is in the guide.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs/scenario-format.md"
BEGIN, END = "<!-- channels: generated from the catalogue -->", "<!-- channels: end -->"
BIN = Path(sys.executable).parent


# ----------------------------------------------------------------------------- tables


def _range(pair: tuple[float, float]) -> str:
    lo, hi = pair
    if not (math.isfinite(lo) or math.isfinite(hi)):
        return "any"
    return f"{lo:g} to {hi:g}"


def _kind(ch) -> str:
    if ch.group == "controls":
        return "console control"
    if ch.derived:
        return f"derived ({ch.derived})"
    if ch.model:
        return "model"
    return "**input**"


def channel_tables() -> str:
    """The guide's channel and result tables, from the catalogue as it is now."""
    from replay_data.catalogue import load_catalogue

    cat = load_catalogue()
    rows = ["| channel | label | unit | kind | physical range | normal | between keyframes "
            "| default |", "|---|---|---|---|---|---|---|---|"]
    for ch in cat.numerics.values():
        between = ch.interpolation if ch.keyframed and ch.group != "controls" else "-"
        default = "-" if getattr(ch, "default", None) is None else f"{ch.default:g}"
        rows.append(f"| `{ch.id}` | {ch.label} | {ch.unit or '-'} | {_kind(ch)} | "
                    f"{_range(ch.physical)} | {_range(ch.normal)} | {between} | {default} |")
    rows += ["", "| result | label | unit | a draw reads | physical range | normal |",
             "|---|---|---|---|---|---|"]
    for r in cat.results.values():
        source = (f"channel `{r.channel}`" if r.channel
                  else "the keyframes' `results` (or the draw's `values`)")
        rows.append(f"| `{r.id}` | {r.label} | {r.unit or '-'} | {source} | "
                    f"{_range(r.physical)} | {_range(r.normal)} |")
    rows += ["", "| flag | what it means |", "|---|---|"]
    rows += [f"| `{fid}` | {label} |" for fid, label in cat.flags.items()]
    return "\n".join(rows)


def _guide_tables(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


def test_the_channel_tables_are_the_catalogue() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert _guide_tables(text) == channel_tables(), (
        "docs/scenario-format.md's channel tables differ from the catalogue; regenerate "
        "them: .venv/bin/python tests/replay_data/test_scenario_guide.py --write")


def test_every_input_channel_is_named_as_one() -> None:
    from replay_data.catalogue import load_catalogue

    tables = _guide_tables(GUIDE.read_text(encoding="utf-8"))
    for ch in load_catalogue().numerics.values():
        if ch.keyframed and ch.group != "controls":
            assert f"| `{ch.id}` | {ch.label} | {ch.unit or '-'} | **input** | " in tables


# ----------------------------------------------------------------------------- examples

_FENCE = re.compile(r"^```(\S*)\s*(.*)$")


def blocks(text: str) -> list[tuple[str, str, int, str]]:
    """(language, marks, first line, body) of each fenced block."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        lang, marks, start, body = m.group(1), m.group(2), i + 2, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        out.append((lang, marks, start, "\n".join(body) + "\n"))
        i += 1
    return out


def toml_blocks() -> list[tuple[str, int, str]]:
    return [(marks, line, body) for lang, marks, line, body in
            blocks(GUIDE.read_text(encoding="utf-8")) if lang == "toml"]


def test_the_guide_has_complete_and_bad_examples() -> None:
    marks = [m for m, _, _ in toml_blocks()]
    assert marks.count("complete") >= 1 and marks.count("bad") == 1
    assert len(marks) >= 8


@pytest.mark.parametrize(("marks", "line", "body"), toml_blocks(),
                         ids=lambda v: str(v) if isinstance(v, int) else None)
def test_each_toml_example_parses(marks: str, line: int, body: str) -> None:
    from replay_data.scenario_parse import TOP_KEYS

    data = tomllib.loads(body)  # a fragment too is TOML
    assert set(data) <= TOP_KEYS, f"line {line}: {sorted(set(data) - TOP_KEYS)}"


@pytest.mark.parametrize(("marks", "line", "body"),
                         [b for b in toml_blocks() if b[0] == "complete"],
                         ids=lambda v: str(v) if isinstance(v, int) else None)
def test_each_complete_example_loads_and_replays(marks: str, line: int, body: str,
                                                 tmp_path: Path) -> None:
    import numpy as np

    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    f = tmp_path / "example.toml"
    f.write_text(body, encoding="utf-8")
    sc = load_scenario(f)
    spo2 = Course(sc).numerics(["spo2"], np.array([sc.default_start]))["spo2"][0]
    assert 50 < spo2 <= 100, (line, spo2)


def test_the_bad_example_gives_the_lines_the_guide_shows(tmp_path: Path) -> None:
    all_blocks = blocks(GUIDE.read_text(encoding="utf-8"))
    i = next(i for i, b in enumerate(all_blocks) if b[0] == "toml" and b[1] == "bad")
    body, (lang, _, _, shown) = all_blocks[i][3], all_blocks[i + 1]
    assert lang == "text"
    f = tmp_path / "bad_example.toml"
    f.write_text(body, encoding="utf-8")
    p = subprocess.run([str(BIN / "replay-data"), "validate", str(f)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.splitlines()) == 5
    assert p.stderr == shown, (
        "the guide's validate lines differ (a message or the catalogue changed); "
        "regenerate: .venv/bin/python tests/replay_data/test_scenario_guide.py --write")


# ----------------------------------------------------------------------------- keys


def _listed_keys(text: str, table: str) -> set[str]:
    """The keys the guide's key table lists for `table` (its rows: | `key` | ...)."""
    section = re.split(r"\n#{2,3} ", text.split(f"### `{table}`", 1)[1], maxsplit=1)[0]
    cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.M)  # each row's first cell
    return {k for cell in cells for k in re.findall(r"`([a-z_]+)`", cell)}


@pytest.mark.parametrize(("table", "allowed"), [
    ("[scenario]", {"id", "title", "source", "end", "default_start", "alarm_profile",
                    "monitoring_start"}),
    ("[patient]", {"age", "sex", "height_cm", "weight_kg", "summary", "history", "basis",
                   "quote", "note"}),
    ("[circuit]", {"mode", "summary", "oxygenator", "pump", "cannulae", "basis", "quote",
                   "note"}),
    ("[roles]", {"admission", "intubation", "extubation", "cannulation", "ecmo_start",
                 "ecmo_end"}),
    ("[circuit.pump]", {"model", "curve", "drainage_limit_lpm", "basis", "quote", "note"}),
    ("[[circuit.cannulae]]", {"role", "size_fr", "site", "model", "basis", "quote", "note"}),
    ("[injections.ID]", {"label", "category", "basis", "quote", "note", "description",
                         "default_severity", "default_duration", "onset", "offset", "flags",
                         "effects", "severity_meaning", "variants", "default_variant",
                         "expected", "ended_by"}),
    ("[[events]]", {"id", "t", "label", "kind", "basis", "quote", "note"}),
    ("[[keyframes]]", {"t", "basis", "quote", "note", "values", "results", "modes"}),
    ("[[draws]]", {"at", "start", "end", "every", "tests", "basis", "quote", "note",
                   "values"}),
    ("[[flag_periods]]", {"flag", "start", "end", "basis", "quote", "note"}),
    ("[[scheduled]]", {"injection", "at", "severity", "duration", "basis", "quote", "note"}),
    ("[[teaching]]", {"from", "to", "basis", "text"}),
    ("[briefing]", {"objectives", "case_stem", "debrief_prompts"}),
])  # fmt: skip
def test_the_guide_lists_every_key_the_reader_accepts(table: str, allowed: set[str]) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert _listed_keys(text, table) == allowed, table


def test_the_roles_the_guide_lists_are_the_code_s() -> None:
    from replay_data.scenario_data import ROLES

    assert _listed_keys(GUIDE.read_text(encoding="utf-8"), "[roles]") == set(ROLES)


def test_the_guide_names_no_shared_folder() -> None:
    assert "../shared" not in GUIDE.read_text(encoding="utf-8")


def bad_example_lines(body: str, folder: Path) -> str:
    """What `replay-data validate` prints for the guide's bad example."""
    f = folder / "bad_example.toml"
    f.write_text(body, encoding="utf-8")
    return subprocess.run([str(BIN / "replay-data"), "validate", str(f)], capture_output=True,
                          text=True, timeout=120).stderr


if __name__ == "__main__":  # --write: the catalogue's tables and validate's lines, anew
    import tempfile

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_scenario_guide.py --write")
    sys.path.insert(0, str(ROOT))
    text = GUIDE.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    text = f"{text[:start]}\n{channel_tables()}\n{text[end:]}"
    bad = re.search(r"^```toml bad\n(.*?)^```\n(.*?)^```text\n(.*?)^```", text,
                    flags=re.S | re.M)
    assert bad is not None, "the guide's bad example and its text block"
    with tempfile.TemporaryDirectory() as tmp:
        lines = bad_example_lines(bad.group(1), Path(tmp))
    text = text[:bad.start(3)] + lines + text[bad.end(3):]
    GUIDE.write_text(text, encoding="utf-8")
