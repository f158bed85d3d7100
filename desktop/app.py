"""The client's entry point: QApplication with the bundled Chinese font, sign-in, main window."""
from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"
ICON_FILE = RESOURCES / "icons" / "app.svg"


def load_fonts(app: QApplication) -> str | None:
    """Load the bundled CJK font (Chinese renders on a machine with no CJK font) and make it
    the default family, keeping the system's point size so fonts scale with its setting."""
    fid = QFontDatabase.addApplicationFont(str(FONT_FILE))
    if fid < 0:
        log.warning("bundled font %s could not be loaded", FONT_FILE)
        return None
    families = QFontDatabase.applicationFontFamilies(fid)
    if not families:
        return None
    font = QFont(app.font())
    font.setFamilies([families[0], *QFont(app.font()).families()])
    app.setFont(font)
    return families[0]


def install_translations(app: QApplication) -> bool:
    """Qt's own words in Chinese: the standard buttons (OK, Cancel, Close, Yes, No), the file
    dialog, a line edit's right-click menu. PySide6 ships qtbase_zh_CN; loaded once per app."""
    if getattr(app, "_yzb_translator", None) is not None:
        return True
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase",
                           "_", folder):
        log.warning("Qt's Chinese translations (qtbase_zh_CN) not found in %s", folder)
        return False
    app.installTranslator(translator)
    app._yzb_translator = translator  # kept alive with the application
    return True


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("一张表")
    app.setOrganizationName("yizhangbiao")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    install_translations(app)
    load_fonts(app)
    if ICON_FILE.exists():
        app.setWindowIcon(QIcon(str(ICON_FILE)))
    return app


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def build_main_window(signed: Any, tasks: Any = None, now: Any = utcnow,
                      signed_out: Any = None) -> Any:
    """The main window for a signed-in profile (the dictionaries are read once, here)."""
    from sqlalchemy.orm import Session

    from desktop.services.records import load_dictionaries
    from desktop.storage.database import read_only
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser, hidden_fields_of
    from desktop.ui.main_window import MainWindow

    profile = signed.profile
    info = profile.info
    tasks = tasks or TaskManager()
    tasks.set_engine(profile.engine)
    with Session(read_only(profile.engine)) as s:
        dictionaries = load_dictionaries(s)
    user = CurrentUser(id=info.get("user_id") or "", username=info.get("username") or "",
                       display_name=info.get("display_name") or info.get("username") or "",
                       role=info.get("role") or "grid_worker",
                       scope_node_id=info.get("scope_node_id"),
                       permissions=_permissions(info.get("permissions")),
                       hidden_fields=hidden_fields_of(info.get("hidden_fields")))
    from desktop.services.sync import SyncService
    # the sync's local writes go through the writer lane: the client has one writer
    sync = SyncService(profile, writer=tasks.run_on_writer) if profile.server_url else None
    ctx = AppContext(tasks=tasks, user=user, profile_dir=profile.path, now=now, sync=sync,
                     blobs=profile.blob_store(), dictionaries=dictionaries)
    if signed_out is not None:
        ctx.signed_out = signed_out
    return MainWindow(ctx)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    app = make_application(argv)
    from desktop.tasks import TaskManager
    from desktop.ui.signin.dialog import SignInDialog

    tasks = TaskManager()
    dialog = SignInDialog(tasks, utcnow)
    windows: list[Any] = []
    dialog.signed_in.connect(lambda signed: windows.append(_show(signed, tasks, windows)))
    if dialog.exec() != SignInDialog.DialogCode.Accepted:
        tasks.shutdown(wait=False)
        return 0
    return app.exec()


def _show(signed: Any, tasks: Any, windows: list[Any]) -> Any:
    def signed_out(reason: str) -> None:
        _sign_in_again(window, reason, tasks, windows)
    window = build_main_window(signed, tasks, signed_out=signed_out)
    window.show()
    return window


def _sign_in_again(window: Any, reason: str, tasks: Any, windows: list[Any]) -> None:
    """After a revocation wiped the profile: say why, close the window, show the sign-in."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.ui.signin.dialog import SignInDialog
    QMessageBox.warning(window, "本设备已停用", reason)
    window.hide()  # hidden, not closed: closing the last window would end the application
    dialog = SignInDialog(tasks, utcnow)
    dialog.signed_in.connect(lambda signed: windows.append(_show(signed, tasks, windows)))
    accepted = dialog.exec() == SignInDialog.DialogCode.Accepted
    if window in windows:
        windows.remove(window)
    window.close()
    window.deleteLater()
    if not accepted:
        QApplication.quit()


def _permissions(value: Any) -> tuple[str, ...] | None:
    """The permissions the profile keeps (the server's last word), or None when it has none."""
    return tuple(str(p) for p in value) if isinstance(value, list) else None


if __name__ == "__main__":
    sys.exit(main())
