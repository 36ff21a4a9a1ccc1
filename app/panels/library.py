"""The Library & Playlists panel: your audio library, its map, and playlists built from it.

Left: the library table (sortable, filterable by any column, the tagger's Tags included; a Kind
column says music, speech or other; double-click plays a preview). Right: the 2-D map of the
embeddings (coloured by genre or cluster; hover for "artist – title", click to play), the
playlist builder (a Tag filter among its rules; Save…, Export…), the saved/imported playlists and
the selected track's details (kind, tags with probabilities, the other files holding the same
audio). Above: Add folder… (a scan with progress bar and Cancel), Import playlist…, and the
transport that plays the built playlist as a queue (Space = play/pause). Below: Remove demo
tracks (asks first) while the bundled demo clips are in the library. All engine work runs
through the job runner, every job wired before it starts; on first launch the bundled demo
library is scanned in the background. A corrupt library can be moved aside from its error. The
playlist actions (build, save, export, import) live in :mod:`app.widgets.library_playlist_actions`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.jobs import EngineModule, Job, JobRunner
from app.panels.base import Panel
from app.widgets import library_dialogs as dialogs
from app.widgets.library_details import TrackDetails
from app.widgets.library_footer import LibraryFooter
from app.widgets.library_map import LibraryMap
from app.widgets.library_playlist import PlaylistBuilder
from app.widgets.library_playlist_actions import PlaylistActions
from app.widgets.library_saved import SavedPlaylists
from app.widgets.library_table import TrackTableModel, track_view
from app.widgets.library_transport import SpaceToPlay, Transport, preview_track
from engine.library.storage.errors import CORRUPT_MARK

# Imported by the jobs that use them, on the library lanes: SQLAlchemy never delays the window.
service = EngineModule("engine.library.service")
demo = EngineModule("engine.library.demo")
library_map = EngineModule("engine.library.playlists.map")

DEMO_DELAY_MS = 2500
FIRST_LOAD_MS = 200
SCAN_LANE = "library-scan"  # long scans never hold up the other panels' engine lane
READ_LANE = "library"


class LibraryPanel(PlaylistActions, Panel):
    """Your music library and playlists built from it."""

    title = "Library & Playlists"
    object_name = "library_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.scan_job: Job | None = None
        self.jobs: list[Job] = []
        self._closing = False
        self.read_only = False  # SEGUE_HOME, where the library lives, cannot be written
        self.fresh_offer: QMessageBox | None = None

        self.add_button = QPushButton("Add folder…")
        self.import_button = QPushButton("Import playlist…")
        self.cluster_button = QPushButton("Cluster…")
        self.cluster_button.setToolTip("Analyse scans on a Dask cluster (tcp://HOST:8786)")
        self.spotify_button = QPushButton("Spotify genres")
        self.spotify_button.setToolTip(
            "Optional, online: fill missing genres from Spotify artist genres. Needs a client id "
            "(settings or SPOTIPY_CLIENT_ID) and SPOTIPY_CLIENT_SECRET in the environment.")
        self.filter_edit = QLineEdit(placeholderText="Filter: title, artist, tags, kind, path…")
        self.filter_edit.setClearButtonEnabled(True)
        self.progress = QProgressBar(maximum=1000)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.footer = LibraryFooter()
        self.summary = self.footer.summary
        self.remove_demo_button = self.footer.remove_demo_button

        self.model = TrackTableModel(self)
        self.table = track_view(self.model)

        self.map = LibraryMap()
        self.colour_by = QComboBox()
        self.colour_by.addItems(["genre", "cluster"])
        self.builder = PlaylistBuilder()
        self.saved = SavedPlaylists(self._submit, dialogs.last_folder, dialogs.remember_folder)
        self.transport = Transport(self._submit)

        map_page = QWidget()
        map_layout = QVBoxLayout(map_page)
        colour_row = QHBoxLayout()
        colour_row.addWidget(QLabel("Colour by"))
        colour_row.addWidget(self.colour_by)
        colour_row.addStretch(1)
        colour_row.addWidget(self.spotify_button)
        map_layout.addLayout(colour_row)
        map_layout.addWidget(self.map, 1)
        self.side = QTabWidget()
        self.side.addTab(map_page, "Map")
        builder_scroll = QScrollArea()
        builder_scroll.setWidget(self.builder)
        builder_scroll.setWidgetResizable(True)
        builder_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.side.addTab(builder_scroll, "Playlist")
        self.side.addTab(self.saved, "Saved")
        self.details = TrackDetails()
        self.side.addTab(self.details, "Details")
        self._builder_page = builder_scroll

        top = QHBoxLayout()
        for widget in (self.add_button, self.import_button, self.cluster_button,
                       self.filter_edit, self.progress, self.cancel_button):
            top.addWidget(widget)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.transport)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.footer)

        self.add_button.clicked.connect(self.open_file)
        self.import_button.clicked.connect(self.choose_playlist_to_import)
        self.cluster_button.clicked.connect(
            lambda: (said := dialogs.ask_cluster_address(self)) and self._say(said))
        self.spotify_button.clicked.connect(self.enrich_from_spotify)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.footer.remove_demo_confirmed.connect(self.remove_demo_tracks)
        self.filter_edit.textChanged.connect(self.model.set_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._play_row)
        self.map.point_clicked.connect(self._play_point)
        self.colour_by.currentTextChanged.connect(lambda _text: self.refresh_map())
        self.builder.build_requested.connect(self.build_playlist)
        self.builder.export_requested.connect(self.export)
        self.builder.save_requested.connect(self.ask_save)
        self.saved.opened.connect(self._show_saved)
        self.side.currentChanged.connect(
            lambda _i: self.side.currentWidget() is self.saved and self.saved.refresh())
        self.saved.message.connect(self._say)
        self.transport.message.connect(self._say)
        self.space = SpaceToPlay(self, self.transport.toggle)  # never presses a focused button

        self.first_load = QTimer(self)  # after the window is up: opening it stays instant
        self.first_load.setSingleShot(True)
        self.first_load.timeout.connect(self.refresh)
        self.first_load.start(FIRST_LOAD_MS)
        self.demo_timer = QTimer(self)
        self.demo_timer.setSingleShot(True)
        self.demo_timer.timeout.connect(self.start_demo_scan)
        self.demo_timer.start(DEMO_DELAY_MS)

    # -- jobs --------------------------------------------------------------------------------
    def _submit(self, func, *args, title: str, on_result=None,  # noqa: ANN001
                lane: str = READ_LANE, connect=None, **kwargs) -> Job:
        """Run ``func`` on ``lane``; every signal (``connect(job)`` too) is wired before it starts.

        A job can finish before control returns here (an already-scanned demo library does), so
        connecting after ``runner.start`` could miss ``finished`` and leave the panel stuck.
        """
        job = self.runner.prepare(func, *args, title=title, **kwargs)
        if on_result is not None:
            job.result.connect(lambda value: None if self._closing else on_result(value))
        job.error.connect(lambda message, _details: self._job_failed(title, message))
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        if connect is not None:
            connect(job)
        self.jobs.append(job)
        self.runner.start(job, lane=lane)
        return job

    def _job_failed(self, title: str, message: str) -> None:
        self._say(f"{title}: {message}")
        if CORRUPT_MARK in message and not self._closing and self.fresh_offer is None:
            self.offer_fresh_library(message)

    def offer_fresh_library(self, message: str) -> QMessageBox:
        """Offer to move a corrupt library aside (never deleted) and start a fresh one."""
        self.fresh_offer = dialogs.offer_fresh_library(self, message, self.start_fresh_library)
        self.fresh_offer.finished.connect(lambda _result: setattr(self, "fresh_offer", None))
        return self.fresh_offer

    def start_fresh_library(self) -> Job:
        """Rename the library file aside, then load the (new, empty) library."""
        def moved(path) -> None:  # noqa: ANN001
            self._say(f"The old library was kept as {path}; this is a fresh one.")
            self.refresh()

        return self._submit(service.move_library_aside, title="Moving the library aside",
                            on_result=moved)

    def _say(self, message: str) -> None:
        if not self._closing:
            self.status_message.emit(message)

    def set_read_only(self, reason: str) -> None:
        """The library lives in SEGUE_HOME: it is off (no loading, demo scan, scans, playlists)."""
        self.read_only = True
        self.first_load.stop()
        self.demo_timer.stop()
        for widget in (self.add_button, self.import_button, self.cluster_button, self.filter_edit,
                       self.table, self.side, self.transport, self.remove_demo_button):
            widget.setEnabled(False)
        self.summary.setText(f"The library is off: it is kept in SEGUE_HOME ({reason}).")

    # -- scanning ----------------------------------------------------------------------------
    def start_demo_scan(self) -> None:
        """Scan the bundled demo clips once (first launch), in the background."""
        if self.scan_job is None:
            self._start_scan(demo.ensure_demo_library, (), "Scanning the demo library")

    def open_file(self) -> None:
        """File > Open… / Add folder…: choose a folder and scan it."""
        if self.read_only:
            return self._say(self.summary.text())
        folder = QFileDialog.getExistingDirectory(self, "Add a music folder", dialogs.last_folder())
        if folder:
            dialogs.remember_folder(folder)
            self.add_folder(folder)

    def add_folder(self, folder: str | Path) -> Job | None:
        """Scan ``folder`` into the library with progress and Cancel."""
        if self.scan_job is not None:
            self._say("A scan is already running.")
            return None
        return self._start_scan(service.scan, (str(folder),), f"Scanning {Path(folder).name}",
                                cluster=dialogs.cluster_address() or None)

    def _start_scan(self, func, args: tuple, title: str, **kwargs) -> Job:  # noqa: ANN001
        self.demo_timer.stop()

        def wire(job: Job) -> None:
            self.scan_job = job
            job.progress.connect(self._scan_progress)
            job.cancelled.connect(lambda: self._say("Scan cancelled; the next scan resumes."))
            job.finished.connect(self._scan_finished)

        job = self._submit(func, *args, title=title, on_result=self._scan_done, lane=SCAN_LANE,
                           connect=wire, **kwargs)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.add_button.setEnabled(False)
        return job

    def _scan_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(message or "%p%")
        self.progress.setToolTip(message)

    def _scan_done(self, result) -> None:  # noqa: ANN001
        if result is not None:
            skipped = len(result.skipped)
            self._say(f"Scan done: {result.added} added, {result.updated} updated, "
                      f"{result.removed} removed, {skipped} skipped.")

    def _scan_finished(self) -> None:
        if self.scan_job is not None and not self.scan_job.done:
            return  # a late signal of an older job
        self.scan_job = None
        if self._closing:
            return
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.add_button.setEnabled(True)
        self.refresh()

    def cancel_scan(self) -> None:
        """Ask the running scan to stop (what it analysed so far is kept)."""
        if self.scan_job is not None:
            self.scan_job.cancel()

    # -- table and map -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the table and the map from the library."""
        self._submit(service.list_tracks, title="Loading the library", on_result=self._show_rows)
        self.refresh_map()
        if self.side.currentWidget() is self.saved:  # else when the Saved tab is opened
            self.saved.refresh()

    def _show_rows(self, rows) -> None:  # noqa: ANN001
        self.model.set_rows(rows)
        self.builder.set_known_tags([t for r in rows for t in r.tags])
        self.footer.show_rows(rows, self.read_only)
        self._selection_changed()

    def remove_demo_tracks(self) -> Job:
        """Remove the demo tracks (no question), then reload the table and the map."""
        def done(result) -> None:  # noqa: ANN001
            self._say(f"Removed {result.removed} demo tracks.")
            self.refresh()

        def wire(job: Job) -> None:
            job.finished.connect(lambda: self.remove_demo_button.setEnabled(True))

        self.remove_demo_button.setEnabled(False)
        return self._submit(demo.remove_demo, title="Removing the demo tracks", on_result=done,
                            lane=SCAN_LANE, connect=wire)

    def refresh_map(self, refit: bool = False) -> None:
        """Redraw the map in the chosen colouring, refitting embeddings only if ``refit``.

        Stored embeddings need no torch, so opening the window stays quick.
        """
        self._submit(library_map.library_map, self.colour_by.currentText(), refit=refit,
                     title="Drawing the map", on_result=self.map.set_points)

    def selected_tracks(self) -> list:
        """Tracks selected in the table (source rows)."""
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.track(r) for r in sorted(rows)]

    def _selection_changed(self) -> None:
        selected = self.selected_tracks()
        self.builder.set_seeds(selected)
        self.details.show_track(selected[0] if selected else None)

    def _play_row(self, index) -> None:  # noqa: ANN001
        self.play(self.model.track(index.row()).path)

    def _play_point(self, index: int) -> None:
        if self.map.points is not None:
            self.play(self.map.points.paths[index])

    def play(self, path: str) -> None:
        """Play a preview; without audio output, say so in the status bar."""
        self._submit(preview_track, path, title="Preview", lane="preview", on_result=self._say)

    # -- Spotify genres, shutdown (the playlist actions: library_playlist_actions.py) --------
    def enrich_from_spotify(self) -> Job:
        """Fill missing genres from Spotify; offline or unconfigured, the status bar says so."""
        from app import settings

        client_id = settings.Settings().get(settings.SPOTIFY_CLIENT_ID)

        def done(report) -> None:  # noqa: ANN001
            self._say(report.message)
            if report.tracks_tagged:
                self.refresh()

        return self._submit(service.enrich_genres, client_id, title="Spotify genres",
                            on_result=done)

    def shutdown(self) -> None:
        """Stop the preview and ask running jobs to stop."""
        self._closing = True
        self.first_load.stop()
        self.demo_timer.stop()
        self.transport.poll.stop()
        for job in list(self.jobs):
            job.cancel()
        from engine.library.player import stop
        from engine.library.preview import stop_preview

        stop_preview()
        stop()
