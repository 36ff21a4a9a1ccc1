"""What the Composer's chain view shows, and what its painter and note editor use of it.

:class:`Block` and :class:`Ghost` are the view's data (``app.widgets.piano_roll`` re-exports
them). :class:`RollView` is the part of :class:`~app.widgets.piano_roll.ChainView` that the
painting functions (:mod:`app.widgets.roll_paint`) and the note editor
(:class:`~app.widgets.roll_edit.RollEditor`) use: its data, its geometry and the few ``QWidget``
calls they make. Both take a ``RollView``, so neither imports the view, which builds on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # type hints only: the window opens before numpy and the engine load
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QAction, QPalette

    from app.widgets.roll_culling import NoteIndex
    from engine.dshl.chain import ChordSpan
    from engine.music.midi_export import RenderedNote


@dataclass(frozen=True)
class Block:
    """One segment on the timeline: its span in beats and what it says about itself."""

    start: float
    end: float
    title: str
    detail: str
    locked: bool = False
    edited: bool = False  # the user's own block (edited note for note)


@dataclass(frozen=True)
class Ghost:
    """A candidate auditioned in place: block ``index`` would sound like ``notes``."""

    index: int
    title: str
    notes: tuple[RenderedNote, ...]
    chords: tuple[ChordSpan, ...] = ()


class RollView(Protocol):
    """The chain view as its painter and note editor see it (``ChainView`` is one).

    ``_view`` is the span of beats the current paint shows; ``_x`` maps beats to x, ``_row``
    gives the roll's ``(top, row height, lowest pitch, highest pitch)``.
    """

    blocks: list[Block]
    notes: list[RenderedNote]
    chords: list[ChordSpan]
    meter: tuple[int, int]
    ghost: Ghost | None
    selected_block: int | None
    selected_junction: int | None
    block_clicked: Any  # the Qt signal: block_clicked.emit(index)
    _note_index: NoteIndex
    _view: tuple[float, float]

    def _x(self, beats: float) -> float:
        """The x coordinate of a time in beats."""
        ...

    def _row(self) -> tuple[float, float, int, int]:
        """The roll's top, row height, lowest and highest pitch shown."""
        ...

    def _beats_shown(self, step: float, end_inclusive: bool = True) -> list[float]:
        """Multiples of ``step`` on screen and inside the chain."""
        ...

    def beats_at(self, x: float) -> float:
        """The chain time under the x coordinate, in beats."""
        ...

    def block_at(self, x: float) -> int | None:
        """Index of the block under the x coordinate, or None."""
        ...

    def pitch_at(self, y: float) -> int:
        """The pitch of the roll's row under the y coordinate."""
        ...

    def note_rect(self, note: RenderedNote) -> QRectF:
        """Where ``note`` is drawn."""
        ...

    def keys_left(self) -> float:
        """Where the keyboard is drawn (the visible left edge)."""
        ...

    def width(self) -> int:
        """The view's width in pixels (``QWidget.width``)."""
        ...

    def height(self) -> int:
        """The view's height in pixels (``QWidget.height``)."""
        ...

    def palette(self) -> QPalette:
        """The view's palette (``QWidget.palette``)."""
        ...

    def update(self) -> None:
        """Schedule a repaint (``QWidget.update``)."""
        ...

    def setCursor(self, cursor: Qt.CursorShape) -> None:  # noqa: N802 - Qt API
        """Set the pointer shape over the view (``QWidget.setCursor``)."""
        ...

    def setContextMenuPolicy(self, policy: Qt.ContextMenuPolicy) -> None:  # noqa: N802 - Qt API
        """How the view shows its context menu (``QWidget.setContextMenuPolicy``)."""
        ...

    def addActions(self, actions: Sequence[QAction]) -> None:  # noqa: N802 - Qt API
        """Add actions to the view's context menu (``QWidget.addActions``)."""
        ...
