"""The desktop client's release version and how versions compare ("1.2.10" > "1.2.9").
Both sides read it: the client sends its version with every sync, the server compares it with
the minimum version an admin set when publishing a release (sync_server/services/releases.py)."""
from __future__ import annotations

import re

APP_VERSION = "0.1.0"
"""This build's version; a release published in the web console carries its own."""

_VERSION = re.compile(r"^\d{1,4}(\.\d{1,4}){1,3}$")


def is_version(text: str) -> bool:
    """Dotted numbers, 2 to 4 parts: 1.2, 1.2.3, 1.2.3.4."""
    return bool(_VERSION.match(text or ""))


def version_key(text: str) -> tuple[int, ...]:
    """A sort key: numeric per part, missing parts are 0 ("1.2" == "1.2.0")."""
    if not is_version(text):
        raise ValueError(f"not a version: {text!r}")
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))
