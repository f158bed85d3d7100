"""Work records: visits, visit tasks and their automatic rules, events with their actions, work logs."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Visit(Synced, Base):
    __tablename__ = "visits"
    __label__ = "走访记录"

    kind: Mapped[str] = field(String(16), label="走访类型", dict_code="visit_kind")
    person_id: Mapped[str | None] = field(String(36), label="走访对象", ref="people", index=True)
    house_id: Mapped[str | None] = field(String(36), label="房屋", ref="houses", index=True)
    organisation_id: Mapped[str | None] = field(String(36), label="单位", ref="organisations",
                                                index=True)
    task_id: Mapped[str | None] = field(String(36), label="走访任务", ref="visit_tasks")
    visitor_id: Mapped[str] = field(String(36), label="走访人", ref="users", index=True)
    visited_at: Mapped[dt.datetime] = field(DateTime, label="走访时间", index=True)
    checkin_at: Mapped[dt.datetime | None] = field(DateTime, label="扫码签到时间")
    checkin_method: Mapped[str | None] = field(String(16), label="签到方式",
                                               dict_code="checkin_method")
    notes: Mapped[str | None] = field(Text, label="走访情况")
    follow_up: Mapped[bool] = field(Boolean, label="需要跟进", default=False)
    photos: Mapped[list] = field(JSON, label="照片", default=list)


class VisitRule(Synced, Base):
    """An automatic visit rule: every person with `tag_code` is visited every `interval_days`."""

    __tablename__ = "visit_rules"
    __label__ = "自动走访规则"

    name: Mapped[str] = field(String(64), label="规则名称")
    tag_code: Mapped[str] = field(String(32), label="对象标签", dict_code="tag")
    interval_days: Mapped[int] = field(Integer, label="周期(天)")
    active: Mapped[bool] = field(Boolean, label="启用", default=True)


class VisitTask(Synced, Base):
    __tablename__ = "visit_tasks"
    __label__ = "走访任务"

    title: Mapped[str] = field(String(100), label="任务名称")
    kind: Mapped[str] = field(String(16), label="走访类型", dict_code="visit_kind")
    person_id: Mapped[str | None] = field(String(36), label="走访对象", ref="people", index=True)
    house_id: Mapped[str | None] = field(String(36), label="房屋", ref="houses")
    organisation_id: Mapped[str | None] = field(String(36), label="单位", ref="organisations")
    rule_id: Mapped[str | None] = field(String(36), label="来源规则", ref="visit_rules")
    assignee_id: Mapped[str | None] = field(String(36), label="负责人", ref="users", index=True)
    due_date: Mapped[dt.date] = field(Date, label="截止日期", index=True)
    status: Mapped[str] = field(String(16), label="任务状态", dict_code="task_status")
    visit_id: Mapped[str | None] = field(String(36), label="完成走访", ref="visits")


class Event(Synced, Base):
    """An event (接诉即办 complaint, 随手拍 photo report, resident report). `form`: positions in
    the new-event dialog."""

    __tablename__ = "events"
    __label__ = "事件"

    title: Mapped[str] = field(String(100), label="事件标题", form=1)
    description: Mapped[str | None] = field(Text, label="事件描述", form=6)
    category: Mapped[str] = field(String(32), label="事件类别", dict_code="event_category",
                                  form=2)
    source: Mapped[str] = field(String(16), label="事件来源", dict_code="event_source",
                                form=3)
    reporter_name: Mapped[str | None] = field(String(64), label="反映人", form=7)
    reporter_phone: Mapped[str | None] = field(String(20), label="反映人电话", sensitive="phone",
                                                  form=8)
    location: Mapped[str | None] = field(String(200), label="发生地点", form=5)
    house_id: Mapped[str | None] = field(String(36), label="房屋", ref="houses")
    person_id: Mapped[str | None] = field(String(36), label="相关人员", ref="people")
    status: Mapped[str] = field(String(16), label="办理状态", dict_code="event_status", index=True)
    priority: Mapped[str] = field(String(16), label="紧急程度", dict_code="priority", form=4)
    assignee_id: Mapped[str | None] = field(String(36), label="承办人", ref="users", index=True)
    reported_at: Mapped[dt.datetime] = field(DateTime, label="上报时间", index=True)
    due_at: Mapped[dt.datetime | None] = field(DateTime, label="办结时限", index=True)
    closed_at: Mapped[dt.datetime | None] = field(DateTime, label="办结时间")
    supervised: Mapped[bool] = field(Boolean, label="督办", default=False)
    satisfaction: Mapped[str | None] = field(String(16), label="满意度",
                                             dict_code="satisfaction")
    photos: Mapped[list] = field(JSON, label="照片", default=list)


class EventAction(Synced, Base):
    """One step on an event's timeline (handle, assign, transfer, escalate, supervise, postpone)."""

    __tablename__ = "event_actions"
    __label__ = "事件处置"

    event_id: Mapped[str] = field(String(36), label="事件", ref="events", index=True)
    action: Mapped[str] = field(String(16), label="处置动作", dict_code="event_action")
    actor_id: Mapped[str] = field(String(36), label="处置人", ref="users")
    target_id: Mapped[str | None] = field(String(36), label="转交对象")
    note: Mapped[str | None] = field(Text, label="处置意见")
    acted_at: Mapped[dt.datetime] = field(DateTime, label="处置时间")


