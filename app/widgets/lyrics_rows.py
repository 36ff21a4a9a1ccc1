"""Pieces of the Lyrics panel: the lines and "sung to" undo commands, annotation cells, spin boxes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QUndoCommand
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QTableWidgetItem

from engine.lyrics.duet import DuetLine
from engine.lyrics.metrics import LineNote

RHYME_COLOURS = {"A": QColor("#fde68a"), "B": QColor("#bfdbfe"), "C": QColor("#fecaca"),
                 "D": QColor("#d9f99d")}


class LinesCommand(QUndoCommand):
    """Replace the panel's lines (and back on undo)."""

    def __init__(self, panel: Any, before: list[DuetLine], after: list[DuetLine], text: str):
        super().__init__(text)
        self.panel, self.before, self.after = panel, list(before), list(after)

    def redo(self) -> None:
        """Show the new lines."""
        self.panel.set_lines(self.after)

    def undo(self) -> None:
        """Show the old lines."""
        self.panel.set_lines(self.before)


def annotation_items(note: LineNote) -> tuple[QTableWidgetItem, QTableWidgetItem]:
    """The rhyme-word and syllable cells of one row (read-only)."""
    rhyme = QTableWidgetItem(f"{note.end_word} ({note.letter})" if note.end_word else "")
    if note.rhymed:
        rhyme.setBackground(QBrush(RHYME_COLOURS.get(note.letter, QColor("#e5e7eb"))))
        font = QFont()
        font.setBold(True)
        rhyme.setFont(font)
        rhyme.setToolTip(f"rhymes with the other '{note.letter}' lines of its stanza")
    target = f"/{note.target}" if note.target is not None else ""
    syllables = QTableWidgetItem(f"{note.syllables}{target}")
    if note.target is not None and note.syllables != note.target:
        syllables.setForeground(QBrush(QColor("#b91c1c")))
    for item in (rhyme, syllables):
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return rhyme, syllables


class SungCommand(QUndoCommand):
    """Record which chain melody the duet was set to (its fingerprint; ``""``: none), so the
    lead sheet of that chain prints the words; undo forgets it again."""

    def __init__(self, panel: Any, before: str, after: str, text: str):
        super().__init__(text)
        self.panel, self.before, self.after = panel, before, after

    def redo(self) -> None:
        """Mark the duet as set to the chain."""
        self.panel.sung_to = self.after

    def undo(self) -> None:
        """Back to the chain it was set to before (if any)."""
        self.panel.sung_to = self.before


def temperature_spin() -> QDoubleSpinBox:
    """A temperature chooser (0.1–2.0, default 0.8)."""
    spin = QDoubleSpinBox()
    spin.setRange(0.1, 2.0)
    spin.setSingleStep(0.05)
    spin.setValue(0.8)
    return spin


def int_spin(low: int, high: int, value: int) -> QSpinBox:
    """An integer chooser."""
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin
