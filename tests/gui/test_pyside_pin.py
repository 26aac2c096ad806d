"""PySide6 6.12.0 on Python 3.11 crashes ('none_dealloc') when QObject.property() reads an
unset property, which pyqtgraph's setData does. pyproject pins PySide6 below
6.12; this catches an installation where the pin was lost."""

from __future__ import annotations

import subprocess
import sys


def test_unset_qobject_property_does_not_crash():
    code = ("from PySide6 import QtCore; o = QtCore.QObject(); "
            "[o.property('x') for _ in range(100000)]; print('ok')")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr[-500:]
