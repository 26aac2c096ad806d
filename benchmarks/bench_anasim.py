"""AnaSim's monitor window against the reference scene (a script, not a test).

    python benchmarks/bench_anasim.py ANASIM_SOURCE [--seconds 20] [--json]

Runs the peer AnaSim (an open PySide6 + pyqtgraph anaesthesia simulator; its source
folder, e.g. a checkout of github.com/robchiral/AnaSim) offscreen at its default
settings (the setup dialog accepted as it opens, the simulation started), alternating
second by second with the fixed reference scene, both counted by the same frame meter
(benchmarks/frame_meter.py). Prints both and the reference's CPU per painted frame as
a ratio to AnaSim's: docs/benchmarks.md records it, so the issue's goals (fractions of
AnaSim) become ratios to the reference. Run with an interpreter that has AnaSim's
dependencies (numpy, scipy, pandas, PySide6, pyqtgraph).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_meter import FrameMeter, alternate, summarise
from PySide6 import QtWidgets
from reference_scene import ReferenceScene


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="AnaSim's source folder (the one holding anasim/)")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--segment", type=float, default=1.0)
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    src = Path(a.source)
    if not (src / "anasim" / "ui" / "main_window.py").is_file():
        print(f"{src}: not AnaSim's source folder (no anasim/ui/main_window.py)",
              file=sys.stderr)
        return 2
    sys.path.insert(0, str(src))
    app = QtWidgets.QApplication(sys.argv[:1])
    meter = FrameMeter(app)
    from anasim.ui import config_dialog, main_window

    def accept_defaults(dlg) -> bool:
        dlg.accept()
        return True

    config_dialog.SimulationSetupDialog.exec = accept_defaults
    win = main_window.MainWindow()
    w, h = (int(x) for x in a.size.split("x"))
    win.resize(w, h)
    win.show()
    app.processEvents()
    win.toggle_simulation()  # the Start button: engine and its 20 Hz loop running
    ref = ReferenceScene()
    ref.show()
    app.processEvents()
    scenes = {"anasim": (win.timer.start, win.timer.stop), "reference": (ref.start, ref.stop)}
    win.timer.stop()
    alternate(app, meter, scenes, 1.0, a.segment)
    res = summarise(alternate(app, meter, scenes, a.seconds, a.segment))
    ratio = res["reference"].cpu_per_frame_ms / res["anasim"].cpu_per_frame_ms
    out = {"anasim": res["anasim"].as_dict(), "reference": res["reference"].as_dict(),
           "ratio_reference_to_anasim": ratio, "size": a.size}
    if a.json:
        print(json.dumps(out))
    else:
        for s in res.values():
            print(f"{s.name:9}: {s.fps:5.1f} painted fps, CPU {s.cpu_per_frame_ms:5.2f} ms per "
                  f"painted frame ({s.cpu_per_s:.3f} s per s)")
        print(f"reference / AnaSim (CPU per painted frame): {ratio:.3f}")
    win.timer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
