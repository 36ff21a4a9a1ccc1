"""Painting parts of the Composer's chain view that do not change with the chain's state: the
roll's grid, the bar/beat ruler, the keyboard, the chord symbols, the notes (a candidate being
auditioned ghosted over its block) and the block strip's marks (a padlock on a locked block, a
pencil on the user's own block).

Plain functions over the chain view (a :class:`~app.widgets.roll_view.RollView`: what they use
of :class:`~app.widgets.piano_roll.ChainView`) and its painter, kept out of the view so that it
stays about events and data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from app.widgets.roll_culling import chord_labels, thin_to_pixels

if TYPE_CHECKING:  # pragma: no cover
    from app.widgets.roll_view import RollView

NAMES = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"]
BLACK = {1, 3, 6, 8, 10}
EDITED_FILL = QColor("#efe3f7")  # the user's own block in the block strip


def note_name(pitch: int) -> str:
    """Scientific pitch name, e.g. 60 → ``"C4"``."""
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def bar_beats(meter: tuple[int, int]) -> tuple[float, float]:
    """Quarter beats in a bar of ``meter``, and in its pulse (dotted quarters in 6/8)."""
    top, bottom = meter
    bar = top * 4.0 / bottom
    beat = 1.5 if bottom == 8 and top % 3 == 0 and top > 3 else 4.0 / bottom
    return bar, beat


def paint_roll_grid(view: RollView, painter: QPainter, keys_w: float, top_y: float) -> None:
    """Shade the black-key rows and draw the beat lines (stronger on the bar lines)."""
    top, row, low, high = view._row()
    for pitch in range(low, high + 1):
        if pitch % 12 in BLACK:
            y = top + (high - pitch) * row
            painter.fillRect(QRectF(keys_w, y, view.width() - keys_w, row), QColor(0, 0, 0, 14))
    bar, beat = bar_beats(view.meter)
    for b in view._beats_shown(beat):
        strong = abs(b / bar - round(b / bar)) < 1e-6
        painter.setPen(QPen(QColor(0, 0, 0, 70 if strong else 25), 1))
        painter.drawLine(QPointF(view._x(b), top_y), QPointF(view._x(b), view.height()))


def paint_ruler(view: RollView, painter: QPainter, keys_w: float, y0: float,
                height: float) -> None:
    """The bar numbers and beat ticks (``bar.beat`` when there is room)."""
    painter.fillRect(QRectF(keys_w, y0, view.width() - keys_w, height), QColor("#f0f0f0"))
    bar, beat = bar_beats(view.meter)
    px_per_beat = view._x(1.0) - view._x(0.0)
    painter.setPen(QColor("#444444"))
    for b in view._beats_shown(beat, end_inclusive=False):
        bar_index, within = divmod(round(b / beat), round(bar / beat))
        x = view._x(b)
        if within == 0:
            painter.drawLine(QPointF(x, y0), QPointF(x, y0 + height))
            painter.drawText(QPointF(x + 3, y0 + height - 4), str(bar_index + 1))
        else:
            painter.drawLine(QPointF(x, y0 + height - 5), QPointF(x, y0 + height))
            if px_per_beat * beat > 28:
                painter.drawText(QPointF(x + 2, y0 + height - 4), f"{bar_index + 1}.{within + 1}")


def paint_keyboard(view: RollView, painter: QPainter, keys_w: float, top_y: float) -> None:
    """The keyboard at the visible left edge, naming the C's (every white key when rows are
    tall enough)."""
    top, row, low, high = view._row()
    left = view.keys_left()
    painter.fillRect(QRectF(left, 0, keys_w, top_y), view.palette().base())
    painter.fillRect(QRectF(left, top_y, keys_w, view.height() - top_y), QColor("#fafafa"))
    for pitch in range(low, high + 1):
        y = top + (high - pitch) * row
        black = pitch % 12 in BLACK
        rect = QRectF(left, y, keys_w * (0.62 if black else 1.0), row)
        painter.fillRect(rect, QColor("#222222") if black else QColor("#ffffff"))
        painter.setPen(QColor("#b0b0b0"))
        painter.drawRect(rect)
        if not black and (pitch % 12 == 0 or row >= 11):
            painter.setPen(QColor("#333333"))
            painter.drawText(QRectF(left + 2, y, keys_w - 4, row), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, note_name(pitch))


def paint_padlock(painter: QPainter, x: float, y: float) -> None:
    """A small closed padlock: the block is locked."""
    painter.save()
    painter.setPen(QPen(QColor("#6b4e00"), 1.5))
    painter.drawArc(QRectF(x + 1.5, y, 6, 8), 0, 180 * 16)
    painter.fillRect(QRectF(x, y + 4, 9, 7), QColor("#6b4e00"))
    painter.restore()


def paint_pencil(painter: QPainter, x: float, y: float) -> None:
    """A small pencil: the block is the user's own (edited note for note)."""
    painter.save()
    painter.setPen(QPen(QColor("#6a2c91"), 2.0))
    painter.drawLine(QPointF(x, y + 10), QPointF(x + 8, y + 2))
    painter.setPen(QPen(QColor("#6a2c91"), 1.0))
    painter.drawLine(QPointF(x - 1, y + 11), QPointF(x + 1, y + 11))
    painter.restore()


def paint_chords(view: RollView, painter: QPainter, top: float, height: float) -> None:
    """The chord symbols on screen, whole and never overlapping (the ghost's over its block)."""
    painter.setPen(QColor("#3b3b3b"))
    bold = QFont(painter.font())
    bold.setBold(True)
    painter.setFont(bold)
    ghost = view.ghost
    span = (view.blocks[ghost.index].start, view.blocks[ghost.index].end) if ghost else None
    left_beat, right_beat = view._view
    chords = [c for c in view.chords if not (span and span[0] <= c.start < span[1])
              and c.end >= left_beat and c.start <= right_beat]
    spans = [(c.start, c.end, c.name) for c in chords + list(ghost.chords if ghost else ())]
    metrics = QFontMetrics(bold)
    baseline = top + (height + metrics.ascent() - metrics.descent()) / 2
    for x, text in chord_labels(spans, view._x, metrics.horizontalAdvance):
        painter.drawText(QPointF(x, baseline), text)  # a point, not a box: never clipped
    bold.setBold(False)
    painter.setFont(bold)


def paint_notes(view: RollView, painter: QPainter, colours: dict[str, QColor]) -> None:
    """The notes on screen (thinned when dense); a ghost's notes dashed over its dimmed block."""
    ghost, rect = view.ghost, view.note_rect
    span = (view.blocks[ghost.index].start, view.blocks[ghost.index].end) if ghost else None
    for note in thin_to_pixels(view._note_index.overlapping(*view._view), view._x):
        colour = QColor(colours.get(note.track, QColor("#777777")))
        if span and span[0] <= note.start_beats < span[1]:
            colour.setAlpha(45)  # the block being replaced, dimmed
        painter.fillRect(rect(note), colour)
    if ghost is not None:
        for note in ghost.notes:
            colour = QColor(colours.get(note.track, QColor("#777777")))
            painter.setPen(QPen(colour.darker(130), 1.5, Qt.PenStyle.DashLine))
            colour.setAlpha(110)
            painter.setBrush(colour)
            painter.drawRect(rect(note))
        painter.setBrush(Qt.BrushStyle.NoBrush)
