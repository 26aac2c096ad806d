"""The block formatter of the exports writes the same bytes as the cell-by-cell writer it
replaced (csv.writer with an f-string per cell), on the case's own values and on the
awkward ones: blanks, NaN, infinities, negative zero, halves, huge values, flags."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from replay_data import csv_blocks
from replay_data.cli import main
from replay_data.csv_blocks import format_rows


def old_time(t: float) -> str:
    """The writer before block formatting (replay_data/cli.py `_fmt_t`), kept verbatim."""
    text = f"{t:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def old_trends(t, columns, digits) -> str:
    """Trends as they were written: `_fmt` per cell (blank where not finite)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i in range(len(t)):
        w.writerow([old_time(t[i]), *("" if not np.isfinite(col[i]) else f"{col[i]:.{d}f}"
                                      for col, d in zip(columns, digits))])
    return buf.getvalue()


def old_waveform(t, columns) -> str:
    """Waveform samples as they were written: only a NaN blank, 4 decimals."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for ti, *ys in zip(t.tolist(), *(c.tolist() for c in columns)):
        w.writerow([old_time(ti), *("" if yi != yi else f"{yi:.4f}" for yi in ys)])
    return buf.getvalue()


def new(t, columns, digits, **kw) -> str:
    return "".join(format_rows(t, columns, digits, **kw))


AWKWARD = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, -0.04, -0.05, 0.05, 0.25, 0.35,
           2.675, 1.005, 0.125, -0.125, 1e15, -3.3e17, 1e300, 5e-324, 7.0, 99.95, 99.949999,
           -139.45, 1234.5678]


@pytest.mark.parametrize("digits", [0, 1, 2, 3, 4])
def test_awkward_values_as_before(digits):
    rng = np.random.default_rng(digits)
    values = np.array(AWKWARD * 40)
    rng.shuffle(values)
    t = np.arange(values.size) * 0.5
    col2 = np.round(rng.normal(50, 20, values.size), 3)  # a narrow range: the table path
    col2[::7] = np.nan
    cols = [values, col2]
    assert new(t, cols, [digits, digits]) == old_trends(t, cols, [digits, digits])
    assert new(t, cols, [4, 4], blank_infinite=False) == old_waveform(t, cols)


@pytest.mark.parametrize("digits", [0, 1, 2, 3, 4])
def test_halves_and_signed_zeros_on_the_table_path(digits):
    """Values a hair from a half of their last decimal (0.35 is 0.34999... in binary and
    is written 0.3), negative values that round to -0, blanks: looked up in the column's
    table, written as Python writes each."""
    halves = (np.arange(-600, 600) + 0.5) / 10.0 ** digits
    near_zero = np.array([-0.0, -0.4, -0.04, -0.004, -0.00004, 0.00004]) / 10.0 ** digits * 10
    values = np.concatenate([halves, near_zero, [np.nan, np.inf, -np.inf], halves + 1e-9])
    assert csv_blocks._NumberColumn(values, digits, True).table is not None
    t = np.arange(values.size, dtype=float)
    assert new(t, [values], [digits]) == old_trends(t, [values], [digits])
    assert new(t, [values], [4], blank_infinite=False) == old_waveform(t, [values])


def test_infinity_is_blank_in_trends_but_written_in_waveforms():
    t = np.array([0.0, 1.0])
    col = np.array([np.inf, -np.inf])
    assert new(t, [col], [1]) == "0,\n1,\n"
    assert new(t, [col], [4], blank_infinite=False) == "0,inf\n1,-inf\n"


def test_times_as_before():
    t = np.array([0.0, -0.0, 1e-5, 0.00005, 60.0, 1008000.004, 2102400.0, 0.1 + 0.2,
                  123.45678, 1e16, 86400.5])
    col = np.zeros(t.size)
    assert new(t, [col], [1]) == old_trends(t, [col], [1])


def test_a_wide_range_and_blocks_as_before(monkeypatch):
    monkeypatch.setattr(csv_blocks, "BLOCK_ROWS", 7)  # many blocks, a short last one
    rng = np.random.default_rng(3)
    t = 30.0 + 0.004 * np.arange(100)
    wide = rng.uniform(-1e6, 1e6, t.size)  # more distinct texts than rows: one by one
    assert new(t, [wide, -wide], [3, 2]) == old_trends(t, [wide, -wide], [3, 2])


def test_the_case_over_its_course_as_before(case_course):
    """Every channel with its own decimals (the export's), all its blanks, a sample of
    rows across the whole course (the full export is compared by the benchmark)."""
    cat = case_course.catalogue
    channels = list(cat.displayed_numerics)
    sc = case_course.scenario
    t = np.sort(np.random.default_rng(19).uniform(sc.start, sc.end, 400).round(1))
    values = case_course.numerics(channels, t)
    digits = [cat.numerics[c].precision + 1 for c in channels]
    cols = [values[c] for c in channels]
    assert any(np.isnan(c).any() for c in cols)  # blanks are part of the sample
    assert new(t, cols, digits) == old_trends(t, cols, digits)


def test_trends_command_writes_the_old_bytes(tmp_path, case_course):
    out = tmp_path / "t.csv"
    assert main(["trends", "--start", "ecmo_start-1h", "--end", "ecmo_start+1d",
                 "--step", "7m", "--out", str(out)]) == 0
    cat = case_course.catalogue
    channels = list(cat.displayed_numerics)
    sc = case_course.scenario
    t0 = sc.resolve("ecmo_start") - 3600
    t = t0 + 420.0 * np.arange(int((86400 + 3600) // 420) + 1)
    values = case_course.numerics(channels, t)
    digits = [cat.numerics[c].precision + 1 for c in channels]
    header = ",".join(["t", *channels]) + "\n"
    assert out.read_text() == header + old_trends(t, [values[c] for c in channels], digits)


def test_results_flags_and_basis_columns_unchanged(tmp_path):
    """results keeps the csv writer: flags, units and the basis text as the reader sees."""
    out = tmp_path / "r.csv"
    assert main(["results", "--start", "admission", "--end", "ecmo_start+2d",
                 "--out", str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["t", "time", "result", "value", "unit", "flag", "basis"]
    assert len(rows) > 5
    assert all(r[0] == old_time(float(r[0])) for r in rows[1:])
    assert {r[5] for r in rows[1:]} - {""}  # some draws are flagged


def test_trends_computed_in_blocks_writes_the_same_file(tmp_path, monkeypatch):
    """The export computes a block of rows at a time (a Ctrl-C lands between blocks);
    the file is byte for byte the one computed over the whole grid at once."""
    from replay_data import cli as replay_cli

    args = ["trends", "--start", "ecmo_start-1h", "--end", "ecmo_start+1d", "--step", "30s"]
    whole, blocks = tmp_path / "whole.csv", tmp_path / "blocks.csv"
    monkeypatch.setattr(replay_cli, "TREND_BLOCK", 10**9)
    assert replay_cli.main([*args, "--out", str(whole)]) == 0
    monkeypatch.setattr(replay_cli, "TREND_BLOCK", 1000)   # 3 blocks, the last short
    assert replay_cli.main([*args, "--out", str(blocks)]) == 0
    assert blocks.read_bytes() == whole.read_bytes()
    assert len(whole.read_text().splitlines()) == 1 + 2 * 60 + 24 * 120 + 1
