"""The Lyrics panel's table of lines: filling it, flagging foreign locks, reading edits (a mixin).

A mixin for :class:`app.panels.lyrics.LyricsPanel` (it uses the panel's ``lines``, ``table``,
``metre``, ``artist_a``/``artist_b``, ``regenerate``, ``set_locked``, ``edit_line`` and
``_say``). :func:`duet_table` makes the table; :meth:`DuetTable.set_lines` fills it (the artist
coloured by voice, the line, its rhyme word and syllable count, a lock and a ↻ button);
locked lines by an artist not in the chosen pair are marked ⚠; a ticked lock or an edited line
becomes an undoable edit on the panel, deferred so the table is not rebuilt inside its own signal.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QToolButton

from app.widgets.lyrics_rows import annotation_items
from engine.lyrics.duet import DuetLine, foreign_locked
from engine.lyrics.metrics import annotate

VOICE_COLOURS = (QColor("#1f5fa8"), QColor("#b2431c"), QColor("#3d7a3d"))
COL_ARTIST, COL_TEXT, COL_RHYME, COL_SYLLABLES, COL_LOCK, COL_REGEN = range(6)


def duet_table() -> QTableWidget:
    """An empty table with the Artist, Line, Rhyme, Syllables, Lock and ↻ columns."""
    table = QTableWidget(0, 6)
    table.setHorizontalHeaderLabels(["Artist", "Line", "Rhyme", "Syllables", "Lock", ""])
    header = table.horizontalHeader()
    header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
    for col in (COL_ARTIST, COL_RHYME, COL_SYLLABLES, COL_LOCK, COL_REGEN):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    return table


class DuetTable:
    """Show the panel's lines in its table and turn the table's edits into the panel's edits."""

    lines: list[DuetLine]
    table: QTableWidget
    metre: Any
    artist_a: Any
    artist_b: Any
    foreign_rows: list[int]
    _filling: bool

    def _say(self, message: str) -> None:  # provided by the panel
        raise NotImplementedError

    def regenerate(self, index: int) -> Any:  # provided by the panel
        """Rewrite line ``index`` only (the panel does it)."""
        raise NotImplementedError

    def set_locked(self, index: int, locked: bool) -> None:  # provided by the panel
        """Lock or unlock a line (the panel does it)."""
        raise NotImplementedError

    def edit_line(self, index: int, text: str) -> None:  # provided by the panel
        """Replace a line's text (the panel does it)."""
        raise NotImplementedError

    def set_lines(self, lines: list[DuetLine]) -> None:
        """Show ``lines`` in the table (called by undo commands)."""
        self.lines = list(lines)
        notes = annotate([line.text for line in self.lines], self.metre.currentData())
        self._filling = True
        self.table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            brush = QBrush(VOICE_COLOURS[min(line.voice, 2)])
            who = QTableWidgetItem(line.artist)
            who.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            who.setForeground(brush)
            text = QTableWidgetItem(line.text)
            text.setForeground(brush)
            rhyme, syllables = annotation_items(notes[row])
            lock = QTableWidgetItem()
            lock.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            lock.setCheckState(Qt.CheckState.Checked if line.locked else Qt.CheckState.Unchecked)
            for col, item in ((COL_ARTIST, who), (COL_TEXT, text), (COL_RHYME, rhyme),
                              (COL_SYLLABLES, syllables), (COL_LOCK, lock)):
                self.table.setItem(row, col, item)
            button = QToolButton()
            button.setText("↻")
            button.setToolTip("Regenerate this line")
            button.setEnabled(not line.locked)
            button.clicked.connect(lambda _checked=False, r=row: self.regenerate(r))
            self.table.setCellWidget(row, COL_REGEN, button)
        self._filling = False
        self._flag_foreign()

    def _flag_foreign(self) -> None:
        """Mark locked lines whose writer is not one of the chosen pair (the pair changed since)."""
        names = [self.artist_a.currentText(), self.artist_b.currentText()]
        flagged = foreign_locked(self.lines, names) if all(names) else []
        self._filling = True
        for row, line in enumerate(self.lines):
            item = self.table.item(row, COL_ARTIST)
            if item is None:
                continue
            foreign = row in flagged
            item.setText(f"\u26a0 {line.artist}" if foreign else line.artist)
            item.setToolTip(f"Locked line by {line.artist}, who is not in this duet "
                            f"({names[0]} and {names[1]}): it stays when the duet is rewritten; "
                            "unlock it to let them rewrite it" if foreign else "")
        self._filling = False
        if flagged and flagged != self.foreign_rows:
            rows = ", ".join(str(i + 1) for i in flagged)
            self._say(f"Locked line{'s' if len(flagged) > 1 else ''} {rows} by an artist not in "
                      "this duet: unlock to rewrite.")
        self.foreign_rows = flagged

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row, column = item.row(), item.column()
        # Rebuilding the table inside the item's own signal would delete the item: defer.
        if column == COL_LOCK:
            locked = item.checkState() == Qt.CheckState.Checked
            QTimer.singleShot(0, lambda: self.set_locked(row, locked))
        elif column == COL_TEXT:
            text = item.text().strip()
            QTimer.singleShot(0, lambda: self.edit_line(row, text))
