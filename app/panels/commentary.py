"""The Commentary panel: paragraphs about typed tags or a library track, VAE | GAN side by side.

Type any tags (completed from the model's tag vocabulary; each typed tag is shown as it was
understood, and a tag with no match is named with the nearest known tags) or pick a library
track and derive its tags (heard by the music tagger and read from its features and genre, each
with its evidence, checkable), then Generate: N paragraphs in two columns for the same latent z,
the plain CVAE and the LC-GAN-refined one. Regenerate a row, interpolate between two rows (a
6-paragraph homotopy), keep favourites (stored in the library DB, listed again next time), copy
and export as text. All model work runs on the engine lane; library reads and writes on the
"library" lane; the panel never blocks. Table changes go through the undo stack.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.jobs import EngineModule, Job, JobRunner
from app.panels.base import Panel
from app.widgets.commentary_controls import CommentaryControls
from app.widgets.commentary_samples import SamplesCommand, SamplesTable
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


def _pair(sample: dict[str, Any]) -> Pair:
    """A sample pair from a project (the service module loads when a project is opened)."""
    from engine.commentary.service import Pair

    z, seed, plan = sample.get("z", []), sample.get("seed", 1), sample.get("plan", [])
    z = [float(x) for x in z] if isinstance(z, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in z) else []
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else 1
    plan = plan if isinstance(plan, list) and all(
        isinstance(tags, list) and all(isinstance(t, str) for t in tags) for tags in plan) else []
    return Pair(sample["vae"], sample["gan"], z, plan, seed)


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
        self.derived_tags: dict[str, str] = {}
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
        self.controls = controls = CommentaryControls()
        self.track, self.derive_button = controls.track, controls.derive_button
        self.derived_label, self.derived = controls.derived_label, controls.derived
        self.tags, self.understood = controls.tags, controls.understood
        self.count, self.seed = controls.count, controls.seed
        self.temperature, self.generate_button = controls.temperature, controls.generate_button
        self.derive_button.clicked.connect(self.derive)
        self.generate_button.clicked.connect(self.generate)
        self.tags.returnPressed.connect(self.generate)
        self._understand_timer = QTimer(self, singleShot=True, interval=350)
        self._understand_timer.timeout.connect(self.understand)
        self.tags.textChanged.connect(lambda _text: self._understand_timer.start())
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
        layout.addWidget(controls)
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
        if "decoding" in info:  # the model's own sampling temperature
            self.temperature.setValue(float(info["decoding"]["temperature"]))
        self.topic_label.setText("The GAN column steers toward the topic: "
                                 + " ".join(info["target_words"]))
        self.understand()

    def understand(self) -> Job | None:
        """Show how each typed tag is understood (a quick job on the engine lane)."""
        if not self.tags.vocabulary():
            return None  # the models are not loaded yet (or could not load)
        text = self.tags.text()
        if not self.tags.tags():
            self.understood.show_items([])
            return None

        def shown(items: list) -> None:
            """Show the answer unless the tags changed meanwhile."""
            if self.tags.text() == text:
                self.understood.show_items(items)
        return self._run(service.understand_tags, text, self.models, title="Reading tags",
                         done=shown)

    def _on_tracks(self, rows: list) -> None:
        for row in rows:
            label = " – ".join(x for x in (row.artist, row.title) if x) or Path(row.path).name
            self.track.addItem(label, row.id)

    def _on_favourites(self, rows: list) -> None:
        self.favourites.clear()
        self.favourites.addItems([text for _id, text, _track in rows])

    def derive(self) -> Job | None:
        """Derive tags heard in the chosen track (tagger, features, genre), each with evidence."""
        track_id = self.track.currentData()
        if track_id is None:
            self._say("Pick a library track first.")
            return None
        return self._run(service.derive_track_tags, track_id, self.models, self.library_path,
                         title="Deriving tags", lane="library", done=self._on_derived)

    def _on_derived(self, found: Any) -> None:
        self.derived_tags = dict(found.derived)
        self.tags.set_tags(list(found.tags))
        self.derived.set_heard(found)
        names = {"tagger": "the music tagger", "features": "analysed features",
                 "genre": "the genre tag"}
        sources = ", ".join(names[s] for s in found.sources) or "nothing"
        state = "" if found.analysed else " (not analysed yet)"
        self.derived_label.setText(f"Heard by {sources}{state}: uncheck a tag to drop it, or edit "
                                   f"the tags before generating." if found.tags else
                                   f"No tags found{state}.")

    def generate(self) -> Job:
        """Write N paragraph pairs for the typed tags."""
        return self._run(service.comment, self.tags.tags(), self.count.value(), None,
                         self.temperature.value(), self.seed.value(), self.models,
                         title="Writing commentary", done=self._on_generated, busy=True)

    def _on_generated(self, result: CommentResult) -> None:
        self.understood.show_items(result.understood)
        note = (f"Not understood: {', '.join(result.unknown_tags)}. " if result.unknown_tags
                else "")
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
        """Replace the table by a 6-paragraph homotopy between the two selected rows."""
        rows = self.table.selected_rows()
        if len(rows) != 2:
            self._say("Select two rows to interpolate between.")
            return None
        a, b = (self.table.pairs[r].z for r in rows)
        return self._run(service.interpolate, a, b, self.tags.tags(), 6, self.models,
                         temperature=self.temperature.value(), seed=self.table.pairs[rows[0]].seed,
                         title="Interpolating", busy=True,
                         done=lambda pairs: self._apply(pairs, "Interpolate commentary"))

    def keep_selected(self) -> Job | None:
        """Store the selected paragraph(s) as favourites, with the chosen track if any."""
        texts = self.table.selected_texts()
        if not texts:
            self._say("Select a paragraph to keep.")
            return None
        track_id = self.track.currentData()
        self.kept += texts
        if self.read_only:
            self.favourites.addItems(texts)
            self._say(f"Kept {len(texts)} paragraph(s) in this project (the library is read-only).")
            return None

        def keep_all(progress: Any = None, cancelled: Any = None) -> int:
            for text in texts:
                library.add_favourite(text, track_id, self.library_path)
            return len(texts)
        return self._run(keep_all, title="Keeping commentary", lane="library",
                         done=lambda n: (self._say(f"Kept {n} paragraph(s)."),
                                         self.refresh_favourites()))

    def _run(self, func: Any, *args: Any, title: str, done: Any, lane: str = "engine",
             busy: bool = False, **kwargs: Any) -> Job:
        job = self.runner.prepare(func, *args, title=title, **kwargs)
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
        self.undo_stack.push(SamplesCommand(self.table, self.table.pairs, after, text))

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
        samples: list[dict[str, Any]] = [{"vae": p.vae, "gan": p.gan, "z": p.z, "seed": p.seed,
                                          "plan": p.plan} for p in self.table.pairs]
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
                pairs.append(_pair(sample))
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
