"""Completion popups that let a click outside them through to the button it was aimed at.

Qt closes a popup on a press outside it and eats that press, so after typing into a field with a
completer the first click on a button (Generate, Make playlist) only closed the popup. Tried
under Xvfb; the filter here hides the popup and clicks the button underneath.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QCompleter, QWidget


class _PassClicksThrough(QObject):
    """Event filter on a popup: a press outside it hides it and clicks the button underneath."""

    def eventFilter(self, popup: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Hide ``popup`` on a press outside it; a button under the press is clicked."""
        if event.type() != QEvent.Type.MouseButtonPress or not isinstance(event, QMouseEvent):
            return False
        assert isinstance(popup, QWidget)
        where = event.globalPosition().toPoint()
        if not popup.isVisible() or popup.geometry().contains(where):
            return False
        popup.hide()
        target = QApplication.widgetAt(where)
        if isinstance(target, QAbstractButton) and target.isEnabled():
            QTimer.singleShot(0, target.click)
        elif target is not None and target.focusPolicy() != Qt.FocusPolicy.NoFocus:
            target.setFocus(Qt.FocusReason.MouseFocusReason)
        return True


def pass_clicks_through(completer: QCompleter) -> None:
    """Make a press outside ``completer``'s popup reach the button under it."""
    popup = completer.popup()
    popup.installEventFilter(_PassClicksThrough(popup))
