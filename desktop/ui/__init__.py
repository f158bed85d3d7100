"""The client's widgets: the main window, its pages, dialogs and item models (no SQL, no HTTP)."""

from desktop import qt_compat  # noqa: F401,E402 - before any widget emits a signal
