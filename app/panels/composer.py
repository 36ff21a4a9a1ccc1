"""The Composer panel: compose segment chains, audition and fix blocks, play, export MIDI.

Left: the controls. Centre: the transport, the chain view (blocks, chord symbols, ruler and a
piano roll with a keyboard; zoomable) and the edit buttons, with the provenance line the export
will carry. Right: alternatives for a block (ranked candidates, or N variations). The work is
the engine's (:mod:`engine.dshl.chain`, :mod:`engine.playback.outputs`); this panel runs it
through the job runner and wraps each edit in a :class:`SetStateCommand` (the alternatives and
the edit bar's actions in :mod:`app.widgets.composer_block_edits`). Drop a ``.mid`` on the panel
(or File > Open… a ``.mid``) to continue that phrase; Space toggles play.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.jobs import Job, JobRunner
from app.panels.base import Panel
from app.project_sections import (
    apply_controls,
    apply_settings,
    controls_settings,
    follow_phrase,
    read_settings,
)
from app.widgets.composer_audio_export import AudioExportMixin
from app.widgets.composer_block_edits import BlockEdits
from app.widgets.composer_candidates import CandidateList
from app.widgets.composer_commands import SetStateCommand, call, preload_composer
from app.widgets.composer_controls import ComposerControls
from app.widgets.composer_edits import EditBar, sideways
from app.widgets.composer_leadsheet import LeadSheetMixin
from app.widgets.composer_notes import NoteEditing, show_chain
from app.widgets.composer_transport import ComposerTransport
from app.widgets.piano_roll import ChainView
from engine.dshl import api, chain
from engine.dshl.chain import ChainState
from engine.project import chain as project_chain

MIDI_SUFFIXES = (".mid", ".midi")


def midi_paths(mime: QMimeData) -> list[Path]:
    """The local ``.mid`` files a drag carries."""
    return [Path(url.toLocalFile()) for url in mime.urls()
            if url.isLocalFile() and url.toLocalFile().lower().endswith(MIDI_SUFFIXES)]


class ComposerPanel(AudioExportMixin, LeadSheetMixin, BlockEdits, NoteEditing, Panel):
    """Compose and audition chains of musical segments."""

    title = "Composer"
    object_name = "composer_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.state: ChainState | None = None
        self.busy: Job | None = None
        self.last_export: Path | None = None
        # The bundled collection until the engine lists the rest (after the first compose or ↻):
        # listing loads the model store, and with it torch, which must not delay the window.
        self.controls = ComposerControls(["nottingham"])
        self.view = ChainView()
        self.candidates = CandidateList()
        self.transport = ComposerTransport(self, runner)
        self.playback = self.transport.playback
        self.output = self.transport.output
        self.drag_handle = self.transport.drag_handle
        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        self.provenance.setMinimumHeight(2 * self.provenance.fontMetrics().lineSpacing() + 2)
        self.provenance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edits = EditBar()
        self._build()
        self._connect()
        self.setAcceptDrops(True)
        self.transport.list_in_background()  # device probes stay off the window's way
        self._update_actions()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.view_scroll = QScrollArea()
        self.view_scroll.setWidget(self.view)
        self.view_scroll.setWidgetResizable(True)
        self.view_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view_scroll.horizontalScrollBar().valueChanged.connect(self.view.update)
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.transport)
        column.addWidget(self.view_scroll, 1)
        column.addWidget(sideways(self.edits, self.transport.sizeHint().width()))
        column.addWidget(self.provenance)
        self.controls_scroll = QScrollArea()  # the form scrolls rather than widening the window
        self.controls_scroll.setWidget(self.controls)
        self.controls_scroll.setWidgetResizable(True)
        self.controls_scroll.setMinimumWidth(self.controls.minimumSizeHint().width() + 24)
        self.candidates.setMinimumWidth(184)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        for widget in (self.controls_scroll, centre, self.candidates):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 700, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        t = self.transport
        self.controls.compose_button.clicked.connect(self.compose)
        self.view.junction_clicked.connect(self.show_junction)
        self.view.block_clicked.connect(lambda _index: self._update_actions())
        self.candidates.audition.connect(self.audition)
        self.candidates.accept.connect(self.accept)
        self.candidates.variations.connect(self.variations)
        t.play_button.clicked.connect(lambda: self.play())
        t.play_block_button.clicked.connect(self.play_block)
        t.refresh_button.clicked.connect(self.refresh_collections)
        e = self.edits
        e.lock_button.clicked.connect(self.toggle_lock)
        e.delete_button.clicked.connect(self.delete_block)
        e.insert_button.clicked.connect(self.insert_block)
        e.regenerate_button.clicked.connect(self.regenerate)
        e.zoom_in.clicked.connect(lambda: self.set_zoom(self.view.zoom * 1.5))
        e.zoom_out.clicked.connect(lambda: self.set_zoom(self.view.zoom / 1.5))
        e.zoom_fit.clicked.connect(lambda: self.set_zoom(1.0))
        self.drag_handle.failed.connect(lambda text: self.status_message.emit(
            f"Composer: {text}"))
        self.playback.playing_changed.connect(lambda _p: self._update_actions())
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        space.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        space.activated.connect(self.transport.toggle_play)
        self._connect_notes()  # the roll's note editing, Transpose, the key menu, Tap

    def set_zoom(self, zoom: float) -> None:
        """Zoom the chain view (1 = the whole chain fits)."""
        self.view.set_zoom(zoom, self.view_scroll.viewport().width())

    # -- state -----------------------------------------------------------------------------
    def set_state(self, state: ChainState | None) -> None:
        """Show ``state`` (called by undo commands)."""
        self.playback.stop()
        self.state = state
        self.candidates.clear()
        if state is None:
            self.view.set_chain([], [])
            self.provenance.clear()
        else:
            show_chain(self, state)  # blocks (your edits marked), notes, chords
            self._show_provenance(state)
            if state.seed is not None:
                self.controls.seed.setValue(state.seed)  # the seed the export will name
        self._update_actions()

    def current_chain(self) -> api.Chain | None:
        """The chain shown now (None before the first compose): the Lyrics panel sings to it."""
        return self.state.chain if self.state is not None else None

    def _show_provenance(self, state: ChainState) -> None:
        full = state.provenance()
        head = full.split("; segments:")[0]
        self.provenance.setText(f"Export says: {head}")
        self.provenance.setToolTip(full)

    def _push(self, after: ChainState, text: str) -> None:
        self.undo_stack.push(SetStateCommand(self.set_state, self.state, after, text))
        self.status_message.emit(f"Composer: {text}.")

    def _run(self, func: Any, *args: Any, title: str, on_result: Any,
             guard: bool = True) -> Job | None:
        """Run an engine call on the engine thread, one at a time; errors go to the status bar.

        With ``guard`` the result is dropped if the chain changed meanwhile (e.g. an undo).
        """
        if self.busy is not None:
            self.status_message.emit("Composer: still working on the previous request…")
            return None
        origin = self.state

        def deliver(value: Any) -> None:
            if guard and self.state is not origin:
                self.status_message.emit(f"Composer: the chain changed; {title.lower()} ignored.")
                return
            on_result(value)
        job = self.runner.prepare(func, *args, title=title)
        job.result.connect(deliver)
        job.error.connect(lambda text, _details: self.status_message.emit(
            f"Composer: {title.lower()} failed: {text}"))
        job.progress.connect(lambda _f, text: text and self.status_message.emit(
            f"Composer: {text}…"))
        job.finished.connect(self._job_done)
        self.busy = job
        self._update_actions()
        self.runner.start(job)
        return job

    def _job_done(self) -> None:
        self.busy = None
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.state is not None
        idle = self.busy is None
        block = self.view.selected_block
        self.controls.compose_button.setEnabled(idle)
        e = self.edits
        for button in (self.transport.play_button, e.regenerate_button):
            button.setEnabled(has and idle)
        for button in (e.lock_button, e.delete_button, e.insert_button,
                       self.transport.play_block_button):
            button.setEnabled(has and idle and block is not None)
        self.candidates.variations_button.setEnabled(has and idle and self._target() is not None)
        e.show_lock(has and block is not None and block in self.state.locked)
        self.drag_handle.setEnabled(has)

    def _target(self) -> int | None:
        """The block the user is working on: the selected block, else the selected junction's."""
        if self.view.selected_block is not None:
            return self.view.selected_block
        return self.view.selected_junction

    # -- compose, continue a phrase (the block edits: composer_block_edits.py) -------------
    def compose(self) -> Job | None:
        """Compose a new chain from the controls (engine thread; undoable)."""
        def done(result: tuple[ChainState, str | None]) -> None:
            state, note = result
            self._push(state, f"composed {len(state.chain.items)} segments")
            if note:  # too few tunes of this meter and mode for the reuse limit: say how many
                self.status_message.emit(f"Composer: {note}")
            self.refresh_collections()
        return self._run(chain.compose_with_note, self.controls.request(), title="Compose",
                         on_result=done, guard=False)

    def open_midi(self, path: str | Path) -> Job | None:
        """Continue the phrase in ``path``: its notes start a new chain (undoable); the panel
        follows the phrase's key, meter and tempo and says so."""
        name = Path(path).name

        def done(state: ChainState) -> None:
            before = read_settings(self.controls)
            said = follow_phrase(self.controls, state)  # the panel takes the phrase's key, meter
            after = read_settings(self.controls)
            setter = lambda settings: apply_settings(self.controls, settings)  # noqa: E731
            self.undo_stack.push(SetStateCommand(self.set_state, self.state, state,
                                                 f"continued {name}", (setter, before, after)))
            self.status_message.emit(said)
            self.refresh_collections()
        return self._run(chain.continue_phrase, str(path), self.controls.request(),
                         title="Continue phrase", on_result=done, guard=False)

    def open_file(self) -> None:
        """File > Open… on the Composer: a MIDI phrase to continue."""
        path, _ = QFileDialog.getOpenFileName(self, "Continue a MIDI phrase", "",
                                              "MIDI files (*.mid *.midi)")
        if path:
            self.open_midi(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        """Accept a dragged .mid file."""
        if midi_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        """Continue the dropped phrase."""
        paths = midi_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_midi(paths[0])

    # -- playback (the transport does it) --------------------------------------------------
    def refresh_outputs(self) -> None:
        """List the outputs again; the status bar says what is missing and why."""
        self.transport.refresh()

    def play(self, state: ChainState | None = None, first: int = 0,
             last: int | None = None) -> None:
        """Play blocks ``first``..``last - 1`` of ``state`` (default: the whole chain)."""
        self.transport.play(state or self.state, first, last)

    def play_block(self) -> None:
        """Play the selected block."""
        if self.view.selected_block is not None:
            self.play(first=self.view.selected_block, last=self.view.selected_block + 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Space toggles play when no child used the key (e.g. the chain view has focus)."""
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.transport.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- export ----------------------------------------------------------------------------
    def export(self) -> None:
        """File > Export…: write the chain as a Type-1 MIDI file."""
        if self.state is None:
            self.status_message.emit("Composer: compose a chain before exporting it.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export MIDI", "chain.mid",
                                              "MIDI files (*.mid *.midi)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Job | None:
        """Write the chain to ``path`` on the engine thread; report the outcome."""
        if self.state is None:
            return None

        def done(written: Path) -> None:
            self.last_export = Path(written)
            self.status_message.emit(f"Composer: exported {written}.")
        return self._run(call, chain.write_midi, self.state, path, title="Export MIDI",
                         on_result=done)

    def load_behind(self) -> Job:
        """Preload the composer on the engine lane (a Compose asked for meanwhile queues behind
        it), then list the collections."""
        job = self.runner.submit(preload_composer, title="Loading the composer")
        job.result.connect(self.controls.set_menus)
        self._preload_job = job  # keep a reference until it reports
        return job

    def refresh_collections(self) -> None:
        """List the collections again (on the engine thread: the model store loads torch)."""
        job = self.runner.submit(call, api.collection_meters, title="List collections")
        self._collections_job = job  # keep a reference until it reports
        job.result.connect(self.controls.set_menus)
        job.error.connect(lambda text, _details: self.status_message.emit(
            f"Composer: cannot list collections: {text}"))

    # -- project ---------------------------------------------------------------------------
    def project_state(self) -> dict:
        """The Composer's part of a project: the controls and the chain (plain data)."""
        return project_chain.composer_section(controls_settings(self.controls), self.state)

    def apply_project_state(self, state: dict) -> list[str]:
        """Show a project's Composer part (undo history starts afresh); return warnings."""
        settings, shown, warnings = project_chain.read_composer_section(state)
        warnings += apply_controls(self.controls, settings)
        self.undo_stack.clear()
        self.set_state(shown)
        return warnings

    def shutdown(self) -> None:
        """Stop playback, close outputs and remove drag exports before the window closes."""
        self.playback.shutdown()
        self.drag_handle.cleanup()
