"""The Composer's undo commands: Qt wrappers over the engine's chain edits.

Every edit is computed by :mod:`engine.dshl.chain` (a pure function from one ``ChainState`` to
the next, run on the engine thread); :class:`SetStateCommand` swaps states on the undo stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.dshl.chain import ChainState


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
