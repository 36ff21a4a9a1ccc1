"""The Composer's block edits: alternatives for a block and the edit bar's actions (a mixin).

A mixin for :class:`app.panels.composer.ComposerPanel` (it uses the panel's ``state``, ``view``,
``candidates``, ``undo_stack``, ``status_message``, ``_run``, ``_push``, ``_target``, ``play``
and ``_update_actions``). The alternatives list: the ranked candidates for the junction into a
block, N seeded variations, Audition (the candidate played and drawn ghosted in place) and
Accept. The edit bar: Lock ↔ Unlock, Delete, Insert, Regenerate. Each edit is a
:mod:`engine.dshl.chain` function run on the engine thread (a lock on the GUI thread) and pushed
as one :class:`~app.widgets.composer_commands.SetStateCommand`, so Edit > Undo/Redo work.
"""

from __future__ import annotations

import random
from typing import Any

from app.jobs import Job
from app.widgets.composer_commands import call
from app.widgets.piano_roll import Ghost
from engine.dshl import api, chain
from engine.dshl.chain import ChainState


class BlockEdits:
    """Candidates, variations, audition and accept; lock, delete, insert and regenerate."""

    state: ChainState | None
    view: Any
    candidates: Any
    status_message: Any

    def _run(self, *args: Any, **kwargs: Any) -> Job | None:  # provided by the panel
        raise NotImplementedError

    def _push(self, after: ChainState, text: str) -> None:  # provided by the panel
        raise NotImplementedError

    def _target(self) -> int | None:  # provided by the panel
        raise NotImplementedError

    def _update_actions(self) -> None:  # provided by the panel
        raise NotImplementedError

    def play(self, state: ChainState | None = None, first: int = 0,
             last: int | None = None) -> None:  # provided by the panel
        """Play blocks ``first``..``last - 1`` of ``state`` (the panel's transport does it)."""
        raise NotImplementedError

    # -- alternatives ----------------------------------------------------------------------
    def show_junction(self, position: int) -> Job | None:
        """List the ranked candidates for block ``position`` (the junction into it)."""
        self._update_actions()
        if self.state is None:
            return None
        self.view.set_ghost(None)
        return self._run(call, chain.candidates, self.state, position, 10, title="Candidates",
                         on_result=lambda items: self.candidates.show_candidates(position, items))

    def variations(self) -> Job | None:
        """Draw N distinct, seeded variations of the selected block into the list."""
        position = self._target()
        if self.state is None or position is None:
            return None
        count = self.candidates.variation_count.value()
        adventurousness = self.candidates.adventurousness.value() / 100.0
        seed = random.randrange(2**31 - 1)
        self.view.set_ghost(None)

        def show(items: list[api.ChainItem]) -> None:
            self.candidates.show_candidates(position, items, variations=True)
            self.status_message.emit(f"Composer: {len(items)} variations of block "
                                     f"{position + 1} (seed {seed}).")
        return self._run(call, chain.variations, self.state, position, count, adventurousness,
                         seed, title="Variations", on_result=show)

    def audition(self, row: int) -> Job | None:
        """Play candidate ``row`` in place, drawn ghosted over its block, without accepting it."""
        if self.state is None or self.candidates.position is None:
            return None
        position, item = self.candidates.position, self.candidates.items[row]

        def play(state: ChainState) -> None:
            start, end = state.spans[position]
            notes = tuple(n for n in state.notes if start <= n.start_beats < end)
            chords = tuple(c for c in state.chords if start <= c.start < end)
            self.view.set_ghost(Ghost(position, item.tune, notes, chords))
            self.play(state, max(0, position - 1), position + 1)
            fit = "" if item.fit is None else f", fit {item.fit}"
            self.status_message.emit(f"Composer: auditioning {item.tune}{fit} in block "
                                     f"{position + 1}; Accept keeps it.")
        return self._run(call, chain.accept, self.state, position, item.id, title="Audition",
                         on_result=play)

    def accept(self, row: int) -> Job | None:
        """Put candidate ``row`` into the chain (undoable)."""
        if self.state is None or self.candidates.position is None:
            return None
        position, item = self.candidates.position, self.candidates.items[row]
        return self._run(call, chain.accept, self.state, position, item.id, title="Accept",
                         on_result=lambda state: self._push(
                             state, f"block {position + 1} is now {item.tune} (locked: "
                                    "Regenerate keeps it)"))

    # -- the edit bar ----------------------------------------------------------------------
    def toggle_lock(self) -> None:
        """Lock or unlock the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is not None and block is not None:
            locking = block not in self.state.locked
            try:
                after = chain.set_lock(self.state, block, locking)
            except ValueError as exc:  # your edit stays locked
                self.status_message.emit(f"Composer: {exc}.")
                return
            self._push(after, f"{'locked' if locking else 'unlocked'} block {block + 1}")

    def delete_block(self) -> Job | None:
        """Delete the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is None or block is None:
            return None
        return self._run(call, chain.delete, self.state, block, title="Delete",
                         on_result=lambda state: self._push(state, f"deleted block {block + 1}"))

    def insert_block(self) -> Job | None:
        """Insert the best continuation after the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is None or block is None:
            return None
        return self._run(call, chain.insert, self.state, block + 1, title="Insert",
                         on_result=lambda state: self._push(state, f"inserted block {block + 2}"))

    def regenerate(self) -> Job | None:
        """Re-draw every unlocked block with a fresh seed (undoable; the seed box shows it)."""
        if self.state is None:
            return None
        seed = random.randrange(2**31 - 1)
        return self._run(call, chain.regenerate, self.state, seed, title="Regenerate",
                         on_result=lambda state: self._push(
                             state, f"regenerated unlocked blocks (seed {seed})"))