class WorkLog(Synced, Base):
    __tablename__ = "work_logs"
    __label__ = "工作日志"

    user_id: Mapped[str] = field(String(36), label="填写人", ref="users", index=True)
    log_date: Mapped[dt.date] = field(Date, label="日期", index=True)
    content: Mapped[str] = field(Text, label="工作内容")
    backfilled: Mapped[bool] = field(Boolean, label="补填", default=False)


class HouseholdCadre(Synced, Base):
    """包户: a cadre assigned to a household (a household may have several cadres, a cadre many
    households); the cadre visits it every `interval_days` (visit tasks follow). Ending the
    assignment tombstones it. `grid_id`: the household's grid."""

    __tablename__ = "household_cadres"
    __label__ = "包户"

    household_id: Mapped[str] = field(String(36), label="户", ref="households", index=True)
    cadre_id: Mapped[str] = field(String(36), label="包户干部", ref="users", index=True)
    interval_days: Mapped[int] = field(Integer, label="走访周期(天)", default_value=30)
    notes: Mapped[str | None] = field(String(200), label="备注")


class Collection(Synced, Base):
    """A data collection (数据采集) a township or county defines: who (`filters` over people:
    field -> value, within the definer's scope `scope_node_id`), which person fields to collect
    (`fields`, from the declaration), how often and by when. Reference data (no grid): every
    device sees the definitions; the tasks carry the scope."""

    __tablename__ = "collections"
    __label__ = "数据采集"

    title: Mapped[str] = field(String(100), label="采集名称")
    fields: Mapped[list] = field(JSON, label="采集字段", default=list)
    filters: Mapped[dict] = field(JSON, label="采集对象条件", default=dict)
    frequency: Mapped[str] = field(String(16), label="频次", dict_code="collection_frequency")
    due_date: Mapped[dt.date] = field(Date, label="截止日期")
    scope_node_id: Mapped[str] = field(String(36), label="范围", ref="org_nodes")
    created_by: Mapped[str] = field(String(36), label="发起人", ref="users")
    active: Mapped[bool] = field(Boolean, label="进行中", default=True)


class CollectionTask(Synced, Base):
    """One person to collect for one collection and period ("once", or "2026-12" monthly),
    assigned to a worker of the person's grid; `grid_id`: the person's grid."""

    __tablename__ = "collection_tasks"
    __label__ = "采集任务"

    collection_id: Mapped[str] = field(String(36), label="数据采集", ref="collections",
                                       index=True)
    person_id: Mapped[str] = field(String(36), label="采集对象", ref="people", index=True)
    period: Mapped[str] = field(String(16), label="期次")
    assignee_id: Mapped[str | None] = field(String(36), label="采集人", ref="users", index=True)
    due_date: Mapped[dt.date] = field(Date, label="截止日期")
    status: Mapped[str] = field(String(16), label="任务状态", dict_code="task_status")
    done_at: Mapped[dt.datetime | None] = field(DateTime, label="完成时间")
    done_by: Mapped[str | None] = field(String(36), label="完成人", ref="users")
