"""The gas-exchange and circulation model under the replay (numpy only, no Qt).

The scenario keyframes the patient's inputs; `model.PatientModel` turns them into what the
monitor, the ECMO console and a blood gas read: oxygenation.py (O2 content, Severinghaus
curve, VV-ECMO mass balance, Fick), co2.py (membrane and native CO2 removal, pH, EtCO2),
circuit.py (pressures from flow and resistances) and lags.py (first-order stores computed
in closed form over a checkpoint grid, so any window is a direct computation).
Coefficients and their sources: resources/catalogue/physiology.toml; the equations and
what is assumed: docs/model.md.
"""
