"""The layers of pyproject.toml ([tool.importlinter]) hold: no module imports upward, no Qt
below dashboard.ui but the debrief's plots and PDF, and no import cycle among the modules
of a package. lint-imports sees lazy imports (inside functions) too, so a late import
cannot hide a breach."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_the_layers_hold():
    p = lint()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Contracts: 3 kept, 0 broken." in p.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    """The contracts are not empty words: a copy of the tree with one lazy upward import
    (the core reaching for the recording) and one Qt import in the core fails."""
    for name in ("replay_data", "dashboard"):
        subprocess.run(["cp", "-r", str(ROOT / name), str(tmp_path / name)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "dashboard" / "core" / "upward.py").write_text(textwrap.dedent("""
        def late():
            from dashboard.recording import read_session
            from PySide6 import QtCore
            return read_session, QtCore
    """))
    p = subprocess.run([str(LINT), "--no-cache"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert p.returncode == 1, p.stdout + p.stderr
    assert "dashboard.core.upward -> dashboard.recording" in p.stdout
    assert "dashboard.core.upward -> PySide6" in p.stdout
    # the lazy import also closes a cycle core <-> recording: the acyclic contract too
    assert "Contracts: 0 kept, 3 broken." in p.stdout


def test_an_import_cycle_breaks_the_acyclic_contract(tmp_path):
    """The course knowing the waveforms again (the cycle course <-> waveforms that once
    was) fails, though it breaks no layer."""
    for name in ("replay_data", "dashboard"):
        subprocess.run(["cp", "-r", str(ROOT / name), str(tmp_path / name)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    course = tmp_path / "replay_data" / "course.py"
    course.write_text(course.read_text() + textwrap.dedent("""

        def _waveform(course, signal, t0, duration):
            from .waveforms import waveform
            return waveform(course, signal, t0, duration)
    """))
    p = subprocess.run([str(LINT), "--no-cache"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert p.returncode == 1, p.stdout + p.stderr
    assert "No import cycles between sibling modules or packages BROKEN" in p.stdout
    assert "Contracts: 2 kept, 1 broken." in p.stdout
