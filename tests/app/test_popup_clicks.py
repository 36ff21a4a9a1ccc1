"""pytest-qt: a click outside an open completion popup reaches the button it was aimed at."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from app.widgets.library_playlist import PlaylistBuilder


def _click_through_window(button: QPushButton) -> None:
    """A real press + release routed by Qt from the window (as a mouse does), not sent to the
    button directly, so an open popup sees it first."""
    window = button.window()
    where = button.mapTo(window, button.rect().center())
    QTest.mouseClick(window.windowHandle(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, where)


def test_build_playlist_is_clicked_while_tag_completions_show(qtbot) -> None:
    builder = PlaylistBuilder()
    qtbot.addWidget(builder)
    builder.tag_words.setStringList(["jazz", "jazzy", "chill"])
    builder.build_button.setEnabled(True)  # as once seeds are picked
    builder.show()
    qtbot.waitExposed(builder)
    builder.activateWindow()
    builder.tags.setFocus()
    QTest.keyClicks(builder.tags, "ja")
    popup = builder.tags.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    clicked: list[bool] = []
    builder.build_button.clicked.connect(lambda: clicked.append(True))
    _click_through_window(builder.build_button)
    qtbot.waitUntil(lambda: clicked == [True], timeout=5_000)
    assert not popup.isVisible()
    assert builder.tags.text() == "ja"  # the typed text is kept, not replaced by a completion
