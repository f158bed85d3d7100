"""Workflow records: requests (claims, population reviews, floating-population conversions),
the history of actions on them, and the migration records a move leaves (迁入/迁出).

A request belongs to the grid it concerns (`grid_id`) and is also seen by the level that decides
it (`assignee_node_id`: `__also_scoped_by__`, read by the server's Scope), so the deciding
grid's devices receive it by sync like any other record. common/workflows.py holds the rules.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class WorkRequest(Synced, Base):
    """A request waiting for (or decided by) a level of the org tree."""

    __tablename__ = "work_requests"
    __label__ = "申请"
    __also_scoped_by__ = "assignee_node_id"

    kind: Mapped[str] = field(String(24), label="申请类型", dict_code="work_kind", column=1,
                              search="facet", facet="kind")
    state: Mapped[str] = field(String(16), label="办理状态", dict_code="work_state", column=2,
                               search="facet", facet="state", index=True)
    subject_entity: Mapped[str] = field(String(32), label="对象类型", default="people")
    subject_id: Mapped[str | None] = field(String(36), label="对象", index=True)
    subject_name: Mapped[str | None] = field(String(64), label="姓名", column=3)
    id_number: Mapped[str | None] = field(String(18), label="公民身份号码",
                                          sensitive="id_number", column=4)
    from_node_id: Mapped[str | None] = field(String(36), label="原网格", ref="org_nodes")
    to_node_id: Mapped[str | None] = field(String(36), label="目标网格", ref="org_nodes")
    assignee_node_id: Mapped[str | None] = field(String(36), label="审核单位", ref="org_nodes",
                                                 index=True)
    filed_by: Mapped[str | None] = field(String(36), label="申请人", ref="users", index=True)
    filed_at: Mapped[dt.datetime] = field(DateTime, label="申请时间", column=5)
    due_date: Mapped[dt.date | None] = field(Date, label="办理期限", column=6)
    reason: Mapped[str | None] = field(Text, label="申请理由", column=7)
    payload: Mapped[dict] = field(JSON, label="申请内容", default=dict)
    note: Mapped[str | None] = field(Text, label="审核意见", column=8)
    decided_by: Mapped[str | None] = field(String(36), label="审核人", ref="users")
    decided_at: Mapped[dt.datetime | None] = field(DateTime, label="审核时间")


class WorkRequestAction(Synced, Base):
    """One step in a request's history (written by the server as the step is taken)."""

    __tablename__ = "work_request_actions"
    __label__ = "申请办理记录"
    __also_scoped_by__ = "assignee_node_id"

    request_id: Mapped[str] = field(String(36), label="申请", ref="work_requests", index=True)
    action: Mapped[str] = field(String(16), label="办理动作", dict_code="work_action")
    from_state: Mapped[str | None] = field(String(16), label="原状态", dict_code="work_state")
    to_state: Mapped[str] = field(String(16), label="新状态", dict_code="work_state")
    actor_id: Mapped[str | None] = field(String(36), label="办理人", ref="users")
    acted_at: Mapped[dt.datetime] = field(DateTime, label="办理时间")
    note: Mapped[str | None] = field(Text, label="意见")
    assignee_node_id: Mapped[str | None] = field(String(36), label="审核单位", ref="org_nodes",
                                                 index=True)


class PersonMove(Synced, Base):
    """A migration record: one person leaving one grid (迁出, kept in the old grid) or arriving
    in another (迁入, kept in the new grid)."""

    __tablename__ = "person_moves"
    __label__ = "迁移记录"

    direction: Mapped[str] = field(String(8), label="迁移方向", dict_code="move_direction",
                                   column=1, search="facet", facet="direction")
    person_id: Mapped[str] = field(String(36), label="人员", ref="people", index=True)
    person_name: Mapped[str | None] = field(String(64), label="姓名", column=2)
    id_number: Mapped[str | None] = field(String(18), label="公民身份号码",
                                          sensitive="id_number", column=3, index=True)
    household_id: Mapped[str | None] = field(String(36), label="所属户", ref="households")
    from_node_id: Mapped[str | None] = field(String(36), label="迁出网格", ref="org_nodes",
                                             column=4)
    to_node_id: Mapped[str | None] = field(String(36), label="迁入网格", ref="org_nodes",
                                           column=5)
    moved_on: Mapped[dt.date] = field(Date, label="迁移日期", column=6, index=True)
    reason: Mapped[str | None] = field(Text, label="迁移原因", column=7)
    request_id: Mapped[str | None] = field(String(36), label="申请", ref="work_requests")
