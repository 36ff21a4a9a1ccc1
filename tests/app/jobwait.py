"""Waiting for a GUI job in tests without the check-then-wait race."""

from __future__ import annotations

WAIT = 60_000


def wait_job(qtbot, job, timeout: int = WAIT) -> None:  # noqa: ANN001
    """Wait until ``job`` has emitted its outcome, then let the GUI thread run its handlers.

    Checking ``job.done`` and then waiting for ``finished`` can miss a signal emitted in between
    (the wait then times out); ``signalled`` is set after the emission, so once it is true every
    queued handler is already posted and one pass of the event loop delivers them.
    """
    assert job is not None
    qtbot.waitUntil(lambda: job.signalled, timeout=timeout)
    qtbot.wait(1)
