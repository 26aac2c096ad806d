"""Another patient in the room, end to end: the instructor picks a case in the pre-brief
and the bedside (another process on another X server, over the broker) is built for it.

The README's bedside line with the team's consoles (`--console ecmo --console vent`) is
started once; the instructor then switches the room to the ward patient (no circuit, no
ventilator), then to the drill on the influenza case (one dual-lumen cannula), as a lab
runs two sessions in a morning. Checked on the way: the bedside follows each pick; on the
ward no ECMO or ventilator piece is on the monitor, the oxygen by mask is, and the team's
consoles say the patient has no such device; on the ECMO drill the circuit is on the
monitor and its console runs; no window leaves its screen or covers another.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from e2e_driver import App, AutomationFailed, LabRoom, have_xvfb, wait_for, windows_fit

pytestmark = [
    pytest.mark.skipif(not have_xvfb(), reason="needs Xvfb (scripts/setup.sh installs it "
                                               "as root)"),
    pytest.mark.xdist_group("e2e"),
]

WARD = "ward_sepsis_pneumonia"
DRILL = "cannula_migration_day4"


def _find_maybe(app: App, name: str) -> list[dict]:
    """The trainees' monitor's widgets named `name`; none is an answer too (a patient
    without a circuit has no ECMO widget at all)."""
    try:
        return app.find(name, within="window.monitor")
    except AutomationFailed as exc:
        if "no widget named" in str(exc):
            return []
        raise


def test_the_bedside_is_built_for_each_patient_the_instructor_picks(tmp_path: Path):
    shots = Path(os.environ["E2E_SCREENSHOTS"]) if os.environ.get("E2E_SCREENSHOTS") else None
    with LabRoom(tmp_path) as lab:
        _two_patients(lab, shots)


def _two_patients(lab: LabRoom, shots: Path | None) -> None:
    instructor, bedside = lab.instructor, lab.bedside
    for name in ("console.ecmo", "console.vent"):
        wait_for(lambda n=name: bedside.find(n), f"the bedside's {name}",
                 alive=bedside.check_alive)

    # The ward patient: no circuit, no ventilator.
    instructor.call("choose", name="instructor.scenario", data=WARD)
    wait_for(lambda: bedside.session()["scenario"] == WARD, "the ward case on the bedside",
             alive=bedside.check_alive)

    def ward_screen() -> bool:
        names = {w["name"] for w in bedside.find("panel.oxygen", within="window.monitor")
                 if w["visible"]}
        return "panel.oxygen" in names

    wait_for(ward_screen, "the oxygen therapy on the ward screen")
    banner = bedside.one("banner.patient", within="window.monitor")["text"]
    assert "67-year-old man" in banner, banner
    oxygen = bedside.one("panel.oxygen", within="window.monitor")
    assert oxygen["visible"]
    for name in ("panel.ecmo", "banner.ecmo", "clock.ecmo_time", "panel.ventilator"):
        shown = [w for w in _find_maybe(bedside, name)
                 if w["visible"] and w["visible_rect"][2] > 0]
        assert not shown, f"{name} on the ward patient's monitor: {shown}"
    for console, text in (("console.ecmo", "NO ECMO CIRCUIT"),
                          ("console.vent", "NO VENTILATOR")):
        # At 1366 px the consoles share a tabbed column: one is behind the other.
        line, shown_console = bedside.one(f"{console}.connection"), bedside.one(console)
        assert line["text"].startswith(text), line
        assert line["visible"] or not shown_console["visible"], (line, shown_console)
    if shots:
        bedside.call("grab_screen", path=str(shots / "ward-bedside-1366.png"))
        instructor.call("grab_screen", path=str(shots / "ward-console-1920.png"))
    windows_fit(bedside)
    windows_fit(instructor)

    # The ECMO drill on the second case: one dual-lumen cannula, the consoles in use.
    instructor.call("choose", name="instructor.scenario", data=DRILL)
    wait_for(lambda: bedside.session()["scenario"] == DRILL, "the drill on the bedside",
             alive=bedside.check_alive)

    def circuit_on_monitor() -> bool:
        panel = _find_maybe(bedside, "panel.ecmo")
        return bool(panel) and panel[0]["visible"]

    wait_for(circuit_on_monitor, "the ECMO panel on the drill's bedside")
    circuit = bedside.one("banner.ecmo", within="window.monitor")["text"]
    assert "31 Fr" in circuit, circuit  # the dual-lumen cannula (cut to fit at 1366 px)
    assert bedside.one("panel.ventilator", within="window.monitor")["visible"]
    assert not bedside.one("panel.oxygen", within="window.monitor")["visible"]
    for console in ("console.ecmo", "console.vent"):
        line = bedside.one(f"{console}.connection")
        assert not line["text"], line
    if shots:
        bedside.call("grab_screen", path=str(shots / "influenza-bedside-1366.png"))
        instructor.call("grab_screen", path=str(shots / "influenza-console-1920.png"))
    windows_fit(bedside)
    windows_fit(instructor)

    lab.quit_all()
