"""The Composer's edit bar: Lock/Unlock, Delete, Insert, Regenerate, Transpose (a menu of the
roll's transpositions), Draw (draw notes on the roll), and the roll's zoom."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QScrollArea,
    QWidget,
)


def compact(button: QPushButton, widest: str) -> None:
    """Let a cramped layout shrink ``button`` to its text (``widest`` of its labels), no less."""
    button.setMinimumWidth(button.fontMetrics().horizontalAdvance(widest) + 16)


def sideways(bar: QWidget, minimum_width: int) -> QScrollArea:
    """``bar`` in a row that scrolls sideways when the window is at its narrowest (the edit bar
    would otherwise make the Composer wider than the window's minimum size)."""
    scroll = QScrollArea()
    scroll.setWidget(bar)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(minimum_width)
    scroll.setFixedHeight(bar.sizeHint().height() + scroll.horizontalScrollBar().sizeHint().height())
    return scroll


class EditBar(QWidget):
    """Buttons only; the panel connects them to engine edits and to the view's zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Lock the selected block (Regenerate keeps it) or unlock it")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected block")
        self.insert_button = QPushButton("Insert")
        self.insert_button.setToolTip("Insert the best continuation after the selected block")
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Re-draw every unlocked block with a new seed")
        self.transpose_button = QPushButton("Transpose")
        self.transpose_button.setToolTip("Move the selected block (Alt+Up/Down) or the whole chain "
                                         "(Ctrl+Alt+Up/Down) by semitones")
        self.draw_button = QPushButton("Draw")
        self.draw_button.setCheckable(True)
        self.draw_button.setToolTip("Draw notes: click the roll to add one (D); a double-click "
                                    "draws too. Click a note to select it, drag to move it, "
                                    "Delete removes it.")
        self.zoom_out = QPushButton("−")
        self.zoom_in = QPushButton("+")
        self.zoom_fit = QPushButton("Show all")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for widget in (self.lock_button, self.delete_button, self.insert_button,
                       self.regenerate_button, self.transpose_button, self.draw_button):
            compact(widget, "Unlock" if widget is self.lock_button else widget.text())
            row.addWidget(widget)
        row.addStretch(1)
        for button, tip in ((self.zoom_out, "Zoom out"), (self.zoom_in, "Zoom in (Ctrl+wheel)"),
                            (self.zoom_fit, "Zoom to show the whole chain")):
            button.setToolTip(tip)
            button.setFixedWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)
            row.addWidget(button)

    def set_transpose_actions(self, actions: Sequence[QAction]) -> None:
        """The Transpose button's menu: the roll's transpositions (block and chain)."""
        menu = QMenu(self.transpose_button)
        menu.addActions(list(actions))
        self.transpose_button.setMenu(menu)

    def show_lock(self, locked: bool) -> None:
        """Label the lock button for what a click would do."""
        self.lock_button.setText("Unlock" if locked else "Lock")
