"""The domain schema: every synced entity, declared once (see base.py for what each carries)."""
from .base import SYNC_COLUMNS, Base, Synced, new_id
from .ledgers import DictEntry, FieldGuide, LedgerField, LedgerRow, LedgerType
from .org import LEVELS, ROLES, OrgNode, User
from .organisations import Employee, Organisation
from .people import Household, Person, PersonTag
from .places import Building, BuildingUnit, Floor, House, Park
from .work import (Collection, CollectionTask, Event, EventAction, HouseholdCadre, Visit,
                   VisitRule, VisitTask, WorkLog)
from .workflows import PersonMove, WorkRequest, WorkRequestAction

ENTITIES: dict[str, type[Base]] = {
    cls.__tablename__: cls
    for cls in (
        OrgNode, User, DictEntry, LedgerType, LedgerField, FieldGuide,
        Park, Building, BuildingUnit, Floor, House,
        Household, Person, PersonTag, Organisation, Employee,
        VisitRule, VisitTask, Visit, Event, EventAction, WorkLog, LedgerRow,
        HouseholdCadre, Collection, CollectionTask,
        WorkRequest, WorkRequestAction, PersonMove,
    )
}
"""Synced entities by table name, parents before children (the order a fresh replica loads in)."""


def user_fields(entity: type[Base]) -> list[str]:
    """The columns a user edits (everything but the sync machinery's own columns)."""
    return [c.key for c in entity.__table__.columns if c.key not in SYNC_COLUMNS]


def label_of(entity: type[Base], column: str) -> str:
    return entity.__table__.columns[column].info.get("label", column)


__all__ = [
    "Base", "Synced", "SYNC_COLUMNS", "new_id", "ENTITIES", "LEVELS", "ROLES", "user_fields",
    "label_of", "OrgNode", "User", "DictEntry", "LedgerType", "LedgerField", "LedgerRow", "Park",
    "Building", "BuildingUnit", "Floor", "House", "Household", "Person", "PersonTag",
    "Organisation", "Employee", "VisitRule", "VisitTask", "Visit", "Event", "EventAction",
    "WorkLog", "HouseholdCadre", "Collection", "CollectionTask", "FieldGuide", "WorkRequest",
    "WorkRequestAction", "PersonMove",
]
