"""The Composer's junction list: ranked candidate continuations with Audition and Accept.

Shows ``ChainItem``-like rows (distance, source tune, position, score); double-click auditions.
The panel decides what auditioning and accepting mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.widgets.composer_state import source_beat

COLUMNS = ("#", "Distance", "Source tune", "Beat", "Score")


class CandidateList(QWidget):
    """Ranked candidates for one junction; emits ``audition(row)`` and ``accept(row)``."""

    audition = Signal(int)
    accept = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.position: int | None = None
        self.items: list[Any] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Click a junction between two blocks to see its candidates.")
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.audition.emit(index.row()))
        self.audition_button = QPushButton("Audition")
        self.accept_button = QPushButton("Accept")
        self.audition_button.clicked.connect(lambda: self._emit(self.audition))
        self.accept_button.clicked.connect(lambda: self._emit(self.accept))
        buttons = QHBoxLayout()
        buttons.addWidget(self.audition_button)
        buttons.addWidget(self.accept_button)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()
        self.table.itemSelectionChanged.connect(self._update_buttons)

    def _emit(self, signal: Signal) -> None:
        row = self.current_row()
        if row is not None:
            signal.emit(row)

    def _update_buttons(self) -> None:
        enabled = self.current_row() is not None
        self.audition_button.setEnabled(enabled)
        self.accept_button.setEnabled(enabled)

    def current_row(self) -> int | None:
        """The selected row, or None."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def show_candidates(self, position: int, items: Sequence[Any]) -> None:
        """List ``items`` (``ChainItem``s) as the candidates for junction ``position``."""
        self.position = position
        self.items = list(items)
        where = "the opening" if position == 0 else f"the join {position} → {position + 1}"
        self.title.setText(f"Candidates for {where} ({len(self.items)}), best first:")
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            values = (row + 1, item.distance, item.tune, source_beat(item), f"{item.score:.3f}")
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(str(value)))
        if self.items:
            self.table.selectRow(0)
        self._update_buttons()

    def clear(self) -> None:
        """Forget the candidates (the chain changed)."""
        self.position = None
        self.items = []
        self.table.setRowCount(0)
        self.title.setText("Click a junction between two blocks to see its candidates.")
        self._update_buttons()
