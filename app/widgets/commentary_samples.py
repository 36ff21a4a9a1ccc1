"""The two-column sample table of the Commentary panel: VAE | GAN-refined paragraphs, one row per z.

Each row keeps its pair (paragraphs, latent, the tags each sentence was given: shown as the
cell's tooltip) so it can be regenerated or interpolated; :class:`SamplesCommand` replaces the
rows undoably.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

if TYPE_CHECKING:  # pragma: no cover - the service module loads numpy
    from engine.commentary.service import Pair

COL_VAE, COL_GAN = range(2)


class SamplesTable(QTableWidget):
    """Shows pairs; each row keeps its latent so it can be regenerated or interpolated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["VAE", "GAN-refined (toward the target topic)"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_VAE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_GAN, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.pairs: list[Pair] = []

    def set_pairs(self, pairs: list[Pair]) -> None:
        """Show ``pairs`` (replacing the rows)."""
        self.pairs = list(pairs)
        self.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            plan = getattr(pair, "plan", [])
            tip = "\n".join(f"Sentence {i + 1}: {', '.join(tags) or '(free)'}"
                            for i, tags in enumerate(plan))
            for col, text in ((COL_VAE, pair.vae), (COL_GAN, pair.gan)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{text}\n\n{tip}" if tip else text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.setItem(row, col, item)
        self.resizeRowsToContents()

    def selected_rows(self) -> list[int]:
        """Rows with a selected cell, in order."""
        return sorted({index.row() for index in self.selectedIndexes()})

    def selected_texts(self) -> list[str]:
        """Texts of the selected cells (or the current cell)."""
        cells = sorted((i.row(), i.column()) for i in self.selectedIndexes())
        if not cells and self.currentItem() is not None:
            cells = [(self.currentRow(), self.currentColumn())]
        return [self.item(r, c).text() for r, c in cells if self.item(r, c) is not None]

    def as_text(self) -> str:
        """All rows as plain text, one paragraph pair per block (VAE, then GAN)."""
        return "\n\n".join(f"VAE: {p.vae}\nGAN: {p.gan}" for p in self.pairs)


class SamplesCommand(QUndoCommand):
    """Replace the table's samples (and back on undo)."""

    def __init__(self, table: SamplesTable, before: list[Pair], after: list[Pair], text: str
                 ) -> None:
        super().__init__(text)
        self.table, self.before, self.after = table, list(before), list(after)

    def redo(self) -> None:
        """Show the new samples."""
        self.table.set_pairs(self.after)

    def undo(self) -> None:
        """Show the old samples."""
        self.table.set_pairs(self.before)
