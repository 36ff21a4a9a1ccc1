"""The Library panel under test, shared by ``test_library_panel.py`` and ``test_library_tags.py``.

:func:`library_panel` is the body of each file's ``panel`` fixture: a :class:`JobRunner` and a
:class:`LibraryPanel` with the demo-track offer delayed by ``demo_delay_ms``, first waited idle and
shut down after the test. :func:`wait_idle` is each file's ``idle`` helper; the files pass their own
delay and wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from app.jobs import JobRunner
from app.panels.library import LibraryPanel

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def wait_idle(qtbot: QtBot, panel: LibraryPanel, timeout: int) -> None:
    """Wait until the panel's first load, every job and any scan have finished."""
    qtbot.waitUntil(lambda: not panel.first_load.isActive() and not panel.jobs  # each finished
                    and panel.scan_job is None, timeout=timeout)  # handler is a separate event


def library_panel(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, demo_delay_ms: int,
                  timeout: int) -> Iterator[LibraryPanel]:
    """Yield an idle :class:`LibraryPanel` on its own :class:`JobRunner`; shut both down after."""
    monkeypatch.setattr("app.panels.library.DEMO_DELAY_MS", demo_delay_ms)
    runner = JobRunner()
    widget = LibraryPanel(runner)
    qtbot.addWidget(widget)
    wait_idle(qtbot, widget, timeout)
    yield widget
    widget.shutdown()
    runner.shutdown()
