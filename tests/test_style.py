"""The code base stays ruff-clean (the settings are in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    exe = str(ruff) if ruff.exists() else shutil.which("ruff")
    if exe is None:
        pytest.fail("ruff is not installed (it is in the [test] extra)")
    p = subprocess.run([exe, "check", "--no-cache", str(ROOT)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_no_type_ignore_without_a_type_checker():
    """No type checker runs on the code (ruff does; its settings are in pyproject.toml), so
    a type-ignore comment silences nothing and only misleads a reader. Add one together with
    the checker that needs it."""
    marker = "# type: " + "ignore"  # not itself a match
    found = [f"{path.relative_to(ROOT)}:{n}"
             for folder in ("replay_data", "dashboard", "tests", "benchmarks", "scripts")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if marker in line]
    assert not found, found
