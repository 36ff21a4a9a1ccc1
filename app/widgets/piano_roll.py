"""The Composer's chain view: blocks, chord symbols and a bar/beat ruler over a piano roll.

Plain painting, no model/view. From the top: the block strip (source tune, bar, fit; a lock
fill), the chord symbols of each block, the ruler (bars and beats in the chain's metre), then
the roll with a keyboard on the left naming the C's (and every white key when rows are tall
enough). ``zoom`` (1 = fit the width) widens the view inside its scroll area. A candidate being
auditioned is drawn in place, ghosted (outlined, the block's own notes dimmed), until it is
accepted or dismissed. Clicking a block selects it; clicking the line between two blocks (or the
left edge of the first) selects that junction. The notes themselves are edited on the roll by
its :class:`~app.widgets.roll_edit.RollEditor` (select, move, delete, draw, transpose); the
user's own blocks are marked with a pencil. The fixed parts are painted by
:mod:`app.widgets.roll_paint`. Both take the view as a :class:`~app.widgets.roll_view.RollView`
(the view's data types, :class:`Block` and :class:`Ghost`, live there too), so neither imports
this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.widgets import roll_paint
from app.widgets.roll_culling import NoteIndex, visible_beats, visible_range
from app.widgets.roll_edit import RollEditor
from app.widgets.roll_paint import note_name
from app.widgets.roll_view import Block, Ghost

if TYPE_CHECKING:  # type hints only: the window opens before numpy and the engine load
    from engine.dshl.chain import ChordSpan
    from engine.music.midi_export import RenderedNote

BLOCKS_H = 48  # block strip: tune, bar, fit
CHORDS_H = 18  # chord symbols
RULER_H = 18  # bars and beats
TOP = BLOCKS_H + CHORDS_H + RULER_H
KEYS_W = 44  # keyboard
JUNCTION_PX = 8  # half-width of the clickable junction zone
TRACK_COLOURS = {"melody": QColor("#e07a2f"), "chords": QColor("#4f7fbf")}
MAX_ZOOM = 8.0
MAX_WIDTH = 4_000_000  # Qt's own limit is 16,777,215 px; a wider chain is reached by zooming out

__all__ = ["Block", "ChainView", "Ghost", "note_name"]


class ChainView(QWidget):
    """Paints the chain; emits ``block_clicked(index)`` and ``junction_clicked(index)``.

    Junction ``k`` is the join into block ``k`` (junction 0 is the chain's opening).
    """

    block_clicked = Signal(int)
    junction_clicked = Signal(int)
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(TOP + 120)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # click the chain, then Space plays
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.blocks: list[Block] = []
        self.notes: list[RenderedNote] = []
        self._note_index = NoteIndex([])
        self._view = (0.0, 0.0)  # the beats the current paint shows
        self.chords: list[ChordSpan] = []
        self.meter: tuple[int, int] = (4, 4)
        self.ghost: Ghost | None = None
        self.selected_block: int | None = None
        self.selected_junction: int | None = None
        self.playhead: float | None = None
        self.highlight: tuple[float, float] | None = None  # beats being played
        self.zoom = 1.0
        self._fit_width = 0
        self._block_px = 0  # the narrowest a block may be with its text whole
        self.message = "Press Compose to build a chain, or drop a .mid phrase here to continue it."
        self.editor = RollEditor(self)

    # -- data ------------------------------------------------------------------------------
    def set_chain(self, blocks: Sequence[Block], notes: Sequence[RenderedNote],
                  chords: Sequence[ChordSpan] = (), meter: tuple[int, int] = (4, 4)) -> None:
        """Show new blocks, notes and chords (keeps the selection if it still exists)."""
        self.blocks, self.notes, self.chords, self.meter = (list(blocks), list(notes),
                                                            list(chords), meter)
        self._note_index = NoteIndex(self.notes)
        self.ghost = None
        metrics = self._small_font_metrics()
        texts = {line for b in self.blocks[:2000] for line in (b.title + "  XX", "▶ " + b.title,
                                                               *b.detail.split("\n"))}
        lines = [*texts, "auditioning"]
        self._block_px = max((metrics.horizontalAdvance(line) for line in lines), default=0) + 10
        self._apply_width()
        if self.selected_block is not None and self.selected_block >= len(self.blocks):
            self.selected_block = None
        if self.selected_junction is not None and self.selected_junction >= len(self.blocks):
            self.selected_junction = None
        self.editor.chain_changed()
        self.update()

    def set_ghost(self, ghost: Ghost | None) -> None:
        """Draw a candidate in place of its block (None: back to the chain as it is)."""
        self.ghost = ghost
        if ghost is not None:
            width = self._small_font_metrics().horizontalAdvance("▶ " + ghost.title) + 10
            self._block_px = max(self._block_px, width)
            self._apply_width()
        self.update()

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        return small

    def _small_font_metrics(self) -> QFontMetrics:
        return QFontMetrics(self._small_font())

    def _apply_width(self) -> None:
        """Wide enough for every block's text, and for the zoom."""
        whole = KEYS_W + 8 + len(self.blocks) * self._block_px
        zoomed = int(self._fit_width * self.zoom) if self.zoom > 1.0 else 0
        self.setMinimumWidth(min(MAX_WIDTH, max(whole, zoomed)))

    def set_playhead(self, beats: float | None) -> None:
        """Move the playhead (None hides it)."""
        self.playhead = beats
        self.update()

    def set_highlight(self, span: tuple[float, float] | None) -> None:
        """Shade the beats being played (None clears)."""
        self.highlight = span
        self.update()

    def set_zoom(self, zoom: float, fit_width: int) -> None:
        """Zoom horizontally; ``fit_width`` is the width that shows the whole chain."""
        self.zoom = max(1.0, min(MAX_ZOOM, zoom))
        self._fit_width = fit_width
        self._apply_width()
        self.zoom_changed.emit(self.zoom)
        self.update()

    def total_beats(self) -> float:
        """Length of the chain in beats (blocks are in order: the last one's end; called for
        every note painted, so never a walk over the blocks)."""
        return self.blocks[-1].end if self.blocks else 0.0

    # -- geometry --------------------------------------------------------------------------
    def _x(self, beats: float) -> float:
        total = self.total_beats() or 1.0
        return KEYS_W + 4 + (self.width() - KEYS_W - 8) * beats / total

    def beats_at(self, x: float) -> float:
        """The chain time under the x coordinate, in beats."""
        total = self.total_beats() or 1.0
        return (x - KEYS_W - 4) * total / max(1.0, self.width() - KEYS_W - 8)

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

    def pitch_range(self) -> tuple[int, int]:
        """Lowest and highest pitch shown (chain and ghost notes, plus a margin)."""
        pitches = [*self._note_index.pitch_span, *(n.pitch for n in
                                                   (self.ghost.notes if self.ghost else ()))]
        if not pitches:
            return 48, 84
        return min(pitches) - 2, max(pitches) + 2

    def keys_left(self) -> float:
        """Where the keyboard is drawn: the visible left edge, so it stays put when scrolled."""
        return float(max(0, self.visibleRegion().boundingRect().left()))

    def _row(self) -> tuple[float, float, int, int]:
        low, high = self.pitch_range()
        top, height = TOP + 2, self.height() - TOP - 4
        return top, height / max(1, high - low + 1), low, high

    def pitch_at(self, y: float) -> int:
        """The pitch of the roll's row under the y coordinate."""
        top, row, _low, high = self._row()
        return int(high - (y - top) // row)

    def note_rect(self, note: RenderedNote) -> QRectF:
        """Where ``note`` is drawn."""
        top, row, _low, high = self._row()
        x = self._x(note.start_beats)
        return QRectF(x, top + (high - note.pitch) * row,
                      max(2.0, self._x(note.end_beats) - x - 1), max(2.0, row - 1))

    # -- events ----------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        """Explain what is under the pointer in a tooltip."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            QToolTip.showText(event.globalPos(), self.tooltip_at(event.pos().x(),
                                                                 event.pos().y()), self)
            return True
        return super().event(event)

    def tooltip_at(self, x: float, y: float) -> str:
        """The tooltip text at a point (empty for none)."""
        if 0 <= x - self.keys_left() < KEYS_W and y > TOP:
            return note_name(self.pitch_at(y))
        index = self.block_at(x)
        if index is None:
            return ""
        block = self.blocks[index]
        if y < BLOCKS_H:
            return (f"Block {index + 1}: {block.title}, {block.detail.replace(chr(10), ', ')}"
                    f"{' (locked)' if block.locked else ''}\nClick the line before a block for "
                    "other blocks that could go there." + ("\nYour edit: kept note for note; "
                                                            "Accept another block to replace it."
                                                            if block.edited else ""))
        if y < BLOCKS_H + CHORDS_H:
            names = [c.name for c in self.chords if block.start <= c.start < block.end]
            return f"Chords in block {index + 1}: {' '.join(names) or 'none'}"
        return ""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Select the junction or block under the click (a note on the roll: the editor's)."""
        x = event.position().x()
        junction = self.junction_at(x)
        if event.position().y() > TOP and junction is None and self.editor.press(event):
            return
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

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Drag notes or a rubber band (the editor)."""
        if not self.editor.move(event):
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """End a note drag or a rubber band (the editor)."""
        if not self.editor.release(event):
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Double-click empty roll space to draw a note; else a press as usual."""
        if not (event.position().y() > TOP and self.junction_at(event.position().x()) is None
                and self.editor.double_click(event)):
            super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """The roll's editing keys (arrows, Delete, D, Alt+Up/Down…); others go on as usual."""
        if self.blocks and self.editor.key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Ctrl+wheel zooms; a plain wheel scrolls as usual."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = 1.25 if event.angleDelta().y() > 0 else 0.8
            fit = self._fit_width or (self.parentWidget() or self).width()  # the scroll viewport
            self.set_zoom(self.zoom * step, fit)
            event.accept()
            return
        super().wheelEvent(event)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Draw blocks, chords, ruler, keyboard, notes, ghost, selection and playhead."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        if not self.blocks:
            painter.setPen(palette.text().color())
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter
                             | Qt.TextFlag.TextWordWrap, self.message)
            return
        painter.setFont(self._small_font())
        shown = event.rect()
        self._view = (self.beats_at(shown.left() - 2), self.beats_at(shown.right() + 2))
        roll_paint.paint_roll_grid(self, painter, KEYS_W, TOP)
        self._paint_blocks(painter)
        roll_paint.paint_chords(self, painter, BLOCKS_H, CHORDS_H)
        roll_paint.paint_ruler(self, painter, KEYS_W, BLOCKS_H + CHORDS_H, RULER_H)
        roll_paint.paint_notes(self, painter, TRACK_COLOURS)
        self.editor.paint(painter)
        roll_paint.paint_keyboard(self, painter, KEYS_W, TOP)
        if self.highlight is not None:
            left, right = self._x(self.highlight[0]), self._x(self.highlight[1])
            painter.fillRect(QRectF(left, TOP, right - left, self.height() - TOP),
                             QColor(255, 220, 0, 40))
        if self.playhead is not None:
            x = self._x(self.playhead)
            painter.setPen(QPen(QColor("#d0021b"), 2))
            painter.drawLine(QPointF(x, BLOCKS_H), QPointF(x, self.height()))

    def _beats_shown(self, step: float, end_inclusive: bool = True) -> list[float]:
        """Multiples of ``step`` on screen and inside the chain (none when too dense to draw)."""
        total = self.total_beats()
        last = min(self._view[1], total if end_inclusive else total - 1e-6)
        return visible_beats(max(0.0, self._view[0]), last, step)

    def _blocks_shown(self) -> range:
        return visible_range(self.blocks, *self._view, start=lambda b: b.start, end=lambda b: b.end)

    def _paint_blocks(self, painter: QPainter) -> None:
        shown = self._blocks_shown()
        for index in shown:
            block = self.blocks[index]
            rect = QRectF(self._x(block.start) + 1, 2, self._x(block.end) - self._x(block.start)
                          - 2, BLOCKS_H - 4)
            fill = roll_paint.EDITED_FILL if block.edited else QColor(
                "#f4e3b5" if block.locked else "#dfe8f5" if index % 2 == 0 else "#eef2f8")
            ghosted = self.ghost is not None and self.ghost.index == index
            painter.fillRect(rect, QColor("#e4f4e0") if ghosted else fill)
            selected = index == self.selected_block
            painter.setPen(QPen(QColor("#1d5fbf") if selected else QColor("#8a9bb3"),
                                3 if selected else 1))
            painter.drawRect(rect)
            painter.setPen(QColor("#1b1b1b"))
            title = f"▶ {self.ghost.title}" if ghosted else block.title
            if block.locked and not ghosted:
                roll_paint.paint_padlock(painter, rect.right() - 12, rect.top() + 3)
            if block.edited and not ghosted:
                roll_paint.paint_pencil(painter, rect.right() - 26, rect.top() + 2)
            detail = "auditioning" if ghosted else block.detail
            painter.drawText(rect.adjusted(4, 1, -2, -1), Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignTop, f"{title}\n{detail}")
        for index in shown:
            x = self._x(self.blocks[index].start)
            chosen = index == self.selected_junction
            painter.setPen(QPen(QColor("#1d5fbf") if chosen else QColor("#9aa5b5"),
                                4 if chosen else 1))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
