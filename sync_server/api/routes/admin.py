"""Admin endpoints: accounts and the operation log, for county admins and township offices."""
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ...services import admin as svc
from ...services import org as org_svc
from ...services import field_visibility
from ...services import work_stats as work_stats_svc
from ..deps import NowDep, ScopeDep, SessionDep, require_permission
from ..wire import OrgNodePublic, UserPublic, UtcDateTime
from .auth import user_public

router = APIRouter(prefix="/api/admin", tags=["admin"])
ConfigEditor = Annotated[Any, Depends(require_permission("web:config"))]  # as 配置中心
# Accounts: the same permission as the console's account pages (a defined role may lack it).
Accounts = Annotated[Any, Depends(require_permission("web:users"))]
OpLogReader = Annotated[Any, Depends(require_permission("web:op_log"))]
StatsReader = Annotated[Any, Depends(require_permission("web:work_stats"))]
OrgEditor = Annotated[Any, Depends(require_permission("web:org"))]
Short = Annotated[str, StringConstraints(max_length=64, strip_whitespace=True)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Short = Field(title="账号", min_length=1)
    password: Annotated[str, StringConstraints(max_length=256)] = Field(
        title="密码")
    display_name: Short = Field(title="姓名", min_length=1)
    role: Short = Field(title="角色")  # a built-in role or a defined one (services/permissions)
    scope_node_id: Short = Field(title="管辖范围")
    phone: Annotated[str, StringConstraints(max_length=20)] | None = Field(default=None,
                                                                           title="联系电话")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = Field(default=None, title="启用")
    display_name: Short | None = Field(default=None, title="姓名")
    password: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        default=None, title="密码")
    role: Short | None = Field(default=None, title="角色")
    scope_node_id: Short | None = Field(default=None, title="管辖范围")


class UserPage(BaseModel):
    items: list[UserPublic]
    total: int


class OperationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: UtcDateTime
    user_id: str | None
    username: str | None
    action: str
    entity: str | None
    record_id: str | None
    details: dict
    device_id: str | None = None


class OperationPage(BaseModel):
    items: list[OperationPublic]
    total: int


Limit = Annotated[int, Query(ge=1, le=500, title="每页条数")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, title="起始位置")]


@router.get("/users", response_model=UserPage, summary="账号列表")
def users(session: SessionDep, scope: ScopeDep, _: Accounts, limit: Limit = 50,
          offset: Offset = 0, q: Annotated[Short | None, Query()] = None) -> Any:
    rows, total = svc.list_users(session, scope, limit=limit, offset=offset, q=q)
    return UserPage(items=[user_public(session, u) for u in rows], total=total)


@router.post("/users", response_model=UserPublic, status_code=201, summary="新建账号")
def add_user(body: UserCreate, session: SessionDep, scope: ScopeDep, actor: Accounts,
             now: NowDep) -> Any:
    user = svc.add_user(session, scope, actor, now=now, **body.model_dump())
    return user_public(session, user)


@router.patch("/users/{user_id}", response_model=UserPublic, summary="停用/启用、重置密码")
def change_user(user_id: Short, body: UserChange, session: SessionDep, scope: ScopeDep,
                actor: Accounts, now: NowDep) -> Any:
    user = svc.change_user(session, scope, actor, user_id, now=now,
                           **body.model_dump(exclude_unset=True))
    return user_public(session, user)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A query time as the log stores it (naive UTC)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


@router.get("/op-log", response_model=OperationPage, summary="操作明细")
def operations(session: SessionDep, scope: ScopeDep, _: OpLogReader, limit: Limit = 50,
               offset: Offset = 0, action: Annotated[Short | None, Query()] = None,
               entity: Annotated[Short | None, Query()] = None,
               record_id: Annotated[Short | None, Query()] = None,
               username: Annotated[Short | None, Query()] = None,
               since: Annotated[dt.datetime | None, Query()] = None,
               until: Annotated[dt.datetime | None, Query()] = None,
               place_id: Annotated[Short | None, Query()] = None) -> Any:
    rows, total = svc.list_operations(session, scope, limit=limit, offset=offset, action=action,
                                      entity=entity, record_id=record_id, username=username,
                                      since=_utc(since), until=_utc(until), place_id=place_id)
    return OperationPage(items=[OperationPublic.model_validate(r) for r in rows], total=total)


class StatsRowPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    who: str
    period: str
    counts: dict[str, int]


@router.get("/work-stats", response_model=list[StatsRowPublic], summary="干部工作统计")
def work_stats(session: SessionDep, scope: ScopeDep, _: StatsReader, since: dt.date,
               until: dt.date, period: Literal["day", "week", "month"] = "day",
               group: Literal["person", "area"] = "person") -> Any:
    return work_stats_svc.work_stats(session, scope, since=since, until=until, period=period,
                                     group=group)


class HiddenFieldsPublic(BaseModel):
    table: str
    fields: list[tuple[str, str]] = Field(title="字段（代码, 名称）")
    hidden: dict[str, list[str]] = Field(title="各角色看不到的字段")


class HiddenFieldsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hidden: dict[Short, list[Short]] = Field(title="各角色看不到的字段")


@router.get("/hidden-fields/{table}", response_model=HiddenFieldsPublic,
            summary="配置中心：各角色可见的字段")
def hidden_fields(table: Short, session: SessionDep, _: ConfigEditor) -> Any:
    return HiddenFieldsPublic(table=table, fields=field_visibility.fields_of(table),
                              hidden={r: sorted(v) for r, v in
                                      field_visibility.visibility(session, table).items()})


@router.put("/hidden-fields/{table}", response_model=HiddenFieldsPublic,
            summary="配置中心：设置各角色看不到的字段（县级管理员）")
def set_hidden_fields(table: Short, body: HiddenFieldsChange, session: SessionDep,
                      actor: ConfigEditor, now: NowDep) -> Any:
    field_visibility.set_hidden(session, actor, table,
                                {r: set(v) for r, v in body.hidden.items()}, now=now)
    return hidden_fields(table, session, actor)


class NodeMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent_id: Short = Field(title="新的上级", min_length=1)


class NodeMoved(BaseModel):
    node: OrgNodePublic
    nodes: int = Field(title="路径随之改变的组织数")
    resynced: int = Field(title="需按新范围重新同步的账号数")


@router.post("/org-nodes/{node_id}/move", response_model=NodeMoved,
             summary="移动组织（网格移到其他村、村移到其他乡镇）")
def move_node(node_id: Short, body: NodeMove, session: SessionDep, scope: ScopeDep,
              actor: OrgEditor, now: NowDep) -> Any:
    moved = org_svc.move_node(session, scope, actor, node_id, parent_id=body.parent_id,
                              now=now)
    return NodeMoved(node=OrgNodePublic.model_validate(moved.node, from_attributes=True),
                     nodes=moved.nodes, resynced=moved.resynced)
