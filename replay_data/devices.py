"""What is connected to the patient at a case time: the ECMO circuit and the ventilator.

The screen is built from these (the ECMO panel and console while the circuit runs, the
ventilator strip and console while intubated, the oxygen therapy otherwise). Spans come
from the scenario's roles (replay_data.scenario_data.ROLES): the circuit from cannulation
(or the pump start) to ecmo_end, the ventilator from intubation to extubation; a role that
starts a span without its end runs to the end of the scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .scenario_data import Scenario

ECMO, VENTILATOR = "ecmo", "ventilator"


@dataclass(frozen=True)
class Devices:
    ecmo: bool
    ventilator: bool


def _span(scenario: Scenario, start_roles: tuple[str, ...], end_role: str
          ) -> tuple[float, float] | None:
    starts = [t for role in start_roles if (t := scenario.role_time(role)) is not None]
    if not starts:
        return None
    end = scenario.role_time(end_role)
    return min(starts), math.inf if end is None else end


def device_spans(scenario: Scenario) -> dict[str, tuple[float, float] | None]:
    """Each device's [connected, disconnected) case times; None: never in this scenario."""
    ecmo = (None if scenario.circuit is None
            else _span(scenario, ("cannulation", "ecmo_start"), "ecmo_end"))
    return {ECMO: ecmo, VENTILATOR: _span(scenario, ("intubation",), "extubation")}


def devices_at(scenario: Scenario, t: float) -> Devices:
    spans = device_spans(scenario)

    def on(name: str) -> bool:
        span = spans[name]
        return span is not None and span[0] <= t < span[1]

    return Devices(ecmo=on(ECMO), ventilator=on(VENTILATOR))


def ever_has(scenario: Scenario, device: str) -> bool:
    """The device is connected at some time of the scenario."""
    return device_spans(scenario)[device] is not None
