"""Ids that arrive from outside (button data, link payloads) are SQLite integers."""

from __future__ import annotations

# SQLite's INTEGER is signed 64 bits: an id beyond it names nothing of ours, and would
# overflow the first query it reached.
ID_RANGE = range(-(2**63), 2**63)
