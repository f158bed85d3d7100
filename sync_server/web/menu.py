"""The console's side menu: each entry names the roles that see it. A page adds its line here."""
from __future__ import annotations

from dataclasses import dataclass

from common.schema import User

ALL = ("county_admin", "township_office", "grid_worker")
OFFICE = ("county_admin", "township_office")


@dataclass(frozen=True)
class MenuEntry:
    label: str
    href: str
    roles: tuple[str, ...] = ALL


MENU = (MenuEntry("首页", "/admin/"),
        MenuEntry("人口", "/admin/people"),
        MenuEntry("网格", "/admin/grids"),
        MenuEntry("人口登记", "/admin/registry/people"),
        MenuEntry("死亡人员", "/admin/registry/people?status=deceased"),
        MenuEntry("户", "/admin/registry/households"),
        MenuEntry("人口统计", "/admin/registry/statistics"),
        MenuEntry("园区/小区", "/admin/registry/parks"),
        MenuEntry("建筑", "/admin/registry/buildings"),
        MenuEntry("房屋", "/admin/registry/houses"),
        MenuEntry("单位", "/admin/registry/organisations"),
        MenuEntry("务工人员", "/admin/registry/employees"),
        MenuEntry("短信发送", "/admin/sms/send", OFFICE),
        MenuEntry("短信发送记录", "/admin/sms/records", OFFICE),
        MenuEntry("短信模板", "/admin/sms/templates", OFFICE),
        MenuEntry("客户端版本", "/admin/releases", ("county_admin",)),
        MenuEntry("扫码登录网页", "/admin/qr"),
        MenuEntry("干部工作统计", "/admin/work-stats", ("county_admin", "township_office")),
        MenuEntry("操作明细", "/admin/op-log", ("county_admin", "township_office")),
        MenuEntry("配置中心", "/admin/config/fields", ("county_admin",)))


def menu_for(user: User) -> list[MenuEntry]:
    return [m for m in MENU if user.role in m.roles]
