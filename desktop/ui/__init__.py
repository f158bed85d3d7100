"""The client's widgets: the main window, its pages, dialogs and item models (no SQL, no HTTP)."""
