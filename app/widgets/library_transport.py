"""The Library tab's transport: play/pause, stop and next over the built playlist (a play queue).

The buttons never take keyboard focus, and the panel maps Space to :meth:`Transport.toggle`, so
Space never presses a focused button. Opening and closing the audio stream may block, so they run
on the job runner's ``preview`` lane (through the ``submit`` the panel passes in); a timer polls
the engine player and moves on to the next track when one ends. Without an audio device Play
says so in the transport's line (and the status bar), never in a dialog: :func:`play_track`
returns the reason instead of raising, and the traceback goes to the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app import icons
from app.jobs import EngineModule
from engine.logsetup import get_logger

if TYPE_CHECKING:  # pragma: no cover - the playlists module loads SQLAlchemy
    from engine.library.playlists.items import PlaylistItem

LANE = "preview"
POLL_MS = 400
# engine.library.player (numpy, audio) loads with the first job that plays; its states are these.
player = EngineModule("engine.library.player")
STOPPED, PLAYING, PAUSED, ENDED = "stopped", "playing", "paused", "ended"
log = get_logger(__name__)


def play_track(path: str, start: float | None, progress: Any = None,
               cancelled: Any = None) -> tuple[bool, str]:
    """On the preview lane: play ``path`` from ``start`` seconds (None: where it was paused).

    Returns ``(True, status line)``, or ``(False, why)`` when it cannot play (no audio device,
    an unreadable file): a missing device is said in the transport, never as a job error.
    """
    from engine.library import player as engine_player
    from engine.library.preview import PreviewError

    try:
        if start is None:
            return True, engine_player.resume(path)
        return True, engine_player.play(path, start)
    except PreviewError as exc:
        log.info("cannot play %s", path, exc_info=True)
        return False, str(exc)


def preview_track(path: str, progress: Any = None, cancelled: Any = None) -> str:
    """On the preview lane: start the map's click-to-play preview of ``path``; return the status
    line, or why it cannot play (no audio device) instead of raising a job error."""
    from engine.library.preview import PreviewError, play_preview

    try:
        return play_preview(path)
    except PreviewError as exc:
        log.info("cannot preview %s", path, exc_info=True)
        return f"Cannot play the preview: {exc}"


class Transport(QWidget):
    """Play/Pause, Stop, Next and what is playing."""

    message = Signal(str)

    def __init__(self, submit: Callable[..., object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._submit = submit
        self.queue: list[PlaylistItem] = []
        self.index = 0
        self.state = STOPPED
        self.play_button = QPushButton("Play")
        self.stop_button = QPushButton("Stop")
        self.next_button = QPushButton("Next")
        for button, icon, tip in ((self.play_button, "play", "Play or pause the playlist (Space)"),
                                  (self.stop_button, "stop", "Stop"),
                                  (self.next_button, "next", "Next track")):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space is the panel's, not theirs
            button.setToolTip(tip)
            found = icons.get(icon) if hasattr(icons, "get") else None
            if found is not None and not found.isNull():
                button.setIcon(found)
        self.now = QLabel("Build a playlist, then Play (Space).")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.stop_button, self.next_button):
            layout.addWidget(widget)
        layout.addWidget(self.now, 1)
        self.play_button.clicked.connect(self.toggle)
        self.stop_button.clicked.connect(self.stop)
        self.next_button.clicked.connect(self.next)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._check)
        self._refresh()

    def set_queue(self, items: list[PlaylistItem]) -> None:
        """Use ``items`` as the play queue (from the top; what plays goes on until Stop/Next)."""
        self.queue = list(items)
        self.index = 0
        self._refresh()

    def current(self) -> PlaylistItem | None:
        """The queue's current track."""
        return self.queue[self.index] if 0 <= self.index < len(self.queue) else None

    def toggle(self) -> None:
        """Space: play, pause, or resume where it paused."""
        if self.state == PLAYING:
            self._run(player.pause, title="Pause")
            self.state = PAUSED
        elif self.current() is not None:
            self._start(resume=self.state == PAUSED)
        else:
            self.message.emit("Build a playlist first: the transport plays it.")
        self._refresh()

    def stop(self) -> None:
        """Stop and go back to the top of the queue."""
        self.poll.stop()
        if self.state != STOPPED:
            self._run(player.stop, title="Stop")
        self.state, self.index = STOPPED, 0
        self._refresh()

    def next(self) -> None:
        """Go on to the next track (playing it if the transport plays)."""
        if not self.queue:
            return
        if self.index + 1 >= len(self.queue):
            self.stop()
            self.message.emit("End of the playlist.")
            return
        self.index += 1
        if self.state == PLAYING:
            self._start()
        else:
            self.state = STOPPED
        self._refresh()

    def _start(self, resume: bool = False) -> None:
        """Play the current track from the top, or (``resume``) from where the engine paused it."""
        item = self.current()
        if item is None:
            return
        self.state = PLAYING
        self._run(play_track, item.path, None if resume else 0.0, title="Play",
                  then=self._started, failed=self._failed)
        self.poll.start()

    def _started(self, outcome: tuple[bool, str]) -> None:
        played, text = outcome
        if not played:
            self._failed()
            self.now.setText(f"Cannot play: {text}")
        self.message.emit(text if played else f"Cannot play: {text}")

    def _failed(self) -> None:
        self.poll.stop()
        self.state = STOPPED
        self._refresh()

    def _run(self, func, *args, title: str, then=None, failed=None) -> None:  # noqa: ANN001
        job = self._submit(func, *args, title=title, on_result=then, lane=LANE)
        if failed is not None and job is not None:
            job.error.connect(lambda *_: failed())

    def _check(self) -> None:
        status = player.status()
        if self.state == PLAYING and status.state == ENDED:
            self.next()

    def _refresh(self) -> None:
        self.play_button.setText("Pause" if self.state == PLAYING else "Play")
        item = self.current()
        for button in (self.play_button, self.stop_button, self.next_button):
            button.setEnabled(bool(self.queue))
        if item is None:
            self.now.setText("Build a playlist, then Play (Space).")
            return
        label = " – ".join(x for x in (item.artist, item.title) if x)
        verb = {PLAYING: "Playing", PAUSED: "Paused"}.get(self.state, "Next up")
        self.now.setText(f"{verb} {self.index + 1}/{len(self.queue)}: {label}")


class SpaceToPlay(QObject):
    """Space anywhere in ``panel`` calls ``toggle`` (as in the Composer), and never presses a
    focused button, check box or combo box: they accept Space before any shortcut sees it, so
    this filter takes it from them first."""

    def __init__(self, panel: QWidget, toggle: Callable[[], None]) -> None:
        super().__init__(panel)
        self.toggle = toggle
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), panel)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(toggle)
        for widget in panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Turn Space on a filtered widget into one ``toggle``."""
        kinds = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride)
        if event.type() in kinds and event.key() == Qt.Key.Key_Space and not event.modifiers():
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # the key press comes here (once), not to the shortcut
            elif event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
                self.toggle()
            return True
        return super().eventFilter(watched, event)
