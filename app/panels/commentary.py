"""The Commentary panel: music commentary from typed tags or a library track, VAE | GAN side by side.

Type tags (completed from the model's 100-tag vocabulary) or pick a library track and derive its
tags (shown with their reasons, editable), then Generate: N samples in two columns for the same
latent z, the plain CVAE and the LC-GAN-refined one. Regenerate a row, interpolate between two rows
(a 6-sentence homotopy), keep favourites (stored in the library DB, listed again next time), copy
and export as text. All model work runs on the engine lane; library reads and writes on the
"library" lane; the panel never blocks. Table changes go through the undo stack.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QGuiApplication, QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.jobs import EngineModule, Job, JobRunner
from app.panels.base import Panel
from app.widgets.commentary_samples import SamplesTable
from app.widgets.commentary_tags import TagEdit
from engine.atomic import atomic_write_text
from engine.project.model import section_from_dict, section_to_dict

if TYPE_CHECKING:  # pragma: no cover
    from engine.commentary.service import CommentResult, Pair

# Imported by the jobs that use them (numpy, SQLAlchemy, torch), not with the window.
service = EngineModule("engine.commentary.service")
library = EngineModule("engine.library.service")


def _plain(func: Any) -> Any:
    """Wrap a library function that takes no progress/cancelled arguments for the job runner."""
    def run(*args: Any, progress: Any = None, cancelled: Any = None, **kwargs: Any) -> Any:
        return func(*args, **kwargs)
    return run


def _pair(vae: str, gan: str, z: list[float]) -> Pair:
    """A sample pair from a project (the service module loads when a project is opened)."""
    from engine.commentary.service import Pair

    return Pair(vae, gan, z)


class SamplesCommand(QUndoCommand):
    """Replace the shown samples (and back on undo)."""

    def __init__(self, panel: CommentaryPanel, before: list[Pair], after: list[Pair], text: str):
        super().__init__(text)
        self.panel, self.before, self.after = panel, list(before), list(after)

    def redo(self) -> None:
        """Show the new samples."""
        self.panel.table.set_pairs(self.after)

    def undo(self) -> None:
        """Show the old samples."""
        self.panel.table.set_pairs(self.before)


class CommentaryPanel(Panel):
    """Generate descriptive commentary about a track or a set of tags."""

    title = "Commentary"
    object_name = "commentary_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None,
                 models: str | Path | None = None, library_path: str | Path | None = None) -> None:
        super().__init__(runner, parent)
        self.models = models
        self.library_path = library_path
        self.kept: list[str] = []
        self.derived: dict[str, str] = {}
        self._closed = False
        self._loaded = False
        self._busy = 0
        self.read_only = False  # SEGUE_HOME (and the library in it) cannot be written
        self._build()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Load the models, tracks and favourites the first time the panel is shown."""
        super().showEvent(event)
        if not self._loaded:
            self.load()

    # ----------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.track = QComboBox()
        self.track.addItem("(no track: typed tags only)", None)
        self.derive_button = QPushButton("Derive tags")
        self.derive_button.clicked.connect(self.derive)
        self.derived_label = QLabel("")
        self.derived_label.setWordWrap(True)
        self.tags = TagEdit()
        self.count, self.seed = _spin(1, 12, 5), _spin(0, 2**31 - 1, 1)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 1.5)
        self.temperature.setSingleStep(0.1)
        self.temperature.setSpecialValueText("greedy")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.tags.returnPressed.connect(self.generate)
        grid = QGridLayout()
        grid.addWidget(QLabel("Library track"), 0, 0)
        grid.addWidget(self.track, 0, 1, 1, 5)
        grid.addWidget(self.derive_button, 0, 6)
        grid.addWidget(QLabel("Tags"), 1, 0)
        grid.addWidget(self.tags, 1, 1, 1, 6)
        grid.addWidget(self.derived_label, 2, 1, 1, 6)
        for col, (label, widget) in enumerate((("Samples", self.count),
                                               ("Temperature", self.temperature),
                                               ("Seed", self.seed))):
            grid.addWidget(QLabel(label), 3, 2 * col)
            grid.addWidget(widget, 3, 2 * col + 1)
        grid.addWidget(self.generate_button, 3, 6)
        self.topic_label = QLabel("Loading the commentary models…")
        self.topic_label.setWordWrap(True)
        self.table = SamplesTable()
        buttons = QHBoxLayout()
        self.regen_button = QPushButton("Regenerate row")
        self.interp_button = QPushButton("Interpolate (2 rows)")
        self.keep_button = QPushButton("Keep ★")
        self.copy_button = QPushButton("Copy")
        self.export_button = QPushButton("Export…")
        for button, slot in ((self.regen_button, self.regenerate_selected),
                             (self.interp_button, self.interpolate_selected),
                             (self.keep_button, self.keep_selected), (self.copy_button, self.copy),
                             (self.export_button, self.export)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.favourites = QListWidget()
        self.favourites.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        top_layout.addLayout(buttons)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("Kept commentary (stored in your library)"))
        bottom_layout.addWidget(self.favourites)
        splitter = QSplitter()
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.topic_label)
        layout.addWidget(splitter, 1)

    # ----------------------------------------------------------------- jobs
    def load(self) -> None:
        """Ask for the model vocabulary, the library tracks and the kept favourites."""
        self._loaded = True
        self._run(service.model_info, self.models, title="Loading commentary models",
                  done=self._on_info)
        if self.read_only:
            return
        self._run(library.list_tracks, self.library_path, title="Listing tracks", lane="library",
                  done=self._on_tracks)
        self.refresh_favourites()

    def refresh_favourites(self) -> Job:
        """Re-read the kept commentary from the library DB."""
        return self._run(_plain(library.list_favourites), self.library_path, lane="library",
                         title="Listing kept commentary", done=self._on_favourites)

    def set_read_only(self, reason: str) -> None:
        """The library is in SEGUE_HOME: no tracks to derive tags from; Keep ★ keeps sentences in
        the project only."""
        self.read_only = True
        for widget in (self.track, self.derive_button):
            widget.setEnabled(False)
            widget.setToolTip(f"Off: the library is in SEGUE_HOME ({reason}).")
        self.keep_button.setToolTip("Keeps sentences in this project (the library is read-only).")

    def _on_info(self, info: dict) -> None:
        self.tags.set_vocabulary(info["tags"])
        self.topic_label.setText("The GAN column steers toward the topic: "
                                 + " ".join(info["target_words"]))

    def _on_tracks(self, rows: list) -> None:
        for row in rows:
            label = " – ".join(x for x in (row.artist, row.title) if x) or Path(row.path).name
            self.track.addItem(label, row.id)

    def _on_favourites(self, rows: list) -> None:
        self.favourites.clear()
        self.favourites.addItems([text for _id, text, _track in rows])

    def derive(self) -> Job | None:
        """Derive tags from the chosen track (genre and analysed features), shown with reasons."""
        track_id = self.track.currentData()
        if track_id is None:
            self._say("Pick a library track first.")
            return None
        return self._run(service.derive_track_tags, track_id, self.models, self.library_path,
                         title="Deriving tags", lane="library", done=self._on_derived)

    def _on_derived(self, found: Any) -> None:
        self.derived = dict(found.derived)
        self.tags.setText(", ".join(found.tags))
        source = "analysed features and genre" if found.analysed else "file tags (not analysed)"
        reasons = "; ".join(f"{t} ← {why}" for t, why in found.derived.items()) or "no tags found"
        self.derived_label.setText(f"Derived from {source}: {reasons}. Edit before generating.")

    def generate(self) -> Job:
        """Write N pairs for the typed tags."""
        return self._run(service.comment, self.tags.tags(), self.count.value(), None,
                         self.temperature.value(), self.seed.value(), self.models,
                         title="Writing commentary", done=self._on_generated, busy=True)

    def _on_generated(self, result: CommentResult) -> None:
        note = f"Ignored unknown tags: {', '.join(result.unknown_tags)}. " if result.unknown_tags else ""
        used = ", ".join(result.tags) or "none (unconditioned)"
        self._say(f"{note}Tags used: {used}.")
        self._apply(result.pairs, "Generate commentary")

    def regenerate_selected(self) -> Job | None:
        """Replace the selected row by a pair from a fresh latent."""
        rows = self.table.selected_rows()
        if not rows:
            self._say("Select a row to regenerate.")
            return None
        row = rows[0]

        def done(pair: Pair) -> None:
            after = list(self.table.pairs)
            if row < len(after):
                after[row] = pair
                self._apply(after, "Regenerate commentary")
        return self._run(service.regenerate, self.tags.tags(), self.temperature.value(),
                         random.randrange(2**31), self.models, title="Regenerating", done=done,
                         busy=True)

    def interpolate_selected(self) -> Job | None:
        """Replace the table by a 6-sentence homotopy between the two selected rows."""
        rows = self.table.selected_rows()
        if len(rows) != 2:
            self._say("Select two rows to interpolate between.")
            return None
        a, b = (self.table.pairs[r].z for r in rows)
        return self._run(service.interpolate, a, b, self.tags.tags(), 6, self.models,
                         title="Interpolating", busy=True,
                         done=lambda pairs: self._apply(pairs, "Interpolate commentary"))

    def keep_selected(self) -> Job | None:
        """Store the selected sentence(s) as favourites, with the chosen track if any."""
        texts = self.table.selected_texts()
        if not texts:
            self._say("Select a sentence to keep.")
            return None
        track_id = self.track.currentData()
        self.kept += texts
        if self.read_only:
            self.favourites.addItems(texts)
            self._say(f"Kept {len(texts)} sentence(s) in this project (the library is read-only).")
            return None

        def keep_all(progress: Any = None, cancelled: Any = None) -> int:
            for text in texts:
                library.add_favourite(text, track_id, self.library_path)
            return len(texts)
        return self._run(keep_all, title="Keeping commentary", lane="library",
                         done=lambda n: (self._say(f"Kept {n} sentence(s)."),
                                         self.refresh_favourites()))

    def _run(self, func: Any, *args: Any, title: str, done: Any, lane: str = "engine",
             busy: bool = False) -> Job:
        job = self.runner.prepare(func, *args, title=title)
        job.result.connect(lambda value: None if self._closed else done(value))
        job.error.connect(lambda message, _details: self._failed(title, message))
        if busy:
            self._set_busy(+1)
            job.finished.connect(lambda: self._set_busy(-1))
        self.runner.start(job, lane=lane)
        return job

    def _failed(self, title: str, message: str) -> None:
        if not self._closed and title == "Loading commentary models":
            self.topic_label.setText(f"The commentary models could not load: {message}")
        self._say(f"{title} failed: {message}")

    def _set_busy(self, delta: int) -> None:
        if self._closed:
            return
        self._busy += delta
        for button in (self.generate_button, self.regen_button, self.interp_button):
            button.setEnabled(self._busy == 0)

    def _apply(self, after: list[Pair], text: str) -> None:
        self.undo_stack.push(SamplesCommand(self, self.table.pairs, after, text))

    # ----------------------------------------------------------------- text out
    def copy(self) -> None:
        """Copy the selected sentences (or all rows) to the clipboard."""
        text = "\n".join(self.table.selected_texts()) or self.table.as_text()
        QGuiApplication.clipboard().setText(text)
        self._say("Copied.")

    def export(self) -> None:
        """File > Export…: save the samples and the kept sentences as text."""
        path, _ = QFileDialog.getSaveFileName(self, "Export commentary", "commentary.txt",
                                              "Text (*.txt)")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> Path:
        """Write the samples (VAE | GAN) and the kept sentences to ``path`` atomically."""
        lines = [f"Tags: {', '.join(self.tags.tags()) or '(none)'}", "", self.table.as_text()]
        if self.kept:
            lines += ["", "Kept:"] + self.kept
        atomic_write_text(path, "\n".join(lines) + "\n")
        self._say(f"Exported to {path}.")
        return Path(path)

    # ----------------------------------------------------------------- projects
    def project_state(self) -> dict[str, Any]:
        """The ``commentary`` section of a project: tags, the shown samples and the kept sentences."""
        samples: list[dict[str, Any]] = [{"vae": p.vae, "gan": p.gan, "z": p.z}
                                         for p in self.table.pairs]
        samples += [{"text": text, "kept": True} for text in self.kept]
        return section_to_dict(section_from_dict(
            "commentary", {"tags": self.tags.tags(), "samples": samples}))

    def apply_project_state(self, state: dict[str, Any]) -> list[str]:
        """Show a project's ``commentary`` section (undo history starts afresh); return warnings."""
        section = section_from_dict("commentary", state)
        self.tags.setText(", ".join(section.tags))
        pairs, kept, warnings = [], [], []
        for k, sample in enumerate(section.samples):
            if sample.get("kept") and isinstance(sample.get("text"), str):
                kept.append(sample["text"])
            elif isinstance(sample.get("vae"), str) and isinstance(sample.get("gan"), str):
                z = sample.get("z", [])
                z = [float(x) for x in z] if isinstance(z, list) and all(
                    isinstance(x, (int, float)) for x in z) else []
                pairs.append(_pair(sample["vae"], sample["gan"], z))
            else:
                warnings.append(f"commentary.samples[{k}]: not a sample, skipped")
        self.table.set_pairs(pairs)
        self.undo_stack.clear()
        self.kept = kept
        return warnings

    def _say(self, message: str) -> None:
        if not self._closed:
            self.status_message.emit(message)

    def shutdown(self) -> None:
        """Ignore results that arrive after the window closed."""
        self._closed = True


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box
