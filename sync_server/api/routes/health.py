"""GET /health: the server is up and its database answers."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from ...migrations import current_heads
from ..deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="健康检查")
def health(session: SessionDep) -> dict:
    session.execute(text("SELECT 1"))
    version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"status": "ok", "database": session.bind.dialect.name,
            "schema": version, "schema_current": (version,) == current_heads()}
