"""Test-wide settings: Qt always offscreen, so tests never need a display; default logs
and session files go to a throw-away data folder, not the user's."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="icu-ecmo-tests-")
