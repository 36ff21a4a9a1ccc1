"""The Composer's undoable state: a chain, its notes and its locked positions, and chain edits.

Every edit is a pure function from one :class:`ChainState` to the next, computed on the engine
thread through ``engine.dshl.api``; :class:`SetStateCommand` swaps states on the undo stack.
The API has no insert/delete, so they are composed here from ``candidates`` and ``replace``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.dshl import api


def segment_beats() -> float:
    """Beats per segment (the engine's constant; every segment has the same length)."""
    try:
        from engine.music.segments import SEGMENT_BEATS
    except ImportError:  # pragma: no cover - the constant moved: fall back to one bar
        return 4.0
    return float(SEGMENT_BEATS)


def source_beat(item: api.ChainItem) -> int:
    """The 1-based beat of its source tune where a segment starts (segments start every hop)."""
    try:
        from engine.music.segments import HOP_BEATS
    except ImportError:  # pragma: no cover
        HOP_BEATS = 2  # noqa: N806
    return int(item.position * HOP_BEATS) + 1


@dataclass(frozen=True)
class ChainState:
    """What the panel shows and undo restores."""

    chain: api.Chain
    notes: tuple[api.NoteEvent, ...]
    locked: frozenset[int] = field(default_factory=frozenset)

    @property
    def spans(self) -> list[tuple[float, float]]:
        """Each block's ``(start, end)`` in beats."""
        beats = segment_beats()
        return [(k * beats, (k + 1) * beats) for k in range(len(self.chain.items))]

    @property
    def total_beats(self) -> float:
        """The chain's length in beats."""
        return len(self.chain.items) * segment_beats()


def _state(chain: api.Chain, locked: frozenset[int]) -> ChainState:
    request = dataclasses.replace(chain.request, segments=len(chain.items),
                                  locked={k: chain.items[k].id for k in sorted(locked)
                                          if k < len(chain.items)})
    chain = api.Chain(request=request, items=list(chain.items))
    return ChainState(chain, tuple(api.chain_notes(chain)), frozenset(locked))


def compose_state(request: api.ComposeRequest, progress: Callable, cancelled: Callable
                  ) -> ChainState:
    """Compose a new chain (engine thread)."""
    return _state(api.compose(request, progress=progress, cancelled=cancelled), frozenset())


def replace_state(state: ChainState, position: int, segment_id: int) -> ChainState:
    """Put segment ``segment_id`` at ``position``."""
    return _state(api.replace(state.chain, position, segment_id), state.locked)


def regenerate_state(state: ChainState, seed: int | None) -> ChainState:
    """Re-draw every unlocked block."""
    chain = api.regenerate(state.chain, set(state.locked), seed)
    return _state(chain, state.locked)


def delete_state(state: ChainState, position: int) -> ChainState:
    """Remove block ``position`` and re-measure the join that closes the gap."""
    items = [it for k, it in enumerate(state.chain.items) if k != position]
    if not items:
        raise ValueError("a chain needs at least one block")
    locked = frozenset(k - (k > position) for k in state.locked if k != position)
    chain = api.Chain(request=state.chain.request, items=items)
    if position < len(items):
        chain = api.replace(chain, position, items[position].id)
    return _state(chain, locked)


def insert_state(state: ChainState, position: int) -> ChainState:
    """Insert the best continuation of block ``position - 1`` as a new block at ``position``."""
    items = list(state.chain.items)
    placeholder = items[max(0, position - 1)]
    items.insert(position, placeholder)
    chain = api.Chain(request=state.chain.request, items=items)
    ranked = api.candidates(chain, position, limit=1)
    if not ranked:
        raise ValueError("no segment can continue this block")
    chain = api.replace(chain, position, ranked[0].id)
    if position + 1 < len(chain.items):
        chain = api.replace(chain, position + 1, chain.items[position + 1].id)
    locked = frozenset(k + (k >= position) for k in state.locked)
    return _state(chain, locked)


def toggle_lock_state(state: ChainState, position: int) -> ChainState:
    """Lock or unlock block ``position`` (locked blocks survive Regenerate)."""
    return dataclasses.replace(state, locked=state.locked ^ {position})


def call(func: Callable[..., Any], *args: Any, progress: Callable, cancelled: Callable) -> Any:
    """Run a plain engine function as a job (the runner passes progress/cancelled)."""
    return func(*args)


class SetStateCommand(QUndoCommand):
    """Swap the panel's state; undo restores the previous one."""

    def __init__(self, apply: Callable[[ChainState | None], None], before: ChainState | None,
                 after: ChainState, text: str) -> None:
        super().__init__(text)
        self._apply = apply
        self._before = before
        self._after = after

    def redo(self) -> None:
        """Show the new state."""
        self._apply(self._after)

    def undo(self) -> None:
        """Show the previous state."""
        self._apply(self._before)
