"""The Composer's undo commands (Qt wrappers over the engine's chain edits) and engine-thread calls.

Every edit is computed by :mod:`engine.dshl.chain` (a pure function from one ``ChainState`` to
the next, run on the engine thread); :class:`SetStateCommand` swaps states on the undo stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.dshl.chain import ChainState
from engine.jobs import Cancelled
from engine.logsetup import get_logger

log = get_logger(__name__)


def call(func: Callable[..., Any], *args: Any, progress: Callable, cancelled: Callable) -> Any:
    """Run a plain engine function as a job (the runner passes progress/cancelled)."""
    return func(*args)


def preload_composer(*, progress: Callable, cancelled: Callable) -> dict[str, list[str]]:
    """On the engine thread once the window shows: load torch, the composer model and the bundled
    collection, so the first Compose is quick; return the collections' meters for the menus.

    A model that cannot load is left for the first Compose to report (in its own words).
    """
    from engine.dshl import api, store

    progress(0.0, "loading the composer model")
    try:
        store.load_collection()
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - an optimisation: Compose says what is wrong
        log.info("the composer model did not preload: %s", exc)
    return api.collection_meters()


class SetStateCommand(QUndoCommand):
    """Swap the panel's state; undo restores the previous one.

    ``controls`` (optional: a setter and the settings before and after) also puts the panel's
    controls back, for an edit that changed them (continuing a phrase follows its key and meter).
    """

    def __init__(self, apply: Callable[[ChainState | None], None], before: ChainState | None,
                 after: ChainState, text: str,
                 controls: tuple[Callable[[Any], object], Any, Any] | None = None) -> None:
        super().__init__(text)
        self._apply = apply
        self._before = before
        self._after = after
        self._controls = controls

    def redo(self) -> None:
        """Show the new state."""
        if self._controls is not None:
            self._controls[0](self._controls[2])
        self._apply(self._after)

    def undo(self) -> None:
        """Show the previous state."""
        if self._controls is not None:
            self._controls[0](self._controls[1])
        self._apply(self._before)


class MergingStateCommand(SetStateCommand):
    """A :class:`SetStateCommand` that merges into the one before it when both belong to the
    same ``run`` (the taps of one tap-tempo run are one undoable change: undo goes back to the
    tempo before the first tap)."""

    MERGE_ID = 0x7A9

    def __init__(self, apply: Callable[[ChainState | None], None], before: ChainState | None,
                 after: ChainState, text: str,
                 controls: tuple[Callable[[Any], object], Any, Any] | None = None,
                 run: object = None) -> None:
        super().__init__(apply, before, after, text, controls)
        self.run = run

    def id(self) -> int:  # noqa: A003 - Qt API
        """Commands of this kind may merge."""
        return self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        """Take ``other``'s new state (and controls) when it belongs to the same run."""
        if not isinstance(other, MergingStateCommand) or other.run != self.run:
            return False
        self._after = other._after
        if self._controls is not None and other._controls is not None:
            self._controls = (self._controls[0], self._controls[1], other._controls[2])
        self.setText(other.text())
        return True
