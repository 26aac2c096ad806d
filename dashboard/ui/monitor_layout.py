"""The monitor's screen as one table: which waveform strips, top to bottom, and the
numeric tiles beside each (ECG on top, as on every monitor).

Adding a waveform to the bedside is one StripRow here (its channel in the catalogue and
its synthesis in replay_data.waveform_morphology); adding a tile is one TileSpec in a row (its
numeric channels in the catalogue). The window builds strips and tiles from this table
and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TileSpec:
    """A numeric tile: its title and its catalogue channels (the first one names it:
    `tile.<id>`; more than one is a sys/dia (mean) group)."""

    title: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class StripRow:
    """One row of the screen: a waveform strip (a catalogue waveform) and its tiles. A
    strip may show a status line while its sensor is off: `status` maps a sample flag to
    the text shown over the strip. `kept_by` flags keep the row and its trace in view
    while its values are gone but its sensor is still on the patient (a cardiac arrest:
    no rate to count, no pulse, but the ECG shows the VF and the lines their flat
    traces)."""

    waveform: str
    tiles: tuple[TileSpec, ...]
    status: tuple[tuple[str, str], ...] = ()
    kept_by: tuple[str, ...] = ()


MONITOR_ROWS: tuple[StripRow, ...] = (
    StripRow("ecg_ii", (TileSpec("HR", ("hr",)),),
             status=(("ecg_leads_off", "ECG LEADS OFF"),), kept_by=("cardiac_arrest",)),
    StripRow("pleth", (TileSpec("SpO2", ("spo2",)),),
             status=(("spo2_probe_off", "SpO2 PROBE OFF"),), kept_by=("cardiac_arrest",)),
    StripRow("abp", (TileSpec("ART", ("abp_sys", "abp_dia", "abp_mean")),),
             kept_by=("cardiac_arrest",)),
    StripRow("cvp", (TileSpec("CVP", ("cvp",)), TileSpec("Temp", ("temp",)))),
    StripRow("co2", (TileSpec("EtCO2", ("etco2",)), TileSpec("RR", ("rr",)))),
)
