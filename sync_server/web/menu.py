"""The console's side menu: each entry names the roles that see it. A page adds its line here."""
from __future__ import annotations

from dataclasses import dataclass

from common.schema import User

ALL = ("county_admin", "township_office", "grid_worker")


@dataclass(frozen=True)
class MenuEntry:
    label: str
    href: str
    roles: tuple[str, ...] = ALL


MENU = (MenuEntry("首页", "/admin/"),
        MenuEntry("人口", "/admin/people"))


def menu_for(user: User) -> list[MenuEntry]:
    return [m for m in MENU if user.role in m.roles]
