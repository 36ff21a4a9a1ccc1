"""Run under a real X server (``xvfb-run``): drag the Composer's chain out of the "Drag MIDI"
handle with the mouse and drop it on a window that accepts file URLs and reads the ``.mid``.

The offscreen platform has no drag and drop (``QDrag.exec`` returns at once), so
``test_composer_panel.py`` runs this script in a subprocess. It prints one JSON object:
the pitches the drop target read, the pitches of the panel's chain and the drop action.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def sample_state():
    """A two-block chain state built by hand (so this process never loads torch)."""
    from engine.dshl import api, chain
    from engine.music.midi_export import RenderedNote

    items = [api.ChainItem(3, "tune-a", 0, 0, 0.0, False),
             api.ChainItem(8, "tune-b", 4, 1, 0.4, True, fit=61)]
    notes = tuple(RenderedNote(float(b), b + 1.0, 60 + b, 96, "melody") for b in range(8))
    notes += tuple(RenderedNote(0.0, 8.0, p, 64, "chords") for p in (48, 52, 55))
    return chain.ChainState(api.Chain(api.ComposeRequest(segments=2, seed=5), items), notes,
                            frozenset(), chain.chord_spans(notes))


def main() -> int:
    """Show a chain, drag it out, drop it; print what arrived."""
    app = QApplication(sys.argv[:1])
    from app.jobs import JobRunner
    from app.panels.composer import ComposerPanel
    from tests.app.test_composer_panel import DropTarget

    runner = JobRunner()
    panel = ComposerPanel(runner)
    panel.resize(1100, 600)
    panel.show()
    panel.set_state(sample_state())  # no model needed: the drag is what is under test
    target = DropTarget()
    target.resize(240, 160)
    target.move(1200, 100)
    target.show()
    QTest.qWaitForWindowExposed(target)

    def drop_on_target() -> None:  # runs inside QDrag.exec's own event loop
        window = target.windowHandle()
        QTest.mouseMove(window, QPoint(100, 80))
        QTest.mouseMove(window, QPoint(110, 80))
        QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPoint(110, 80))
    QTimer.singleShot(400, drop_on_target)
    handle = panel.drag_handle
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(10, 10))
    QTest.mouseMove(handle, QPoint(10 + 4 * QApplication.startDragDistance(), 10))
    received = [sorted(m.note for t in midi.tracks for m in t
                       if m.type == "note_on" and m.velocity) for midi in target.received]
    print(json.dumps({"received": received, "expected": sorted(n.pitch for n in
                                                                panel.state.notes)}), flush=True)
    panel.shutdown()
    runner.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
