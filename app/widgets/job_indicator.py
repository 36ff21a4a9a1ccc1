"""The status-bar job indicator: the running job's title, a progress bar and a Cancel button."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app import icons
from app.jobs import Job, JobRunner


class JobIndicator(QWidget):
    """Shows the newest active job of a :class:`JobRunner`; hidden when nothing runs."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setIcon(icons.get("cancel"))
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Cancel the running job (Ctrl+.)")
        self.cancel_button.clicked.connect(self.cancel_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.cancel_button):
            layout.addWidget(widget)
        self._current: Job | None = None
        runner.job_added.connect(self._track)
        runner.job_done.connect(self._refresh)
        self.setVisible(False)

    def _track(self, job: Job) -> None:
        job.progress.connect(lambda fraction, message, j=job: self._on_progress(j, fraction, message))
        self._refresh()

    def _refresh(self, *_: object) -> None:
        active = [j for j in self.runner.active if not j.done]
        self._current = active[-1] if active else None
        self.setVisible(self._current is not None)
        if self._current is not None:
            self.label.setText(self._current.title)
            self.bar.setRange(0, 0)  # busy until the first progress report

    def _on_progress(self, job: Job, fraction: float, message: str) -> None:
        if job is not self._current:
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.label.setText(f"{job.title}: {message}" if message else job.title)

    def cancel_current(self) -> None:
        """Cancel the job the indicator shows."""
        if self._current is not None:
            self._current.cancel()
            self.label.setText(f"{self._current.title}: cancelling…")
