"""The console's side menu: each entry names the permission (common/permissions.py) a role
needs to see it; the page's routes check the same permission (web/deps.page_permission).
A page adds its line here."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    label: str
    href: str
    permission: str


MENU = (MenuEntry("首页", "/admin/", "web:home"),
        MenuEntry("人口", "/admin/people", "web:people"),
        MenuEntry("网格", "/admin/grids", "web:grids"),
        MenuEntry("人口登记", "/admin/registry/people", "web:registry"),
        MenuEntry("死亡人员", "/admin/registry/people?status=deceased", "web:registry"),
        MenuEntry("户", "/admin/registry/households", "web:registry"),
        MenuEntry("人口统计", "/admin/registry/statistics", "web:registry"),
        MenuEntry("园区/小区", "/admin/registry/parks", "web:registry"),
        MenuEntry("建筑", "/admin/registry/buildings", "web:registry"),
        MenuEntry("房屋", "/admin/registry/houses", "web:registry"),
        MenuEntry("单位", "/admin/registry/organisations", "web:registry"),
        MenuEntry("务工人员", "/admin/registry/employees", "web:registry"),
        MenuEntry("短信发送", "/admin/sms/send", "web:sms"),
        MenuEntry("短信发送记录", "/admin/sms/records", "web:sms"),
        MenuEntry("短信模板", "/admin/sms/templates", "web:sms"),
        MenuEntry("客户端版本", "/admin/releases", "web:releases"),
        MenuEntry("扫码登录网页", "/admin/qr", "web:qr"),
        MenuEntry("干部工作统计", "/admin/work-stats", "web:work_stats"),
        MenuEntry("操作明细", "/admin/op-log", "web:op_log"),
        MenuEntry("配置中心", "/admin/config/fields", "web:config"),
        MenuEntry("组织架构", "/admin/org", "web:org"),
        MenuEntry("账号管理", "/admin/users", "web:users"),
        MenuEntry("角色与权限", "/admin/roles", "web:roles"))


def menu_for(permissions: Collection[str]) -> list[MenuEntry]:
    return [m for m in MENU if m.permission in permissions]
