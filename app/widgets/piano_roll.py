"""The Composer's chain view: segment blocks on a timeline over a piano roll, with a playhead.

Plain painting, no model/view: the panel hands it the blocks (label lines, locked flag), the
notes (beats, pitch, track) and the playhead position in beats. Clicking a block selects it;
clicking the strip between two blocks (or the left edge of the first) selects that junction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

HEADER = 64  # height of the block strip
JUNCTION_PX = 8  # half-width of the clickable junction zone
TRACK_COLOURS = {"melody": QColor("#e07a2f"), "chords": QColor("#4f7fbf")}


@dataclass(frozen=True)
class Block:
    """One segment on the timeline: its span in beats and what it says about itself."""

    start: float
    end: float
    title: str
    detail: str
    locked: bool = False


@dataclass(frozen=True)
class RollNote:
    """One note of the piano roll, in beats."""

    start: float
    end: float
    pitch: int
    track: str


class ChainView(QWidget):
    """Paints blocks and notes; emits ``block_clicked(index)`` and ``junction_clicked(index)``.

    Junction ``k`` is the join into block ``k`` (junction 0 is the chain's opening).
    """

    block_clicked = Signal(int)
    junction_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(220)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # click the chain, then Space plays
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.blocks: list[Block] = []
        self.notes: list[RollNote] = []
        self.selected_block: int | None = None
        self.selected_junction: int | None = None
        self.playhead: float | None = None
        self.highlight: tuple[float, float] | None = None  # beats being auditioned
        self.message = "Press Compose to build a chain."

    # -- data ------------------------------------------------------------------------------
    def set_chain(self, blocks: Sequence[Block], notes: Sequence[RollNote]) -> None:
        """Show new blocks and notes (keeps the selection if it still exists)."""
        self.blocks = list(blocks)
        self.notes = list(notes)
        if self.selected_block is not None and self.selected_block >= len(self.blocks):
            self.selected_block = None
        if self.selected_junction is not None and self.selected_junction >= len(self.blocks):
            self.selected_junction = None
        self.update()

    def set_playhead(self, beats: float | None) -> None:
        """Move the playhead (None hides it)."""
        self.playhead = beats
        self.update()

    def set_highlight(self, span: tuple[float, float] | None) -> None:
        """Shade the beats being auditioned (None clears)."""
        self.highlight = span
        self.update()

    def total_beats(self) -> float:
        """Length of the chain in beats."""
        return max((b.end for b in self.blocks), default=0.0)

    # -- geometry --------------------------------------------------------------------------
    def _x(self, beats: float) -> float:
        total = self.total_beats() or 1.0
        return 4 + (self.width() - 8) * beats / total

    def block_at(self, x: float) -> int | None:
        """Index of the block under the x coordinate, or None."""
        for index, block in enumerate(self.blocks):
            if self._x(block.start) <= x < self._x(block.end):
                return index
        return None

    def junction_at(self, x: float) -> int | None:
        """Index of the junction near the x coordinate, or None."""
        for index, block in enumerate(self.blocks):
            if abs(self._x(block.start) - x) <= JUNCTION_PX:
                return index
        return None

    def junction_x(self, index: int) -> float:
        """The x coordinate of junction ``index`` (for tests and tooltips)."""
        return self._x(self.blocks[index].start)

    # -- events ----------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        """Explain the block under the pointer in a tooltip."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.block_at(event.pos().x())
            if index is not None and event.pos().y() < HEADER:
                block = self.blocks[index]
                QToolTip.showText(event.globalPos(), f"Block {index + 1}: {block.title}, "
                                  f"{block.detail}{' (locked)' if block.locked else ''}\n"
                                  "Δ = hash distance to the previous block", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Select the junction or block under the click."""
        x = event.position().x()
        junction = self.junction_at(x)
        if junction is not None:
            self.selected_junction, self.selected_block = junction, None
            self.update()
            self.junction_clicked.emit(junction)
            return
        block = self.block_at(x)
        if block is not None:
            self.selected_block, self.selected_junction = block, None
            self.update()
            self.block_clicked.emit(block)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Draw the blocks, the notes, the selection and the playhead."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        if not self.blocks:
            painter.setPen(palette.text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        self._paint_blocks(painter)
        self._paint_notes(painter)
        if self.highlight is not None:
            left, right = self._x(self.highlight[0]), self._x(self.highlight[1])
            painter.fillRect(QRectF(left, 0, right - left, self.height()), QColor(255, 220, 0, 50))
        if self.playhead is not None:
            x = self._x(self.playhead)
            painter.setPen(QPen(QColor("#d0021b"), 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _paint_blocks(self, painter: QPainter) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        for index, block in enumerate(self.blocks):
            rect = QRectF(self._x(block.start) + 1, 2, self._x(block.end) - self._x(block.start)
                          - 2, HEADER - 4)
            fill = QColor("#dfe8f5") if index % 2 == 0 else QColor("#eef2f8")
            if block.locked:
                fill = QColor("#f4e3b5")
            painter.fillRect(rect, fill)
            selected = index == self.selected_block
            painter.setPen(QPen(QColor("#1d5fbf") if selected else QColor("#8a9bb3"),
                                3 if selected else 1))
            painter.drawRect(rect)
            painter.setPen(QColor("#1b1b1b"))
            painter.setFont(small)
            text = f"{block.title}\n{block.detail}{chr(10) + 'locked' if block.locked else ''}"
            painter.drawText(rect.adjusted(4, 2, -2, -2),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
        for index, block in enumerate(self.blocks):
            x = self._x(block.start)
            chosen = index == self.selected_junction
            painter.setPen(QPen(QColor("#1d5fbf") if chosen else QColor("#9aa5b5"),
                                4 if chosen else 1))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setFont(self.font())

    def _paint_notes(self, painter: QPainter) -> None:
        if not self.notes:
            return
        low = min(n.pitch for n in self.notes) - 2
        high = max(n.pitch for n in self.notes) + 2
        top, height = HEADER + 4, self.height() - HEADER - 8
        row = height / max(1, high - low + 1)
        for note in self.notes:
            y = top + (high - note.pitch) * row
            rect = QRectF(self._x(note.start), y, max(2.0, self._x(note.end) - self._x(note.start)
                                                      - 1), max(2.0, row - 1))
            painter.fillRect(rect, TRACK_COLOURS.get(note.track, QColor("#777777")))
