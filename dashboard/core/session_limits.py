"""How much one session may hold: what the controller refuses beyond, and what the network
carries (dashboard.net's wire bounds are these, so an instructor never makes a session
state its bedsides must drop)."""

from __future__ import annotations

# A real drill has tens of disturbances; a stress run (issue 19's frame benchmark) queues
# thousands. Each travels in every session state (about 370 bytes of JSON).
MAX_DISTURBANCES = 5000
# Alarm operator actions (acknowledge, pause, limits) a late joiner replays: a long
# session has hundreds; about 120 bytes each on the wire.
MAX_OPERATOR_ACTIONS = 50_000
