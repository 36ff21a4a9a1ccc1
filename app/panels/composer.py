"""The Composer panel: compose segment chains, audition and fix junctions, play, export MIDI.

Left: the controls. Centre: the chain view (blocks over a piano roll, playhead) with the edit
and transport buttons. Right: the candidates of the selected junction. Every engine call runs
through the job runner (compose on the engine lane; opening outputs on the playback lane), every
edit is a :class:`~app.widgets.composer_state.SetStateCommand` on the undo stack, Space toggles
play, File > Export… writes a MIDI file, and the "Drag MIDI" handle drags a temporary export
onto a DAW or file manager.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.jobs import Job, JobRunner
from app.panels.base import Panel
from app.widgets import composer_state as cs
from app.widgets.composer_candidates import CandidateList
from app.widgets.composer_controls import ComposerControls
from app.widgets.composer_drag import DragHandle
from app.widgets.composer_playback import PlaybackController, available_outputs
from app.widgets.piano_roll import Block, ChainView, RollNote
from engine.dshl import api
from engine.playback.events import events_from_notes


class ComposerPanel(Panel):
    """Compose and audition chains of musical segments."""

    title = "Composer"
    object_name = "composer_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.state: cs.ChainState | None = None
        self.busy: Job | None = None
        self.last_export: Path | None = None
        self._drag_dir = Path(tempfile.mkdtemp(prefix="segue-drag-"))
        # The bundled collection until the engine lists the rest (after the first compose or ↻):
        # listing loads the model store, and with it torch, which must not delay the window.
        self.controls = ComposerControls(["nottingham"])
        self.view = ChainView()
        self.candidates = CandidateList()
        self.playback = PlaybackController(runner, self)
        self._build(self._transport(), self._edit_row())
        self._connect()
        self.refresh_outputs()
        self._update_actions()

    # -- layout ----------------------------------------------------------------------------
    def _transport(self) -> QVBoxLayout:
        self.play_button = QPushButton("Play")
        self.play_block_button = QPushButton("Play block")
        self.stop_button = QPushButton("Stop")
        self.loop_box = QCheckBox("Loop")
        self.panic_button = QPushButton("Panic")
        self.output = QComboBox()
        self.output.setMinimumContentsLength(18)
        self.output.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.refresh_button = QPushButton("↻")
        self.refresh_button.setFixedWidth(32)
        self.refresh_button.setToolTip("Look for audio devices and MIDI ports again")
        self.drag_handle = DragHandle(self)
        rows = QVBoxLayout()
        for widgets in ((self.play_button, self.play_block_button, self.stop_button,
                         self.loop_box, self.panic_button),
                        (QLabel("Output"), self.output, self.refresh_button, self.drag_handle)):
            row = QHBoxLayout()
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
            rows.addLayout(row)
        return rows

    def _edit_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Lock or unlock the selected block (kept by Regenerate)")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected block")
        self.insert_button = QPushButton("Insert")
        self.insert_button.setToolTip("Insert the best continuation after the selected block")
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Re-draw every unlocked block")
        for widget in (self.lock_button, self.delete_button, self.insert_button,
                       self.regenerate_button):
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _build(self, transport: QVBoxLayout, edits: QHBoxLayout) -> None:
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.addLayout(transport)
        column.addWidget(self.view, 1)
        column.addLayout(edits)
        scroll = QScrollArea()  # the form scrolls rather than widening a small window
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(160)
        centre.setMinimumWidth(300)
        self.candidates.setMinimumWidth(140)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(centre)
        splitter.addWidget(self.candidates)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 700, 350])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        self.controls.compose_button.clicked.connect(self.compose)
        self.view.junction_clicked.connect(self.show_junction)
        self.view.block_clicked.connect(lambda _index: self._update_actions())
        self.candidates.audition.connect(self.audition)
        self.candidates.accept.connect(self.accept)
        self.play_button.clicked.connect(lambda: self.play())
        self.play_block_button.clicked.connect(self.play_block)
        self.stop_button.clicked.connect(self.playback.stop)
        self.panic_button.clicked.connect(self.playback.panic)
        self.refresh_button.clicked.connect(self.refresh_outputs)
        self.refresh_button.clicked.connect(self.refresh_collections)
        self.output.currentIndexChanged.connect(self._choose_output)
        self.output.activated.connect(lambda _index: self.playback.open())  # user picked one
        self.lock_button.clicked.connect(self.toggle_lock)
        self.delete_button.clicked.connect(self.delete_block)
        self.insert_button.clicked.connect(self.insert_block)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.playback.playhead.connect(
            lambda seconds: self.view.set_playhead(None if seconds < 0 else seconds
                                                   * self._beats_per_second()))
        self.playback.playhead.connect(lambda s: s < 0 and self.view.set_highlight(None))
        self.playback.message.connect(self.status_message.emit)
        self.playback.playing_changed.connect(lambda _p: self._update_actions())
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        space.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        space.activated.connect(self.toggle_play)

    # -- state -----------------------------------------------------------------------------
    def set_state(self, state: cs.ChainState | None) -> None:
        """Show ``state`` (called by undo commands)."""
        self.playback.stop()
        self.state = state
        self.candidates.clear()
        if state is None:
            self.view.set_chain([], [])
        else:
            blocks = []
            for k, ((start, end), item) in enumerate(zip(state.spans, state.chain.items,
                                                          strict=True)):
                join = "start" if k == 0 else f"Δ{item.distance}"
                blocks.append(Block(start, end, item.tune, f"beat {cs.source_beat(item)} · {join}",
                                    k in state.locked))
            notes = [RollNote(n.start_beats, n.end_beats, n.pitch, n.track) for n in state.notes]
            self.view.set_chain(blocks, notes)
        self._update_actions()

    def current_chain(self) -> api.Chain | None:
        """The chain shown now (None before the first compose): the Lyrics panel sings to it."""
        return self.state.chain if self.state is not None else None

    def _push(self, after: cs.ChainState, text: str) -> None:
        self.undo_stack.push(cs.SetStateCommand(self.set_state, self.state, after, text))
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
        for button in (self.play_button, self.regenerate_button):
            button.setEnabled(has and idle)
        for button in (self.lock_button, self.delete_button, self.insert_button,
                       self.play_block_button):
            button.setEnabled(has and idle and block is not None)
        self.drag_handle.setEnabled(has)

    def _beats_per_second(self) -> float:
        return (self.state.chain.request.tempo if self.state else 120.0) / 60.0

    # -- edits -----------------------------------------------------------------------------
    def compose(self) -> Job | None:
        """Compose a new chain from the controls (engine thread; undoable)."""
        request = self.controls.request()
        def done(state: cs.ChainState) -> None:
            self._push(state, f"composed {len(state.chain.items)} segments")
            self.refresh_collections()
        return self._run(cs.compose_state, request, title="Compose", on_result=done, guard=False)

    def show_junction(self, position: int) -> Job | None:
        """List the ranked candidates for junction ``position``."""
        self._update_actions()
        if self.state is None:
            return None
        return self._run(cs.call, api.candidates, self.state.chain, position, 10,
                         title="Candidates",
                         on_result=lambda items: self.candidates.show_candidates(position, items))

    def audition(self, row: int) -> Job | None:
        """Play candidate ``row`` in context (previous block + candidate) without accepting it."""
        if self.state is None or self.candidates.position is None:
            return None
        position, item = self.candidates.position, self.candidates.items[row]

        def play(state: cs.ChainState) -> None:
            first = max(0, position - 1)
            self.play(state, first, position + 1)
            self.status_message.emit(f"Composer: auditioning {item.tune} from beat "
                                     f"{cs.source_beat(item)} (distance {item.distance}).")
        return self._run(cs.call, cs.replace_state, self.state, position, item.id, title="Audition",
                         on_result=play)

    def accept(self, row: int) -> Job | None:
        """Put candidate ``row`` into the chain (undoable)."""
        if self.state is None or self.candidates.position is None:
            return None
        position, item = self.candidates.position, self.candidates.items[row]
        return self._run(cs.call, cs.replace_state, self.state, position, item.id, title="Accept",
                         on_result=lambda state: self._push(
                             state, f"block {position + 1} is now {item.tune}"))

    def toggle_lock(self) -> None:
        """Lock or unlock the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is not None and block is not None:
            verb = "unlocked" if block in self.state.locked else "locked"
            self._push(cs.toggle_lock_state(self.state, block), f"{verb} block {block + 1}")

    def delete_block(self) -> Job | None:
        """Delete the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is None or block is None:
            return None
        return self._run(cs.call, cs.delete_state, self.state, block, title="Delete",
                         on_result=lambda state: self._push(state, f"deleted block {block + 1}"))

    def insert_block(self) -> Job | None:
        """Insert the best continuation after the selected block (undoable)."""
        block = self.view.selected_block
        if self.state is None or block is None:
            return None
        return self._run(cs.call, cs.insert_state, self.state, block + 1, title="Insert",
                         on_result=lambda state: self._push(state, f"inserted block {block + 2}"))

    def regenerate(self) -> Job | None:
        """Re-draw every unlocked block with a fresh seed (undoable)."""
        if self.state is None:
            return None
        return self._run(cs.call, cs.regenerate_state, self.state, random.randrange(2**31 - 1),
                         title="Regenerate",
                         on_result=lambda state: self._push(state, "regenerated unlocked blocks"))

    # -- playback --------------------------------------------------------------------------
    def refresh_outputs(self) -> None:
        """List the outputs again and say in the status bar what is missing and why."""
        outputs, problems = available_outputs()
        self.output.blockSignals(True)
        self.output.clear()
        for label, kind, name in outputs:
            self.output.addItem(label, (kind, name))
        self.output.blockSignals(False)
        self._choose_output()
        if not outputs:
            self.status_message.emit("Composer: no way to play (" + "; ".join(problems) + ").")
        elif problems:
            self.status_message.emit("Composer: " + "; ".join(problems) + ".")

    def _choose_output(self) -> None:
        data = self.output.currentData()
        if data:
            self.playback.choose(*data)

    def play(self, state: cs.ChainState | None = None, first: int = 0,
             last: int | None = None) -> None:
        """Play blocks ``first``..``last - 1`` of ``state`` (default: the whole chain)."""
        state = state or self.state
        if state is None:
            return
        if self.output.count() == 0:
            self.status_message.emit("Composer: no audio device or MIDI port to play through.")
            return
        spans = state.spans
        last = len(spans) if last is None else last
        start, end = spans[first][0], spans[last - 1][1]
        request = state.chain.request
        notes = [dataclasses.replace(n, end_beats=min(n.end_beats, end))
                 for n in state.notes if start <= n.start_beats < end]
        events = events_from_notes(notes, request.tempo, {"melody": request.melody_program,
                                                          "chords": request.chord_program},
                                   start_beats=start)
        seconds = 60.0 / request.tempo
        self.playback.play(events, loop=self.loop_box.isChecked(),
                           loop_length=(end - start) * seconds, offset=start * seconds)
        self.view.set_highlight((start, end) if (first, last) != (0, len(spans)) else None)

    def play_block(self) -> None:
        """Play the selected block."""
        if self.view.selected_block is not None:
            self.play(first=self.view.selected_block, last=self.view.selected_block + 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Space toggles play when no child used the key (e.g. the chain view has focus)."""
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)

    def toggle_play(self) -> None:
        """Space bar: play the chain, or stop if playing."""
        if self.playback.playing:
            self.playback.stop()
        else:
            self.play()

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
        return self._run(cs.call, api.write_midi, self.state.chain, path, title="Export MIDI",
                         on_result=done)

    def make_drag(self) -> QDrag | None:
        """A QDrag carrying a temporary export of the chain as a file URL."""
        if self.state is None:
            return None
        path = self._drag_dir / "segue-chain.mid"
        try:
            api.write_midi(self.state.chain, path)  # a few ms: the drag needs the file now
        except Exception as exc:  # noqa: BLE001 - report, never crash the drag
            self.status_message.emit(f"Composer: cannot export for dragging: {exc}")
            return None
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        drag = QDrag(self.drag_handle)
        drag.setMimeData(mime)
        return drag

    def refresh_collections(self) -> None:
        """List the collections again (on the engine thread: the model store loads torch)."""
        job = self.runner.submit(cs.call, api.list_collections, title="List collections")
        self._collections_job = job  # keep a reference until it reports
        job.result.connect(self._set_collections)
        job.error.connect(lambda text, _details: self.status_message.emit(
            f"Composer: cannot list collections: {text}"))

    def _set_collections(self, names: list[str]) -> None:
        combo = self.controls.collection
        if names and names != [combo.itemText(i) for i in range(combo.count())]:
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(current)

    def shutdown(self) -> None:
        """Stop playback, close outputs and remove drag exports before the window closes."""
        self.playback.shutdown()
        shutil.rmtree(self._drag_dir, ignore_errors=True)
