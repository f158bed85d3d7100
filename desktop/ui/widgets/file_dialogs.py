"""Open/save/folder choosers that speak Chinese: Qt's own file dialog (translated by the
qtbase_zh_CN catalogue the application loads, plus the few labels that catalogue lacks) rather
than the platform's, which follows the desktop's language and is English on many machines."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

OPTIONS = QFileDialog.Option.DontUseNativeDialog
_Label = QFileDialog.DialogLabel
LABELS = {_Label.LookIn: "查找范围(&I)：", _Label.FileName: "文件名(&N)：",
          _Label.FileType: "文件类型(&T)：", _Label.Reject: "取消"}


def file_dialog(parent: QWidget | None = None, caption: str = "", folder: str = "",
                filters: str = "", *, save: bool = False) -> QFileDialog:
    """A Qt (not native) file dialog with every label in Chinese."""
    dialog = QFileDialog(parent, caption, folder, filters)
    dialog.setOptions(OPTIONS)
    for which, text in LABELS.items():
        dialog.setLabelText(which, text)
    dialog.setLabelText(_Label.Accept, "保存(&S)" if save else "打开(&O)")
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    return dialog


def _run(dialog: QFileDialog) -> list[str]:
    try:
        return dialog.selectedFiles() if dialog.exec() == QFileDialog.DialogCode.Accepted else []
    finally:
        dialog.deleteLater()


def open_file(parent: QWidget | None, caption: str, folder: str = "",
              filters: str = "") -> str:
    """The chosen file's path, or "" when cancelled."""
    dialog = file_dialog(parent, caption, folder, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return next(iter(_run(dialog)), "")


def open_files(parent: QWidget | None, caption: str, folder: str = "",
               filters: str = "") -> list[str]:
    dialog = file_dialog(parent, caption, folder, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_file(parent: QWidget | None, caption: str, suggested: str = "",
              filters: str = "", *, confirm_overwrite: bool = True) -> str:
    """The path to write, or "" when cancelled; asks before replacing an existing file unless
    the caller asks itself (`confirm_overwrite=False`)."""
    dialog = file_dialog(parent, caption, suggested, filters, save=True)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, not confirm_overwrite)
    return next(iter(_run(dialog)), "")


def choose_folder(parent: QWidget | None, caption: str, folder: str = "") -> str:
    dialog = file_dialog(parent, caption, folder)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.setLabelText(_Label.Accept, "选择(&C)")
    return next(iter(_run(dialog)), "")
