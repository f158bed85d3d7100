"""The application shell: the bundled font renders Chinese with no system CJK font."""
from PySide6.QtGui import QFontDatabase, QFontMetrics

from desktop.app import FONT_FILE, ICON_FILE, make_application


def test_the_bundled_font_is_loaded_and_covers_chinese_and_rare_name_characters(qapp):
    app = make_application([])
    assert FONT_FILE.exists() and (FONT_FILE.parent / "wqy-microhei.LICENSE.txt").exists()
    families = app.font().families()
    assert any("WenQuanYi" in f or "文泉" in f for f in families)
    metrics = QFontMetrics(app.font())
    for ch in "托克逊县网格员喆堃昇":  # including characters a GB2312 subset would drop
        assert metrics.inFontUcs4(ord(ch)), ch
    assert QFontDatabase.families()
    assert ICON_FILE.exists() and not app.windowIcon().isNull()


def test_qt_s_own_buttons_and_menus_are_in_chinese_in_the_application(qapp):
    from PySide6.QtWidgets import QDialogButtonBox, QLineEdit
    make_application([])
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Close)
    assert sorted(b.text() for b in box.buttons()) == sorted(["确定", "取消", "关闭"])
    edit = QLineEdit()
    menu = edit.createStandardContextMenu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert any("复制" in t for t in texts) and any("粘贴" in t for t in texts)
    assert not any("Copy" in t or "Paste" in t for t in texts)
