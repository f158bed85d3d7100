"""The page registry: which pages the main window shows, in order, imported lazily.

Each entry names a module and a class; the class is built as `cls(ctx, parent)` with the
`AppContext` (context.py), and its module is imported only when the page is first shown. A page may define `refresh()` (called each time it is shown) and
`open_record(**kw)` (called by `ctx.navigate(key, **kw)`). A page whose module is missing or
fails to import is skipped (or, found but broken, shows a notice) with a log line, so one
broken page never breaks start-up.
Other engineers add or correct their own line here.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    module: str
    cls: str
    shortcut: str = ""
    roles: tuple[str, ...] = ()
    """Roles (common.schema.org.ROLES) that see the page; empty: every signed-in user."""

    def visible_to(self, role: str) -> bool:
        return not self.roles or role in self.roles


PAGES: list[PageSpec] = [
    PageSpec("home", "首页", "desktop.ui.home.page", "HomePage", "Ctrl+1"),
    PageSpec("search", "全息检索", "desktop.ui.search.page", "SearchPage", "Ctrl+2"),
    PageSpec("people", "人口管理", "desktop.ui.people.page", "PeoplePage", "Ctrl+3"),
    PageSpec("households", "户籍管理", "desktop.ui.people.households", "HouseholdsPage",
             "Ctrl+4"),
    PageSpec("organisations", "单位管理", "desktop.ui.people.organisations",
             "OrganisationsPage", "Ctrl+5"),
    PageSpec("places", "房屋下钻", "desktop.ui.places.page", "PlacesPage", "Ctrl+6"),
    # Work pages (the other UI engineer's):
    PageSpec("qr", "扫码入户", "desktop.ui.qr.page", "QrPage", "Ctrl+7"),
    PageSpec("visits", "走访", "desktop.ui.visits.page", "VisitsPage", "Ctrl+8"),
    PageSpec("events", "接诉即办", "desktop.ui.events.page", "EventsPage", "Ctrl+9"),
    PageSpec("worklog", "工作日志", "desktop.ui.worklog.page", "WorkLogPage", ""),
    PageSpec("assistant", "一张表助手", "desktop.ui.assistant", "AssistantPage", ""),
    PageSpec("ledgers", "台账管理", "desktop.ui.ledgers", "LedgersPage", ""),
    PageSpec("config", "配置中心", "desktop.ui.config", "ConfigPage", "",
             roles=("county_admin",)),
    PageSpec("sync", "数据同步", "desktop.ui.sync.page", "SyncPage", ""),
]


def page_available(spec: PageSpec) -> bool:
    """Whether the page's module exists (found without importing it: start-up stays fast)."""
    try:
        return importlib.util.find_spec(spec.module) is not None
    except (ImportError, ValueError):
        return False


def load_page_class(spec: PageSpec) -> type | None:
    """The page class, or None (logged) when its module is absent or broken."""
    try:
        module = importlib.import_module(spec.module)
        return getattr(module, spec.cls)
    except Exception:  # noqa: BLE001 - any failure of a page must not stop the client
        log.warning("page %s (%s.%s) not available", spec.key, spec.module, spec.cls,
                    exc_info=True)
        return None
