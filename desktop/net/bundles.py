"""HTTP calls of USB sync bundles: fetch this device's bundle key, relay a sealed bundle.

Both go through HttpSyncTransport's retrying POST: relaying is idempotent on the server (push
receipts, cursor-bounded pull), so a resend after a dropped link is harmless. Never touches the
database.
"""
from __future__ import annotations

from typing import Any

from .sync import HttpSyncTransport

BUNDLE_MEDIA_TYPE = "application/vnd.yzb.bundle"


def fetch_key(transport: HttpSyncTransport, token: str, device_id: str) -> dict[str, Any]:
    """{"device_id", "user_id", "key" (hex)} for this signed-in device."""
    resp = transport._post("/api/sync/bundle/key", json={"device_id": device_id},
                           headers={"Authorization": f"Bearer {token}"})
    return resp.json()


def relay(transport: HttpSyncTransport, token: str, bundle: bytes) -> bytes:
    """Hand a laptop's sealed request bundle to the server; returns the sealed answer bundle."""
    resp = transport._post("/api/sync/bundle", content=bundle,
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": BUNDLE_MEDIA_TYPE,
                                    "Accept-Encoding": "identity"})
    return resp.content


__all__ = ["fetch_key", "relay", "BUNDLE_MEDIA_TYPE"]
