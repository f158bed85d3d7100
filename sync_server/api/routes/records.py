"""Scoped REST endpoints for the main records: list, read, create, update, tombstone-delete.

One router per entity, made by `records_router` from the entity's wire types and filters; the
work happens in services.records. Lists mask the fields the schema declares sensitive (ID
numbers, phones, 宗教信仰); a single read masks all but phones; GET /api/people/{id}/id-number and
GET /api/people/{id}/reveal/{field} reveal them (logged).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from common.errors import DomainError
from common.schema import Base, Person, User, label_of
from common.schema.fields import filters as declared_filters
from common.schema.fields import sensitive_fields

from ...services import records as svc
from ...services.field_visibility import hidden_fields
from ...services.masking import mask_field
from ..deps import CurrentUser, NowDep, ScopeDep, SessionDep, require_role
from ..wire import (BUILDING, HOUSE, HOUSEHOLD, ORG_NODE, ORGANISATION, PERSON,
                    FieldReveal, IdNumberReveal, WireTypes)

Text64 = Annotated[str, StringConstraints(max_length=64, strip_whitespace=True)]


class _Filters(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: Text64 | None = Field(default=None, title="关键字")
    grid_id: Text64 | None = Field(default=None, title="组织/网格（含下级）")
    limit: int = Field(default=50, ge=1, le=500, title="每页条数")
    offset: int = Field(default=0, ge=0, le=10_000_000, title="起始位置")


# Exact-match filters per entity (beyond q, grid_id and paging): the fields the schema declares
# as filters or search facets (common.schema.fields.filters); people also by one of their tags.
EXTRA_FILTERS: dict[type[Base], tuple[str, ...]] = {Person: ("tag",)}


def filters_of(entity: type[Base]) -> tuple[str, ...]:
    return (*declared_filters(entity), *EXTRA_FILTERS.get(entity, ()))


def _filters_model(name: str, entity: type[Base]) -> type[_Filters]:
    fields: dict[str, Any] = {
        k: (Text64 | None, Field(default=None, title=label_of(entity, k) if k != "tag"
                                 else "标签"))
        for k in filters_of(entity)}
    return create_model(f"{name}Filters", __base__=_Filters, **fields)


def to_public(wire: WireTypes, row: Base, *, masked: tuple[str, ...],
              tags: list[str] | None = None, hidden: frozenset[str] = frozenset()) -> BaseModel:
    data = {c.key: None if c.key in hidden else getattr(row, c.key)
            for c in row.__table__.columns if c.key != "field_clock"}
    for key in masked:
        if key in data:
            data[key] = mask_field(key, data[key], type(row))
    if tags is not None:
        data["tags"] = tags
    return wire.Public.model_validate(data)


def _sensitive(entity: type[Base]) -> tuple[str, ...]:
    return tuple(sensitive_fields(entity))


def records_router(path: str, name: str, wire: WireTypes, *, label: str,
                   write_roles: tuple[str, ...] | None = None) -> APIRouter:
    """The five endpoints of one entity under /api/{path}."""
    entity = wire.entity
    Filters = _filters_model(name, entity)
    exact_keys = [k for k in filters_of(entity) if k != "tag"]
    Page = create_model(f"{name}Page", items=(list[wire.Public], ...), total=(int, ...),
                        limit=(int, ...), offset=(int, ...))
    in_list = _sensitive(entity)
    # a single read shows the phone; the ID number and hidden fields (宗教信仰) stay masked
    # until revealed, which is logged
    in_read = tuple(k for k in in_list if sensitive_fields(entity)[k] != "phone")
    writer = [Depends(require_role(*write_roles))] if write_roles else []
    router = APIRouter(prefix=f"/api/{path}", tags=[path])

    def public(session: SessionDep, rows: list[Base], masked: tuple[str, ...],
               user: User) -> list:
        tags = svc.tags_of(session, [r.id for r in rows]) if entity is Person else None
        hidden = hidden_fields(session, user.role, entity.__tablename__)  # config centre
        return [to_public(wire, r, masked=masked, tags=tags[r.id] if tags else None,
                          hidden=hidden) for r in rows]

    @router.get("", response_model=Page, summary=f"{label}列表")
    def list_(filters: Annotated[Filters, Query()], session: SessionDep,
              scope: ScopeDep, user: CurrentUser) -> Any:
        exact = {k: getattr(filters, k) for k in exact_keys}
        query = svc.RecordFilters(filters=exact, q=filters.q, under=filters.grid_id,
                                  tag=getattr(filters, "tag", None), limit=filters.limit,
                                  offset=filters.offset)
        rows, total = svc.list_records(session, scope, entity, query)
        return Page(items=public(session, rows, in_list, user), total=total, limit=filters.limit,
                    offset=filters.offset)

    @router.get("/export.csv", summary=f"导出{label}（CSV，记入操作日志）",
                response_class=Response, dependencies=[Depends(require_role(*OFFICE))])
    def export(filters: Annotated[Filters, Query()], session: SessionDep, scope: ScopeDep,
               user: CurrentUser, now: NowDep) -> Response:
        exact = {k: getattr(filters, k) for k in exact_keys}
        query = svc.RecordFilters(filters=exact, q=filters.q, under=filters.grid_id,
                                  tag=getattr(filters, "tag", None), limit=EXPORT_MAX, offset=0)
        body, count = svc.export_csv(session, scope, user, entity, query, now=now,
                                     filters=filters.model_dump(exclude_none=True))
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename={path}.csv",
            "X-Total-Count": str(count)})

    @router.get("/{record_id}", response_model=wire.Public, summary=f"查看{label}")
    def read(record_id: Text64, session: SessionDep, scope: ScopeDep,
             user: CurrentUser) -> Any:
        return public(session, [svc.get_record(session, scope, entity, record_id)], in_read,
                      user)[0]

    @router.post("", response_model=wire.Public, status_code=201, summary=f"新增{label}",
                 dependencies=writer)
    def create(body: wire.Create, session: SessionDep, scope: ScopeDep, user: CurrentUser,
               now: NowDep) -> Any:
        row = svc.create_record(session, scope, user, entity, body.model_dump(exclude_unset=True),
                                now=now)
        return public(session, [row], in_read, user)[0]

    @router.patch("/{record_id}", response_model=wire.Public, summary=f"修改{label}",
                  dependencies=writer)
    def update(record_id: Text64, body: wire.Update, session: SessionDep, scope: ScopeDep,
               user: CurrentUser, now: NowDep) -> Any:
        row = svc.update_record(session, scope, user, entity, record_id,
                                body.model_dump(exclude_unset=True), now=now)
        return public(session, [row], in_read, user)[0]

    @router.delete("/{record_id}", response_model=wire.Public, summary=f"删除{label}（标记删除）",
                   dependencies=writer)
    def delete(record_id: Text64, session: SessionDep, scope: ScopeDep, user: CurrentUser,
               now: NowDep) -> Any:
        row = svc.delete_record(session, scope, user, entity, record_id, now=now)
        return public(session, [row], in_read, user)[0]

    if entity is Person:
        @router.get("/{record_id}/id-number", response_model=IdNumberReveal,
                    summary="查看完整身份证号（记入操作日志）")
        def reveal(record_id: Text64, session: SessionDep, scope: ScopeDep, user: CurrentUser,
                   now: NowDep) -> Any:
            if "id_number" in hidden_fields(session, user.role, entity.__tablename__):
                raise DomainError("unknown_field", field="id_number")
            number = svc.reveal_id_number(session, scope, user, record_id, now=now)
            return IdNumberReveal(id=record_id, id_number=number)

    revealable = [k for k in in_read if k != "id_number"]
    if revealable:
        @router.get("/{record_id}/reveal/{field_name}", response_model=FieldReveal,
                    summary="查看被隐藏的字段（记入操作日志）")
        def reveal_field(record_id: Text64, field_name: Text64, session: SessionDep,
                         scope: ScopeDep, user: CurrentUser, now: NowDep) -> Any:
            if field_name not in revealable or \
                    field_name in hidden_fields(session, user.role, entity.__tablename__):
                raise DomainError("unknown_field", field=field_name)
            value = svc.reveal_field(session, scope, user, entity, record_id, field_name,
                                     now=now)
            return FieldReveal(id=record_id, field=field_name, value=value)

    return router


OFFICE = ("county_admin", "township_office")
EXPORT_MAX = 200_000


def routers() -> list[APIRouter]:
    return [
        records_router("org-nodes", "OrgNode", ORG_NODE, label="组织", write_roles=OFFICE),
        records_router("people", "Person", PERSON, label="人口"),
        records_router("households", "Household", HOUSEHOLD, label="户"),
        records_router("houses", "House", HOUSE, label="房屋"),
        records_router("buildings", "Building", BUILDING, label="建筑"),
        records_router("organisations", "Organisation", ORGANISATION, label="单位"),
    ]
