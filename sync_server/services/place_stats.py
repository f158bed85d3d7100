"""Places counted by type and use (contract items 93, 94): the live parks, buildings and houses
of a scope, for the console's statistics page and the JSON API alike."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import Building, House, Park
from common.schema.places import STAT_GROUPS

from .dictionary_admin import list_entries
from .scope import Scope

def place_counts(session: Session, scope: Scope
                 ) -> list[tuple[str, list[tuple[str, int]]]]:
    """[(group title, [(label, count)])], most first; a value not filled in counts as 未填."""
    out = []
    for title, entity, column in STAT_GROUPS:
        col = getattr(entity, column)
        labels = {e.code: e.label for e in list_entries(
            session, entity.__table__.columns[column].info["dict"])}
        rows = session.execute(select(col, func.count()).where(
            scope.condition(entity), entity.deleted.is_(False))
            .group_by(col)).all()
        rows.sort(key=lambda r: (-r[1], r[0] is None, r[0] or ""))  # 未填 last on every backend
        out.append((title, [(labels.get(k, k) if k else "未填", n) for k, n in rows]))
    return out


def totals(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """How many live parks, buildings and houses (rural self-built houses among them)."""
    out = []
    for label, entity, extra in (("园区/小区", Park, ()), ("建筑", Building, ()),
                                 ("房屋", House, ()),
                                 ("其中直属网格的房屋（农村自建房等）", House,
                                  (House.building_id.is_(None),))):
        out.append((label, session.scalar(select(func.count()).select_from(entity).where(
            scope.condition(entity), entity.deleted.is_(False), *extra)) or 0))
    return out
