"""Fixtures for the client storage tests: a quick KDF (the profile folder: ../conftest.py)."""
from __future__ import annotations

import pytest

FAST_KDF = {"name": "argon2id", "time_cost": 1, "memory_cost": 8192, "parallelism": 1}

