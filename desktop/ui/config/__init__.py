"""The 配置中心 page (registered in desktop/ui/pages.py as `desktop.ui.config`, county admins)."""
from .page import ConfigPage

__all__ = ["ConfigPage"]
