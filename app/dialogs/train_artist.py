"""Lyrics > Add artist…: train a new artist from the user's lyric files in the background.

The dialog collects a name, files or folders and a time budget, then runs
:func:`engine.lyrics.service.train` on the job runner's ``training`` lane (so duets stay responsive),
showing a progress bar, the engine's messages and a time estimate. Cancel stops the job at its next
check; the engine keeps a resume file, so training the same name again continues where it stopped.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs import Job, JobRunner
from engine.lyrics import service


class TrainArtistDialog(QDialog):
    """Collects name + files, trains on the ``training`` lane, reports progress; emits ``trained``."""

    trained = Signal(object)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add artist")
        self.runner = runner
        self.job: Job | None = None
        self._started = 0.0
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. My Band")
        self.files = QListWidget()
        add_files = QPushButton("Add files…")
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self._add_folder)
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.5, 240.0)
        self.minutes.setValue(15.0)
        self.minutes.setSuffix(" min")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.message = QLabel("UTF-8 text, one lyric line per line, a blank line between songs.")
        self.message.setWordWrap(True)
        self.eta = QLabel("")
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(add_files)
        file_buttons.addWidget(add_folder)
        form.addRow("Lyrics", self.files)
        form.addRow("", _wrap(file_buttons))
        form.addRow("Time budget", self.minutes)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.eta)
        layout.addLayout(buttons)

    def add_paths(self, paths: list[str]) -> None:
        """Add files or folders to the list (skipping ones already there)."""
        present = {self.files.item(i).text() for i in range(self.files.count())}
        for path in paths:
            if path and path not in present:
                self.files.addItem(path)

    def paths(self) -> list[str]:
        """The chosen files and folders."""
        return [self.files.item(i).text() for i in range(self.files.count())]

    def _add_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, "Lyric files", "", "Text (*.txt);;All files (*)")
        self.add_paths(chosen)

    def _add_folder(self) -> None:
        self.add_paths([QFileDialog.getExistingDirectory(self, "Folder of lyric files")])

    def start(self) -> None:
        """Validate the form and start training in the background."""
        name, paths = self.name_edit.text().strip(), self.paths()
        if not name or not paths:
            self.message.setText("Give the artist a name and at least one file or folder.")
            return
        self.job = self.runner.prepare(service.train, name, paths, minutes=self.minutes.value(),
                                       title=f"Training artist {name}")
        self.job.progress.connect(self._on_progress)
        self.job.result.connect(self._on_result)
        self.job.error.connect(self._on_error)
        self.job.cancelled.connect(self._on_cancelled)
        self.job.finished.connect(self._on_finished)
        self._started = time.monotonic()
        self.train_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.message.setText(f"Training {name}…")
        self.runner.start(self.job, lane="training")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.message.setText(message)
        elapsed = time.monotonic() - self._started
        if fraction > 0.02:
            left = elapsed * (1 - fraction) / fraction
            self.eta.setText(f"Elapsed {_fmt(elapsed)}, about {_fmt(left)} left")

    def _on_result(self, info: object) -> None:
        metrics = getattr(info, "metrics", {})
        self.progress.setValue(1000)
        self.message.setText(
            f"Done: {getattr(info, 'name', '')} scores {metrics.get('val_nats_per_char', 0):.3f} "
            f"nats/char on held-out songs ({metrics.get('origin', '')})."
        )
        self.trained.emit(info)

    def _on_error(self, message: str, details: str) -> None:
        self.message.setText(f"Training failed: {message}")

    def _on_cancelled(self) -> None:
        self.message.setText("Cancelled. Train the same name again to resume.")

    def _on_finished(self) -> None:
        self.job = None
        self.train_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.message.setText("Cancelling…")
        else:
            self.accept()

    def reject(self) -> None:
        """Closing the dialog cancels a running training."""
        if self.job is not None:
            self.job.cancel()
        super().reject()


def _wrap(layout: QHBoxLayout) -> QWidget:
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget


def _fmt(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
