"""Touch the notes, transpose, tap tempo: the Composer panel's side of issue 22 (a mixin).

The roll's :class:`~app.widgets.roll_edit.RollEditor` says what the user did; this mixin makes
each of it ONE undoable edit on the panel's stack through :mod:`engine.dshl.edits` (plain
functions, no collection or model needed, so they run on the GUI thread):

* note edits (select/move/delete/draw on the roll): the blocks whose notes changed become the
  user's own blocks (titled "your edit", a pencil, locked);
* Transpose block/chain (Alt+Up/Down, Ctrl+Alt+Up/Down, the Transpose menu or the roll's
  context menu); the key menu with a chain transposes it by the shortest move, keeping its
  blocks, and says so (Compose writes a new chain in that key);
* tap tempo (the Tap button beside Tempo, or T): the Tempo box follows the taps and so does the
  chain's tempo; the taps of one run are one undoable change.

:func:`show_chain` puts a state on the view (block titles and marks) and the candidates list.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog

from app.project_sections import apply_settings, read_settings
from app.widgets.composer_commands import MergingStateCommand, SetStateCommand
from app.widgets.composer_tap import TapTempo
from app.widgets.piano_roll import Block
from engine.dshl import chain, edits
from engine.dshl.chain import ChainState
from engine.dshl.settings import key_tonality


def blocks_of(state: ChainState) -> list[Block]:
    """The view's blocks for ``state``: source tune, bar and fit; the phrase "as you played
    it"; the user's own blocks titled "your edit" (marked and locked)."""
    meter, head = state.chain.request.meter, state.chain.request.phrase_blocks
    blocks = []
    for k, ((start, end), item) in enumerate(zip(state.spans, state.chain.items, strict=True)):
        bar, beat = chain.source_bar(item, meter)
        fit = "start" if item.fit is None else f"fit {item.fit}"
        title, detail = item.tune, f"bar {bar}.{beat}\n{'as you played it' if item.id < 0 else fit}"
        edited = item.notes is not None and k >= head
        if edited:
            title = "your edit"
            detail = f"from {item.tune} {bar}.{beat}\nedited" if item.id >= 0 else "your notes\nedited"
        blocks.append(Block(start, end, title, detail, k in state.locked, edited))
    return blocks


def show_chain(panel: Any, state: ChainState) -> None:
    """Show ``state`` on the panel's view and tell the candidates list its meter and edits."""
    panel.candidates.meter = state.chain.request.meter
    panel.candidates.edited = edits.edited_blocks(state)
    panel.view.set_chain(blocks_of(state), state.notes, state.chords, state.meter)


