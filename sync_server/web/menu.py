"""The console's side menu: each entry names the permission (common/permissions.py) a role
needs to see it; the page's routes check the same permission (web/deps.page_permission).
A page adds its line here, under its group; the groups keep the menu short enough for a
768-pixel-high office screen (only the group holding the current page is open)."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    label: str
    href: str
    permission: str
    group: str = "工作台"


@dataclass(frozen=True)
class MenuGroup:
    label: str
    entries: tuple[MenuEntry, ...]


def _group(label: str, *entries: tuple[str, str, str]) -> tuple[MenuEntry, ...]:
    return tuple(MenuEntry(*e, group=label) for e in entries)


MENU = (*_group("工作台", ("首页", "/admin/", "web:home"),
                ("态势一张图", "/admin/map", "web:map")),
        *_group("人口与房屋",
                ("人口", "/admin/people", "web:people"),
                ("人口登记", "/admin/registry/people", "web:registry"),
                ("死亡人员", "/admin/registry/people?status=deceased", "web:registry"),
                ("户", "/admin/registry/households", "web:registry"),
                ("人口统计", "/admin/registry/statistics", "web:registry"),
                ("园区/小区", "/admin/registry/parks", "web:registry"),
                ("建筑", "/admin/registry/buildings", "web:registry"),
                ("房屋", "/admin/registry/houses", "web:registry"),
                ("房屋建筑统计", "/admin/places/statistics", "web:registry"),
                ("单位", "/admin/registry/organisations", "web:registry"),
                ("务工人员", "/admin/registry/employees", "web:registry")),
        *_group("接诉即办",
                ("待受理", "/admin/hotline?list=pending", "web:hotline"),
                ("办理中", "/admin/hotline?list=handling", "web:hotline"),
                ("我的待办", "/admin/hotline?list=mine", "web:hotline"),
                ("督办", "/admin/hotline?list=supervised", "web:hotline"),
                ("不满意", "/admin/hotline?list=dissatisfied", "web:hotline"),
                ("今日到期", "/admin/hotline?list=due_today", "web:hotline"),
                ("已超期", "/admin/hotline?list=overdue", "web:hotline"),
                ("已办结", "/admin/hotline?list=closed", "web:hotline"),
                ("全部事件", "/admin/hotline?list=all", "web:hotline"),
                ("办理时限", "/admin/hotline/limits", "web:hotline_limits"),
                ("Open311 接入", "/admin/hotline/open311", "web:hotline_limits"),
                ("微心愿", "/admin/wishes", "web:wishes")),
        *_group("网上办事",
                ("办事申请", "/admin/affairs?kind=service", "web:affairs"),
                ("主动上报", "/admin/affairs?kind=report", "web:affairs"),
                ("办事超期", "/admin/affairs?list=overdue", "web:affairs"),
                ("办事事项", "/admin/affairs/services", "web:affair_services")),
        *_group("数据导入",
                ("导入人口", "/admin/imports", "web:imports"),
                ("导入审核", "/admin/imports/reviews", "web:imports")),
        *_group("流程审核",
                ("审核队列", "/admin/workflows", "web:workflows"),
                ("我的申请", "/admin/workflows/mine", "web:workflows"),
                ("人员认领", "/admin/workflows/claim", "web:workflows"),
                ("迁移记录", "/admin/workflows/moves", "web:workflows"),
                ("申请记录", "/admin/workflows/requests", "web:workflows")),
        *_group("网格与组织",
                ("网格", "/admin/grids", "web:grids"),
                ("组织架构", "/admin/org", "web:org")),
        *_group("基层工作",
                ("数据采集", "/admin/fieldwork/collections", "web:fieldwork"),
                ("包户", "/admin/fieldwork/cadres", "web:fieldwork")),
        *_group("统计与日志",
                ("干部工作统计", "/admin/work-stats", "web:work_stats"),
                ("接诉即办简报", "/admin/briefings", "web:briefings"),
                ("统计看板", "/admin/dashboards", "web:dashboards"),
                ("报表管理", "/admin/reports", "web:reports"),
                ("操作明细", "/admin/op-log", "web:op_log")),
        *_group("消息推送",
                ("短信发送", "/admin/sms/send", "web:sms"),
                ("短信发送记录", "/admin/sms/records", "web:sms"),
                ("短信模板", "/admin/sms/templates", "web:sms"),
                ("通知公告", "/admin/notices", "web:notices")),
        *_group("系统管理",
                ("配置中心", "/admin/config/fields", "web:config"),
                ("账号管理", "/admin/users", "web:users"),
                ("角色与权限", "/admin/roles", "web:roles"),
                ("客户端版本", "/admin/releases", "web:releases"),
                ("扫码登录网页", "/admin/qr", "web:qr")))


def menu_for(permissions: Collection[str]) -> list[MenuEntry]:
    return [m for m in MENU if m.permission in permissions]


def menu_groups_for(permissions: Collection[str]) -> list[MenuGroup]:
    """The entries a role sees, in their groups, in declaration order; empty groups left out."""
    groups: dict[str, list[MenuEntry]] = {}
    for m in menu_for(permissions):
        groups.setdefault(m.group, []).append(m)
    return [MenuGroup(label, tuple(entries)) for label, entries in groups.items()]


def group_of(path: str, groups: Collection[MenuGroup]) -> str | None:
    """The group whose entry is the longest prefix of `path` (a record's page opens its list's group)."""
    best, best_len = None, 0
    for g in groups:
        for m in g.entries:
            href = m.href.split("?", 1)[0]
            if (path == href or path.startswith(href.rstrip("/") + "/")) and len(href) > best_len:
                best, best_len = g.label, len(href)
    return best
