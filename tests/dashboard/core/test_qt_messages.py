"""What Qt says during a debrief (and a headless run) reaches stderr, except the one
notice known to be harmless offscreen (dashboard.qt_messages)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.recording import recording_for
from replay_data.course import Course

NOISY_DEBRIEF = textwrap.dedent("""
    import sys
    from PySide6 import QtCore
    import dashboard.debrief.cli as cli

    real = cli.build_debrief

    def noisy(*args, **kwargs):
        # What Qt may say while the plots render: a harmless offscreen notice, and a
        # real problem the user must see.
        QtCore.qWarning("This plugin does not support propagateSizeHints()")
        QtCore.qWarning("QFont: could not load the font 'Nowhere Sans'")
        return real(*args, **kwargs)

    cli.build_debrief = noisy
    sys.exit(cli.debrief_main([sys.argv[1], "--out", sys.argv[2]]))
""")


def test_the_debrief_passes_qt_messages_through_but_the_harmless_notice(tmp_path):
    session = tmp_path / "s.jsonl"
    course = Course.load()
    c = SessionController(course, start=course.scenario.event_times["ecmo_start"],
                          wall=ManualWall(), recording=recording_for(session))
    c.advance(120, ticks=2)
    c.close()
    p = subprocess.run([sys.executable, "-c", NOISY_DEBRIEF, str(session),
                        str(tmp_path / "r.html")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "QFont: could not load the font 'Nowhere Sans'" in p.stderr
    assert "propagateSizeHints" not in p.stderr
    assert "Traceback" not in p.stderr
    assert p.stdout.startswith("wrote ") and (tmp_path / "r.html").is_file()


def test_the_filter_drops_only_the_known_notice():
    from dashboard.qt_messages import is_harmless

    assert is_harmless("This plugin does not support propagateSizeHints()")
    assert not is_harmless("QFont: could not load the font 'Nowhere Sans'")
    assert not is_harmless("QPainter::begin: Paint device returned engine == 0, type: 3")
