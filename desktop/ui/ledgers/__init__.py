"""The 台账管理 page (registered in desktop/ui/pages.py as `desktop.ui.ledgers`)."""
from .page import LedgersPage

__all__ = ["LedgersPage"]
