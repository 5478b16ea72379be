"""Prefect flows wiring the budgetml stages (the only package that imports Prefect)."""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")  # before any flow module imports prefect: no telemetry from this machine
