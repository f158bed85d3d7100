"""The page list: which pages the main window shows, in order.

Each entry holds a page class, built as `cls(ctx, parent)` with the `AppContext` (context.py)
the first time the page is shown. Every page defines `refresh()` (called each time it is
shown); a page opened with arguments (`ctx.navigate(key, **kw)`) defines `open_record(**kw)`.
The classes are plain imports:
a page that fails to import stops the client at start-up with its traceback, and
tests/desktop/ui/test_pages.py builds every page in the list.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from .assistant.page import AssistantPage
from .config.page import ConfigPage
from .events.page import EventsPage
from .fieldwork.cadres import CadreHouseholdsPage
from .fieldwork.collections import CollectionTasksPage
from .home.page import HomePage
from .ledgers.page import LedgersPage
from .people.households import HouseholdsPage
from .people.organisations import OrganisationsPage
from .people.page import PeoplePage
from .places.page import PlacesPage
from .qr.page import QrPage
from .search.page import SearchPage
from .sync.page import SyncPage
from .visits.page import VisitsPage
from .workflows.page import WorkflowsPage
from .worklog.page import WorkLogPage


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    page: type[QWidget]
    shortcut: str = ""
    roles: tuple[str, ...] = ()
    """Roles (common.schema.org.ROLES) that see the page when the server has not said which
    pages the user may open (a profile made before it did); empty: every signed-in user."""

    def visible_to(self, role: str, permissions: tuple[str, ...] | None = None) -> bool:
        """`permissions`: the user's application permissions as the server last told them
        (common/permissions.py, `app:<key>`), kept in the profile for offline use."""
        if permissions is not None:
            return f"app:{self.key}" in permissions
        return not self.roles or role in self.roles


PAGES: list[PageSpec] = [
    PageSpec("home", "首页", HomePage, "Ctrl+1"),
    PageSpec("search", "全息检索", SearchPage, "Ctrl+2"),
    PageSpec("people", "人口管理", PeoplePage, "Ctrl+3"),
    PageSpec("households", "户籍管理", HouseholdsPage, "Ctrl+4"),
    PageSpec("organisations", "单位管理", OrganisationsPage, "Ctrl+5"),
    PageSpec("places", "房屋下钻", PlacesPage, "Ctrl+6"),
    PageSpec("qr", "扫码入户", QrPage, "Ctrl+7"),
    PageSpec("visits", "走访", VisitsPage, "Ctrl+8"),
    PageSpec("events", "接诉即办", EventsPage, "Ctrl+9"),
    PageSpec("workflows", "申请与审核", WorkflowsPage),
    PageSpec("worklog", "工作日志", WorkLogPage),
    PageSpec("collections", "采集任务", CollectionTasksPage),
    PageSpec("cadres", "包户", CadreHouseholdsPage),
    PageSpec("assistant", "一张表助手", AssistantPage),
    PageSpec("ledgers", "台账管理", LedgersPage),
    PageSpec("config", "配置中心", ConfigPage, roles=("county_admin",)),
    PageSpec("sync", "数据同步", SyncPage),
]
