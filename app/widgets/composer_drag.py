"""A drag handle that drops the Composer's chain onto a DAW or file manager as a .mid file.

The panel provides ``make_drag()`` (a ``QDrag`` carrying a file URL to a temporary export); the
handle starts it once the pointer has moved the platform's drag distance.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel


class DragHandle(QLabel):
    """A label you drag out of the window to drop the chain as a .mid file."""

    def __init__(self, panel: Any) -> None:
        super().__init__("⇲ Drag MIDI")
        self.panel = panel
        self.setToolTip("Drag the chain onto a DAW or a file manager as a .mid file")
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: Any = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Remember where a drag may start."""
        self._press = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Start the drag once the pointer has moved far enough."""
        if self._press is None or (event.position() - self._press).manhattanLength() < \
                QApplication.startDragDistance():
            return
        self._press = None
        drag = self.panel.make_drag()
        if drag is not None:
            drag.exec(Qt.DropAction.CopyAction)