class NoteEditing:
    """Note editing, transposition and tap tempo for the Composer panel (which provides
    ``state``, ``view``, ``controls``, ``edits``, ``undo_stack``, ``status_message``,
    ``set_state`` and ``_push``)."""

    state: ChainState | None
    view: Any
    controls: Any
    edits: Any
    undo_stack: Any
    status_message: Any
    set_state: Any
    tap_clock = staticmethod(time.monotonic)  # tests give a clock of their own

    def _push(self, after: ChainState, text: str) -> None:  # provided by the panel
        raise NotImplementedError

    def _connect_notes(self) -> None:
        """Wire the roll's editor, the Transpose and Draw buttons, the key menu and Tap."""
        self.tapper = TapTempo()
        editor = self.view.editor
        editor.notes_edited.connect(self.apply_notes)
        editor.transpose_requested.connect(self.transpose)
        editor.message.connect(lambda text: self.status_message.emit(f"Composer: {text}"))
        self.edits.set_transpose_actions(editor.actions[:-2])
        self.edits.draw_button.toggled.connect(editor.set_draw_mode)
        editor.draw_action.toggled.connect(self.edits.draw_button.setChecked)
        self.controls.key.activated.connect(lambda _index: self.key_chosen())
        self.controls.tap_button.clicked.connect(self.tap_tempo)
        tap = QShortcut(QKeySequence(Qt.Key.Key_T), self)  # type: ignore[arg-type]
        tap.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        tap.activated.connect(self.tap_tempo)

    def _say(self, text: str) -> None:
        self.status_message.emit(f"Composer: {text}")

    # -- notes ------------------------------------------------------------------------------
    def apply_notes(self, notes: tuple, text: str) -> None:
        """Make the chain hold exactly ``notes`` (the roll's edit): one undoable change; the
        blocks whose notes changed become the user's own."""
        if self.state is None:
            return
        before = self.state
        try:
            after = edits.set_notes(before, notes)
        except ValueError as exc:
            self._say(f"{text} refused: {exc}.")
            return
        if after is before:
            return
        new = sorted(edits.edited_blocks(after) - edits.edited_blocks(before))
        if new:
            text += (f" (block{'s' * (len(new) > 1)} {', '.join(str(k + 1) for k in new)} "
                     f"now your edit{'s' * (len(new) > 1)}: kept note for note, locked)")
        self._push(after, text)

    # -- transposition ----------------------------------------------------------------------
    def transpose(self, scope: str, semitones: int = 0) -> None:
        """Transpose the selected block (``scope`` "block") or the chain by ``semitones``;
        0 asks how far."""
        if self.state is None:
            self._say("compose a chain before transposing it.")
            return
        position = self.view.editor.selected_block() if scope == "block" else None
        if scope == "block" and position is None:
            self._say("select a block (or a note in it) to transpose it.")
            return
        if not semitones:
            where = f"block {position + 1}" if scope == "block" else "the chain"
            semitones, ok = QInputDialog.getInt(self, "Transpose",  # type: ignore[arg-type]
                                                f"Semitones to move {where} (− down, + up):",
                                                0, -24, 24)
            if not ok or not semitones:
                return
        if scope == "block":
            self.transpose_block(position, semitones)
        else:
            self.transpose_chain(semitones)

    def transpose_block(self, position: int, semitones: int) -> None:
        """Move block ``position`` by ``semitones`` (it becomes the user's own block)."""
        if self.state is None:
            return
        try:
            after = edits.transpose_block(self.state, position, semitones)
        except (ValueError, IndexError) as exc:
            self._say(f"{exc}.")
            return
        if after is self.state:
            self._say(f"block {position + 1} has no notes to transpose.")
            return
        self._push(after, f"transposed block {position + 1} {edits.shift_words(semitones)} "
                          "(now your edit)")

    def transpose_chain(self, semitones: int) -> None:
        """Move the whole chain by ``semitones``, blocks kept; the key menu follows."""
        if self.state is not None and semitones:
            self._move_chain(lambda state: (edits.transpose_chain(state, semitones), semitones))

    def key_chosen(self) -> None:
        """The user picked a key in the key menu: with a chain, transpose it there by the
        shortest move, keeping its blocks (Compose writes a new chain in that key)."""
        key = self.controls.key.currentText()
        if self.state is None or key == self.state.chain.request.key:
            return
        self._move_chain(lambda state: edits.transpose_to_key(state, key), asked=key)

    def _move_chain(self, move: Any, asked: str | None = None) -> None:
        """Transpose the chain with ``move(state) → (state, semitones)`` as one undoable change
        that also sets the key menu (and puts it back on undo)."""
        old = self.state.chain.request.key
        try:
            after, semitones = move(self.state)
        except ValueError as exc:
            self._say(f"the chain stays in {old}: {exc}." if asked else f"{exc}.")
            return
        key = after.chain.request.key
        shown = read_settings(self.controls)
        before_settings = dataclasses.replace(shown, key=old, tonality=key_tonality(old))
        after_settings = dataclasses.replace(shown, key=key, tonality=key_tonality(key))
        setter = lambda settings: apply_settings(self.controls, settings)  # noqa: E731
        text = f"transposed the chain {edits.shift_words(semitones)} to {key}"
        self.undo_stack.push(SetStateCommand(self.set_state, self.state, after, text,
                                             (setter, before_settings, after_settings)))
        self._say(f"{text}, blocks kept (Compose writes a new chain in {key}).")

    # -- tap tempo --------------------------------------------------------------------------
    def tap_tempo(self) -> float | None:
        """One tap (the Tap button or T): after two, the Tempo box and the chain's tempo follow
        the mean of the last 2–8 taps (a 2 s pause starts again); return the tempo set."""
        bpm = self.tapper.tap(self.tap_clock())
        if bpm is None:
            self._say("tap again (T or Tap) to set the tempo…")
            return None
        spin = self.controls.tempo
        tempo = float(round(min(max(bpm, spin.minimum()), spin.maximum())))
        before_settings = read_settings(self.controls)
        spin.setValue(tempo)
        note = "" if spin.minimum() <= bpm <= spin.maximum() else (
            f" (you tapped {bpm:.0f}; the tempo stays within {spin.minimum():g}–"
            f"{spin.maximum():g} BPM)")
        if self.state is not None and self.state.chain.request.tempo != tempo:
            after = edits.set_tempo(self.state, tempo)
            setter = lambda settings: apply_settings(self.controls, settings)  # noqa: E731
            self.undo_stack.push(MergingStateCommand(
                self.set_state, self.state, after, f"tempo {tempo:g} BPM (tapped)",
                (setter, before_settings, read_settings(self.controls)), run=self.tapper.run))
        self._say(f"tempo {tempo:g} BPM from {self.tapper.count} taps{note}.")
        return tempo
