"""Non-modal error and warning boxes: the GUI reports engine errors without blocking or crashing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """Show a non-modal error box with optional details; return it (tests can inspect it)."""
    return _show(parent, QMessageBox.Icon.Critical, title, message, details)


def show_warning(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """Show a non-modal warning box with optional details."""
    return _show(parent, QMessageBox.Icon.Warning, title, message, details)


def _show(parent: QWidget, icon: QMessageBox.Icon, title: str, message: str,
          details: str) -> QMessageBox:
    box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Close, parent)
    if details:
        box.setDetailedText(details)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
