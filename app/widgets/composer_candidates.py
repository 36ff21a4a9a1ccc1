"""The Composer's alternatives list: ranked candidates for a junction, or variations of a block.

Rows say, in plain words, how well each alternative fits (0–100, explained in a tooltip),
which tune it comes from and where (bar.beat). Audition (or a double-click) plays it in place,
Accept puts it in the chain. Above the list, "Variations" asks for N distinct alternatives of
the selected block with an adventurousness slider. The panel decides what the signals mean.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.dshl.api import ChainItem
from engine.dshl.chain import source_bar

COLUMNS = ("#", "Fit 0–100", "Source tune", "Bar")
FIT_TIP = ("Fit (0–100): how smoothly this block follows the one before it, as judged by the "
           "learned re-ranker. It is the share of real joins in the collection's tunes that "
           "score lower: 50 joins like a typical real tune, 90 better than nine in ten.")
BAR_TIP = "Where the block starts in its source tune: bar.beat"
HINT = "Click the line before a block to see what else could go there."


class CandidateList(QWidget):
    """Alternatives for one block; emits ``audition(row)``, ``accept(row)``, ``variations()``."""

    audition = Signal(int)
    accept = Signal(int)
    variations = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.position: int | None = None
        self.items: list[ChainItem] = []
        self.meter = "4/4"  # the chain's meter: source bars and beats are counted in it
        self.edited: frozenset[int] = frozenset()  # the user's own blocks: "your edit"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._variation_controls())
        self.title = QLabel(HINT)
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in ((1, FIT_TIP), (3, BAR_TIP)):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)  # scroll rather than cut text
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.audition.emit(index.row()))
        self.audition_button = QPushButton("Audition")
        self.audition_button.setToolTip("Play it in place (the roll shows it ghosted)")
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Put it into the chain (undoable)")
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

    def _variation_controls(self) -> QGridLayout:
        grid = QGridLayout()
        self.variation_count = QSpinBox(minimum=2, maximum=12, value=4)
        self.variation_count.setToolTip("How many variations to draw")
        self.adventurousness = QSlider(Qt.Orientation.Horizontal)
        self.adventurousness.setRange(0, 100)
        self.adventurousness.setValue(40)
        self.adventurousness.setToolTip("Adventurousness: low = the re-ranker's favourites, "
                                        "high = anything the hash index found")
        self.variations_button = QPushButton("Variations")
        self.variations_button.setToolTip("Draw distinct alternatives for the selected block")
        self.variations_button.clicked.connect(self.variations.emit)
        grid.addWidget(self.variations_button, 0, 0)
        grid.addWidget(self.variation_count, 0, 1)
        grid.addWidget(QLabel("Adventurous"), 1, 0)
        grid.addWidget(self.adventurousness, 1, 1)
        return grid

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

    def show_candidates(self, position: int, items: Sequence[ChainItem],
                        variations: bool = False) -> None:
        """List ``items`` as the alternatives for block ``position`` (best first)."""
        self.position = position
        self.items = list(items)
        mine = position in self.edited
        if variations:
            self.title.setText(f"{len(self.items)} variations of block {position + 1}"
                               f"{' (your edit)' if mine else ''}:")
        elif mine:
            self.title.setText(f"Block {position + 1} is your edit (kept note for note); what "
                               f"could replace it ({len(self.items)}), best first:")
        else:
            where = "the opening block" if position == 0 else f"block {position + 1}"
            self.title.setText(f"What could be {where} ({len(self.items)}), best first:")
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            bar, beat = source_bar(item, self.meter)
            values = (str(row + 1), "—" if item.fit is None else str(item.fit), item.tune,
                      f"{bar}.{beat}")
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(FIT_TIP if column == 1 else f"{item.tune}, bar {bar} beat {beat}"
                                + (" (ends the tune)" if item.ends_tune else ""))
                if column in (0, 1):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        if self.items:
            self.table.selectRow(0)
        self._update_buttons()

    def clear(self) -> None:
        """Forget the alternatives (the chain changed)."""
        self.position = None
        self.items = []
        self.table.setRowCount(0)
        self.title.setText(HINT)
        self._update_buttons()
