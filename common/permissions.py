"""Application permissions: what each role may open and do, declared once.

A role is a named set of permission codes (the server's `roles` table; the three built-in roles
are seeded with the sets below, which keep today's behaviour). Codes:

- `web:<page>`: a page of the web console (/admin/<page>), its menu line and its routes;
- `app:<page>`: a page of the desktop client (desktop/ui/pages.py keys).
"""
from __future__ import annotations

WEB_PAGES: dict[str, str] = {
    "web:home": "首页",
    "web:people": "人口",
    "web:grids": "网格",
    "web:registry": "人口与房屋登记",
    "web:sms": "短信",
    "web:releases": "客户端版本",
    "web:qr": "扫码登录网页",
    "web:work_stats": "干部工作统计",
    "web:op_log": "操作明细",
    "web:config": "配置中心",
    "web:org": "组织架构",
    "web:users": "账号管理",
    "web:roles": "角色与权限",
    "web:fieldwork": "基层工作（数据采集、包户）",
    "web:hotline": "接诉即办",
    "web:hotline_limits": "接诉即办办理时限",
    "web:notices": "通知公告",
    "web:wishes": "微心愿",
    "web:imports": "数据导入",
    "web:workflows": "流程审核",
    "web:map": "态势一张图",
    "web:map_edit": "区域边界编辑",
    "web:briefings": "接诉即办简报",
    "web:reports": "报表管理",
    "web:dashboards": "统计看板",
    "web:affairs": "网上办事与主动上报（办理）",
    "web:affair_services": "网上办事事项配置",
}

APP_PAGES: dict[str, str] = {
    "app:home": "首页", "app:search": "全息检索", "app:people": "人口管理",
    "app:households": "户籍管理", "app:organisations": "单位管理", "app:places": "房屋下钻",
    "app:qr": "扫码入户", "app:visits": "走访", "app:events": "接诉即办",
    "app:worklog": "工作日志", "app:assistant": "一张表助手", "app:ledgers": "台账管理",
    "app:config": "配置中心", "app:sync": "数据同步",
    "app:collections": "采集任务", "app:cadres": "包户", "app:workflows": "申请与审核",
}

PERMISSIONS: dict[str, str] = {**WEB_PAGES, **APP_PAGES}

_APP_ALL = tuple(APP_PAGES)
_APP_FIELD = tuple(p for p in APP_PAGES if p != "app:config")

# The built-in roles and today's behaviour: (name, permissions).
SEEDED_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "county_admin": ("县级管理员", (*WEB_PAGES, *_APP_ALL)),
    "township_office": ("乡镇/社区工作人员", ("web:home", "web:people", "web:grids",
                                       "web:registry", "web:sms", "web:qr", "web:work_stats",
                                       "web:op_log", "web:org", "web:users", "web:fieldwork",
                                       "web:hotline", "web:notices", "web:wishes", "web:imports",
                                       "web:workflows", "web:map", "web:map_edit",
                                       "web:briefings", "web:reports", "web:dashboards",
                                       "web:affairs",
                                       *_APP_FIELD)),
    "grid_worker": ("网格员", ("web:home", "web:people", "web:grids", "web:registry",
                            "web:qr", "web:hotline", "web:wishes", "web:workflows",
                            "web:map", "web:affairs", "web:reports", *_APP_FIELD)),
}


def is_known(code: str) -> bool:
    """A permission code the system declares."""
    return code in PERMISSIONS


def label_of(code: str) -> str:
    return PERMISSIONS.get(code, code)
