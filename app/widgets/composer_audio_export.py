"""The Composer's audio without a device: File > Export audio… and the inline "cannot play" note.

:class:`AudioExportMixin` gives the Composer panel ``export_audio()`` (a save dialog for WAV, FLAC
or Ogg, then a job on its own ``"render"`` lane with progress and Cancel in the status bar) and
``export_audio_to(path)``; the work is :func:`engine.playback.render.render_state`, imported when
the job runs so the window opens without numpy. :class:`PlaybackNotice` is the line above the
roll that says, once and without a dialog, why nothing can play here (which backends were tried,
how to start one) and offers "Export audio…"; when the synth plays through an audio device
instead of the chosen output, it says that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QToolButton,
    QWidget,
)

from app.jobs import EngineModule, Job
from engine.playback.outputs import START_HINT

if TYPE_CHECKING:  # pragma: no cover - the engine module loads numpy and soundfile
    from engine.playback.render import Rendered

render = EngineModule("engine.playback.render")
LANE = "render"
SUFFIXES = (".wav", ".flac", ".ogg")
FILTERS = {"WAV audio (*.wav)": ".wav", "FLAC audio (*.flac)": ".flac",
           "Ogg Vorbis audio (*.ogg)": ".ogg"}


def with_suffix(path: str | Path, chosen_filter: str = "") -> Path:
    """``path`` with the extension of the chosen filter when it has none of the audio ones."""
    path = Path(path)
    if path.suffix.lower() in SUFFIXES:
        return path
    return path.with_name(path.name + FILTERS.get(chosen_filter, ".wav"))


def notice_text(problem: str, fallback: bool) -> str:
    """What the inline note says about ``problem`` (``fallback``: the synth plays instead)."""
    problem = problem.rstrip(". ")
    if fallback:
        return (f"{problem}. Playing through the internal synth on the audio device instead; "
                f"for MIDI, {START_HINT}, then press ↻.")
    return (f"Cannot play here: {problem}. To hear it, {START_HINT} or connect an audio device, "
            "then press ↻; or Export audio… renders the chain to a file.")


class PlaybackNotice(QFrame):
    """A line above the roll: why nothing (or only the fallback synth) can play, and the
    "Export audio…" offer; hidden while the chosen output plays."""

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playback_notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export audio…")
        self.export_button.setToolTip("Render the chain to a WAV, FLAC or Ogg file through the "
                                      "internal synth (File > Export audio…)")
        self.export_button.clicked.connect(self.export_requested)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip("Hide this note")
        self.close_button.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.export_button)
        row.addWidget(self.close_button)
        self.setVisible(False)

    def show_problem(self, problem: str, fallback: bool = False) -> str:
        """Show the note for ``problem``; return its text."""
        text = notice_text(problem, fallback)
        self.label.setText(text)
        self.label.setToolTip(text)
        self.export_button.setVisible(not fallback)
        self.setVisible(True)
        return text


class AudioExportMixin:
    """File > Export audio… for the Composer panel (which provides ``state``, ``runner`` and
    ``status_message``)."""

    audio_job: Job | None = None
    last_audio_export: Path | None = None

    def export_audio(self, tabs: QTabWidget | None = None) -> Job | None:
        """Ask where to write the chain's audio (WAV, FLAC or Ogg), then render it as a job.

        ``tabs`` (the main window's) is switched to this panel first.
        """
        panel: Any = self
        if tabs is not None:
            tabs.setCurrentWidget(panel)
        if panel.state is None:
            panel.status_message.emit("Composer: compose a chain before exporting its audio.")
            return None
        start = self.last_audio_export or Path("chain.wav")
        path, chosen = QFileDialog.getSaveFileName(panel, "Export audio", str(start),
                                                   ";;".join(FILTERS))
        if not path:
            return None
        return self.export_audio_to(with_suffix(path, chosen))

    def export_audio_to(self, path: str | Path) -> Job | None:
        """Render the chain to ``path`` on the "render" lane; the status line says where it went
        (the job indicator shows progress and Cancel)."""
        panel: Any = self
        if panel.state is None:
            panel.status_message.emit("Composer: compose a chain before exporting its audio.")
            return None
        if self.audio_job is not None:
            panel.status_message.emit("Composer: still exporting audio (Cancel: Ctrl+.)…")
            return None
        path = Path(path)
        say = panel.status_message.emit
        job = panel.runner.prepare(render.render_state, panel.state, path, title="Export audio")
        job.result.connect(self._audio_exported)
        job.error.connect(lambda text, _details: say(f"Composer: export audio failed: {text}"))
        job.cancelled.connect(lambda: say(f"Composer: audio export cancelled; {path.name} was "
                                          "not written."))
        job.finished.connect(lambda: setattr(self, "audio_job", None))
        self.audio_job = job
        say(f"Composer: rendering {path.name}…")
        panel.runner.start(job, lane=LANE)
        return job

    def _audio_exported(self, done: Rendered) -> None:
        self.last_audio_export = Path(done.path)
        self.status_message.emit(  # type: ignore[attr-defined]
            f"Composer: exported audio to {done.path} ({done.format}, {done.seconds:.1f} s).")
