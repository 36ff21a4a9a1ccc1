"""The contract between long engine work and whoever runs it (the GUI's job runner or the CLI).

Long engine functions take ``progress(fraction, message)`` and ``cancelled()`` callables and
call :func:`check_cancelled` between steps. They stay Qt-free and are tested without Qt.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside engine work when the user cancelled it; runners treat it as a clean stop."""


def no_progress(fraction: float, message: str = "") -> None:
    """A progress callback that ignores reports (the default for library calls)."""


def never_cancelled() -> bool:
    """A cancel check that never cancels (the default for library calls)."""
    return False


def check_cancelled(cancelled: CancelledFn) -> None:
    """Raise :class:`Cancelled` if ``cancelled()`` says so."""
    if cancelled():
        raise Cancelled()


def scaled_progress(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    """Map a sub-task's 0..1 progress onto ``start..end`` of the parent's progress."""

    def report(fraction: float, message: str = "") -> None:
        progress(start + (end - start) * max(0.0, min(1.0, fraction)), message)

    return report
