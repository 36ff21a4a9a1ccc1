"""The strip above the tabs that says, once, that SEGUE_HOME cannot be written and what still works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

STYLE = """
QFrame#read_only_banner { background: #fff4ce; border-bottom: 1px solid #d8b94a; }
QFrame#read_only_banner QLabel { color: #3b3000; }
"""


class ReadOnlyBanner(QFrame):
    """A dismissable warning strip: the folder, the problem, and what read-only mode keeps."""

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("read_only_banner")
        self.setStyleSheet(STYLE)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(warning.pixmap(size, size))
        self.label = QLabel(message)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message (Segue stays read-only)")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(icon)
        row.addWidget(self.label, 1)
        row.addWidget(close)

    def text(self) -> str:
        """The message shown."""
        return self.label.text()
