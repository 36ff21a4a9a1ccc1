"""The tags heard in a library track, each with its evidence, checkable to keep or drop.

Filled from the engine's ``TrackTags`` (tag, aspect, evidence per tag; notes on missing sources).
Unchecking a tag removes it from the tag field; checking it again puts it back, so the derived
tags are edited in place before generating (the tag field itself stays editable too).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget


class DerivedList(QListWidget):
    """Checkable derived tags: ``tag — aspect: evidence``; ``toggled(tag, checked)`` on a click."""

    toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumHeight(110)
        self.setVisible(False)
        self.itemChanged.connect(self._changed)
        self.heading = ""

    def set_heard(self, found: Any) -> None:
        """Show the tags of a ``conditioning.TrackTags`` (all checked) and its notes."""
        self.blockSignals(True)
        self.clear()
        for heard in getattr(found, "heard", []):
            item = QListWidgetItem(f"{heard.tag} — {heard.aspect}: {heard.evidence}")
            item.setData(Qt.ItemDataRole.UserRole, heard.tag)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.addItem(item)
        for note in getattr(found, "notes", []):
            item = QListWidgetItem(f"({note})")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addItem(item)
        self.blockSignals(False)
        self.setVisible(self.count() > 0)

    def checked_tags(self) -> list[str]:
        """The derived tags still checked."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).data(Qt.ItemDataRole.UserRole)
                and self.item(i).checkState() == Qt.CheckState.Checked]

    def _changed(self, item: QListWidgetItem) -> None:
        tag = item.data(Qt.ItemDataRole.UserRole)
        if tag:
            self.toggled.emit(tag, item.checkState() == Qt.CheckState.Checked)
