"""Touching the notes on the Composer's piano roll: select, move, delete, draw, transpose.

:class:`RollEditor` lives on a :class:`~app.widgets.piano_roll.ChainView` (seen as a
:class:`~app.widgets.roll_view.RollView`: what the editor uses of it) and takes its mouse and key
events over the roll:

* **Select**: click a note (its block is selected too); Shift+click adds or removes one;
  drag a rubber band over empty roll space (Shift adds); Escape clears.
* **Move**: drag the selection (time snapped to the 16th grid, pitch by semitone); arrow keys
  move it (Up/Down a semitone, Ctrl+Up/Down an octave, Left/Right a grid step).
* **Delete**: Delete or Backspace.
* **Draw**: double-click empty roll space, or turn on Draw mode (D) and click: a note of one
  grid step, or the length of the last note clicked.
* **Transpose**: Alt+Up/Down the selected block, Ctrl+Alt+Up/Down the whole chain, by a
  semitone; "Transpose block…"/"Transpose chain…" ask how far (the view's context menu).

The editor never changes the chain itself: it emits ``notes_edited(notes, text)`` with every
note the chain should hold after the edit (the panel makes that one undoable edit through
:func:`engine.dshl.edits.set_notes`) and ``transpose_requested(scope, semitones)`` (0: ask).
A note is kept within MIDI 0–127, from beat 0 and inside the block it starts in; when one had
to be moved or cut, ``message`` says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:  # pragma: no cover
    from app.widgets.roll_view import RollView
    from engine.music.midi_export import RenderedNote

GRID = 0.25  # beats per grid step: a 16th note
DRAW_VELOCITY = 96
_ARROWS = {Qt.Key.Key_Up: (0.0, 1), Qt.Key.Key_Down: (0.0, -1),
           Qt.Key.Key_Left: (-GRID, 0), Qt.Key.Key_Right: (GRID, 0)}


def snap(beats: float, step: float = GRID) -> float:
    """``beats`` on the grid (the nearest step)."""
    return round(beats / step) * step


def _without(notes: Iterable[RenderedNote], gone: Iterable[RenderedNote]) -> list[RenderedNote]:
    """``notes`` less one copy of each note in ``gone``."""
    left = Counter(gone)
    kept = []
    for note in notes:
        if left[note] > 0:
            left[note] -= 1
        else:
            kept.append(note)
    return kept


class RollEditor(QObject):
    """The roll's note editing (see the module docstring); the view forwards its events."""

    notes_edited = Signal(object, str)  # every note of the chain after the edit, what it was
    transpose_requested = Signal(str, int)  # "block" or "chain", semitones (0: ask how far)
    message = Signal(str)

    def __init__(self, view: RollView) -> None:
        """Edit the notes on ``view`` (a QWidget: the parent of the editor and of its actions)."""
        super().__init__(view)
        self.view = view
        self.selection: list[RenderedNote] = []
        self.draw_mode = False
        self.last_length = GRID
        self._press: QPointF | None = None
        self._grabbed: RenderedNote | None = None  # the note the drag holds
        self._delta = (0.0, 0)  # the drag's move: beats, semitones
        self._band: QRectF | None = None
        self._band_adds = False
        self.actions = self._make_actions()
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.addActions(self.actions)

    def _make_actions(self) -> list[QAction]:
        """The context menu (and the Composer's Transpose menu); keys are handled in :meth:`key`."""
        specs = (("Transpose block up a semitone\tAlt+Up", lambda: self._transpose("block", 1)),
                 ("Transpose block down a semitone\tAlt+Down",
                  lambda: self._transpose("block", -1)),
                 ("Transpose block…", lambda: self._transpose("block", 0)),
                 ("Transpose chain up a semitone\tCtrl+Alt+Up", lambda: self._transpose("chain", 1)),
                 ("Transpose chain down a semitone\tCtrl+Alt+Down",
                  lambda: self._transpose("chain", -1)),
                 ("Transpose chain…", lambda: self._transpose("chain", 0)),
                 ("Delete notes\tDel", self.delete_selected))
        actions = []
        for text, slot in specs:
            action = QAction(text, self.view)
            action.triggered.connect(slot)
            actions.append(action)
        self.draw_action = QAction("Draw notes\tD", self.view, checkable=True)
        self.draw_action.toggled.connect(self.set_draw_mode)
        return [*actions, self.draw_action]

    def _transpose(self, scope: str, semitones: int) -> None:
        self.transpose_requested.emit(scope, semitones)

    # -- state --------------------------------------------------------------------------------
    def chain_changed(self) -> None:
        """The view shows other notes: keep the selected notes that are still there."""
        present = Counter(self.view.notes) if self.selection else Counter()
        kept = []
        for note in self.selection:
            if present[note] > 0:
                present[note] -= 1
                kept.append(note)
        self.selection = kept
        self._press, self._grabbed, self._band, self._delta = None, None, None, (0.0, 0)

    def set_draw_mode(self, on: bool) -> None:
        """Draw mode: a click on empty roll space draws a note."""
        if bool(on) == self.draw_mode:
            return
        self.draw_mode = bool(on)
        if self.draw_action.isChecked() != self.draw_mode:
            self.draw_action.setChecked(self.draw_mode)
        self.view.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.message.emit("Draw mode: click the roll to draw a note (D turns it off)." if on
                          else "Draw mode off: click a note to select it.")
        self.view.update()

    def selected_block(self) -> int | None:
        """The block being worked on: the view's selected block, else the first selected note's."""
        if self.view.selected_block is not None:
            return self.view.selected_block
        if self.selection:
            return self.view.block_at(self.view._x(self.selection[0].start_beats) + 0.5)
        return None

    # -- geometry -----------------------------------------------------------------------------
    def note_at(self, x: float, y: float) -> RenderedNote | None:
        """The chain's note under the point (the one drawn last), or None."""
        beats = self.view.beats_at(x)
        hits = [n for n in self.view._note_index.overlapping(beats - 0.01, beats + 0.01)
                if self.view.note_rect(n).adjusted(-1, -1, 1, 1).contains(QPointF(x, y))]
        return hits[-1] if hits else None

    def _point_note(self, x: float, y: float) -> RenderedNote:
        """A new note at the point: on the grid, of the last length."""
        from engine.music.midi_export import RenderedNote

        start = max(0.0, snap(self.view.beats_at(x) - GRID / 2))
        return RenderedNote(start, start + self.last_length, self.view.pitch_at(y),
                            DRAW_VELOCITY, "melody")

    # -- mouse --------------------------------------------------------------------------------
    def press(self, event: QMouseEvent) -> bool:
        """A press on the roll: select or grab a note, draw one, or start a rubber band.
        Returns True when the view should not select a block or junction for it."""
        pos = event.position()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        note = self.note_at(pos.x(), pos.y())
        if event.button() == Qt.MouseButton.RightButton:
            if note is not None and note not in self.selection:
                self._select([note])
            return note is not None
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if note is not None:
            if shift:
                self._select(_without(self.selection, [note]) if note in self.selection
                             else [*self.selection, note])
            elif note not in self.selection:
                self._select([note])
            self.last_length = note.end_beats - note.start_beats
            self._press, self._grabbed = pos, note if note in self.selection else None
            return True
        if self.draw_mode:
            self._draw(self._point_note(pos.x(), pos.y()))
            return True
        self._press, self._band, self._band_adds = pos, QRectF(pos, pos), shift
        if not shift and self.selection:
            self._select([], choose_block=False)
        return False

    def move(self, event: QMouseEvent) -> bool:
        """Drag the selection (snapped), or stretch the rubber band."""
        if self._press is None:
            return False
        pos = event.position()
        if self._band is not None:
            self._band = QRectF(self._press, pos).normalized()
            self.view.update()
            return True
        if self._grabbed is None:
            return True
        if (pos - self._press).manhattanLength() < QApplication.startDragDistance():
            return True
        beats = snap(self.view.beats_at(pos.x()) - self.view.beats_at(self._press.x()))
        semitones = self.view.pitch_at(pos.y()) - self.view.pitch_at(self._press.y())
        if (beats, semitones) != self._delta:
            self._delta = (beats, semitones)
            self.view.update()
        return True

    def release(self, event: QMouseEvent) -> bool:
        """Finish the drag (one edit) or the rubber band (a selection)."""
        if self._press is None:
            return False
        band, delta = self._band, self._delta
        self._press, self._grabbed, self._band, self._delta = None, None, None, (0.0, 0)
        if band is not None:
            if band.width() > 3 or band.height() > 3:
                caught = [n for n in self.view._note_index.overlapping(
                    self.view.beats_at(band.left()), self.view.beats_at(band.right()))
                    if self.view.note_rect(n).intersects(band)]
                self._select([*self.selection, *(n for n in caught if n not in self.selection)]
                             if self._band_adds else caught, choose_block=False)
            self.view.update()
            return False
        if delta != (0.0, 0):
            self.nudge(*delta)
        self.view.update()
        return True

    def double_click(self, event: QMouseEvent) -> bool:
        """Double-click empty roll space: draw a note there."""
        pos = event.position()
        if event.button() != Qt.MouseButton.LeftButton or self.note_at(pos.x(), pos.y()):
            return False
        self._press, self._band = None, None
        self._draw(self._point_note(pos.x(), pos.y()))
        return True

    # -- keys ---------------------------------------------------------------------------------
    def key(self, event: QKeyEvent) -> bool:
        """The roll's keys (see the module docstring); False for a key it does not use."""
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and alt:
            self._transpose("chain" if ctrl else "block", 1 if key == Qt.Key.Key_Up else -1)
        elif key in _ARROWS and not alt:
            beats, semitones = _ARROWS[key]
            if not self.selection:
                return False
            self.nudge(beats, semitones * (12 if ctrl and semitones else 1))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not (ctrl or alt):
            self.delete_selected()
        elif key == Qt.Key.Key_D and not (ctrl or alt):
            self.set_draw_mode(not self.draw_mode)
        elif key == Qt.Key.Key_Escape and self.draw_mode:
            self.set_draw_mode(False)
        elif key == Qt.Key.Key_Escape and self.selection:
            self._select([], choose_block=False)
        else:
            return False
        return True

    # -- edits --------------------------------------------------------------------------------
    def _select(self, notes: list[RenderedNote], choose_block: bool = True) -> None:
        self.selection = list(notes)
        if choose_block and notes:
            block = self.view.block_at(self.view._x(notes[-1].start_beats) + 0.5)
            if block is not None and block != self.view.selected_block:
                self.view.selected_block, self.view.selected_junction = block, None
                self.view.block_clicked.emit(block)
        self.view.update()

    def _clamped(self, notes: Iterable[RenderedNote]) -> tuple[list[RenderedNote], str]:
        """``notes`` where notes may go, and what had to change (empty when nothing did)."""
        from engine.dshl.edits import clamp_to

        spans = [(b.start, b.end) for b in self.view.blocks]
        kept, said = [], []
        for note in notes:
            fixed, why = clamp_to(note, spans)
            said += why
            if fixed is not None:
                kept.append(fixed)
        return kept, "; ".join(dict.fromkeys(said))

    def _emit(self, notes: list[RenderedNote], text: str, said: str) -> None:
        if said:
            self.message.emit(f"{text}: {said}.")
        self.notes_edited.emit(tuple(notes), text)

    def nudge(self, beats: float, semitones: int) -> None:
        """Move the selected notes by ``beats`` and ``semitones`` (one edit)."""
        from engine.dshl.notes import moved

        if not self.selection or (beats, semitones) == (0.0, 0):
            return
        shifted, said = self._clamped(moved(n, beats, semitones) for n in self.selection)
        notes = _without(self.view.notes, self.selection) + shifted
        count = len(self.selection)
        self.selection = shifted
        self._emit(notes, f"moved {count} note{'s' * (count != 1)}", said)

    def delete_selected(self) -> None:
        """Delete the selected notes (one edit)."""
        if not self.selection:
            self.message.emit("Select notes to delete first (click one, or drag around some).")
            return
        count, gone = len(self.selection), self.selection
        self.selection = []
        self._emit(_without(self.view.notes, gone), f"deleted {count} note{'s' * (count != 1)}",
                   "")

    def _draw(self, note: RenderedNote) -> None:
        """Add ``note`` (clamped) to the chain (one edit) and select it."""
        drawn, said = self._clamped([note])
        if not drawn:
            self.message.emit("There is no block there to draw in.")
            return
        self.selection = drawn
        block = self.view.block_at(self.view._x(drawn[0].start_beats) + 0.5)
        if block is not None:
            self.view.selected_block, self.view.selected_junction = block, None
        self._emit([*self.view.notes, *drawn], "drew a note", said)

    # -- painting -----------------------------------------------------------------------------
    def paint(self, painter: QPainter) -> None:
        """Outline the selection, show the drag's move and the rubber band."""
        if self.selection:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#111111"), 2))
            for note in self.selection:
                painter.drawRect(self.view.note_rect(note))
        if self._grabbed is not None and self._delta != (0.0, 0):
            from engine.dshl.notes import moved

            painter.setPen(QPen(QColor("#111111"), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(0, 0, 0, 40))
            for note in self.selection:
                painter.drawRect(self.view.note_rect(moved(note, *self._delta)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        if self._band is not None:
            painter.setPen(QPen(QColor("#1d5fbf"), 1, Qt.PenStyle.DashLine))
            painter.fillRect(self._band, QColor(29, 95, 191, 30))
            painter.drawRect(self._band)
