"""Opens the real main window on a screen of a given size (Qt's offscreen platform, configured
with one screen) and prints where it landed as JSON; used by test_main_window.py in a child
process, since a process has one QApplication and its screens are fixed at start.

    python -m tests.desktop.ui.window_probe FOLDER [resize W H X Y | maximise]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    from desktop.ui.main_window import MainWindow
    from tests.desktop.people_factories import NOW, make_database

    folder = Path(argv[0])
    app = QApplication.instance() or QApplication([])
    engine = make_database(folder / "local.db")
    tasks = TaskManager(engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser(id="u1", username="w", display_name="网格员"),
                     profile_dir=folder, now=lambda: NOW)
    window = MainWindow(ctx)
    window.show()
    for _ in range(20):
        app.processEvents()
    area, frame, geo = window.screen().availableGeometry(), window.frameGeometry(), \
        window.geometry()
    report = {"area": area.getRect(), "frame": frame.getRect(), "geometry": geo.getRect(),
              "maximised": window.isMaximized(), "status_bar": window.statusBar().isVisible()}
    if argv[1:2] == ["resize"]:
        w, h, x, y = (int(v) for v in argv[2:6])
        window.resize(w, h)
        window.move(x, y)
    elif argv[1:2] == ["maximise"]:
        window.showMaximized()
    for _ in range(5):
        app.processEvents()
    report["left"] = window.geometry().getRect()
    window.close()
    engine.dispose()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
