"""The 一张表 assistant page (registered in desktop/ui/pages.py as `desktop.ui.assistant`)."""
from .page import AssistantPage

__all__ = ["AssistantPage"]
