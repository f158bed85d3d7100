"""Admin endpoints for devices: list the devices in one's scope, revoke a lost one.

    GET  /api/admin/devices                 devices of users in the caller's scope
    POST /api/admin/devices/{id}/revoke     {"reason": "..."} (optional)
County admin: any device; township office: devices of users in its scope.
"""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field


from ...services import devices as service
from ..deps import AccountManager, NowDep, SessionDep
from ..wire import UtcDateTime

router = APIRouter(prefix="/api/admin/devices", tags=["设备管理"])


class RevokeRequest(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


class DevicePublic(BaseModel):
    device_id: str
    user_id: str
    username: str | None = None
    display_name: str | None = None
    last_sign_in: UtcDateTime | None = None
    last_sync: UtcDateTime | None = None
    revoked_at: UtcDateTime | None = None


class RevokeResponse(BaseModel):
    device_id: str
    user_id: str | None
    revoked_at: UtcDateTime


@router.get("", response_model=list[DevicePublic])
def list_devices(session: SessionDep, user: AccountManager) -> list[dict]:
    return service.list_devices(session, user)


@router.post("/{device_id}/revoke", response_model=RevokeResponse)
def revoke(device_id: str, session: SessionDep, user: AccountManager, now: NowDep,
           body: RevokeRequest | None = None) -> RevokeResponse:
    row = service.revoke_device(session, device_id, actor=user, now=now,
                                reason=body.reason if body else None)
    return RevokeResponse(device_id=row.device_id, user_id=row.user_id, revoked_at=row.revoked_at)
