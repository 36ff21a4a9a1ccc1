"""Public engine functions of the library room, for the CLI and the panel's jobs.

Each opens the library itself (one connection per call, so it is safe on the job runner's worker
thread), takes ``progress``/``cancelled`` where the work is long, and returns plain dataclasses.

The query functions (:func:`list_tracks`, :func:`make_playlist`, :func:`library_map` without a
refit) read the library with sqlite3 and numpy only — never torch, SQLAlchemy's ORM or the audio
stack (``tests/engine/library/test_query_imports.py``); embeddings are refreshed by scans and
training, never by a query. The demo library lives in :mod:`engine.library.demo`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.library.analysis.tagging import parse_top
from engine.library.playlists.build import PlaylistRules, build_path, build_playlist
from engine.library.playlists.items import PlaylistItem
from engine.library.storage.errors import user_errors
from engine.library.storage.reader import Reader

if TYPE_CHECKING:  # pragma: no cover
    from engine.library.scan.scanner import ScanResult
    from engine.library.storage.db import Library

@user_errors
def scan(folder: str | Path, progress: ProgressFn = no_progress,
         cancelled: CancelledFn = never_cancelled, library_path: str | Path | None = None,
         workers: int = 2, cluster: str | None = None, send_audio: bool = False) -> ScanResult:
    """Scan ``folder`` into the library, then refresh what depends on the analysed set.

    ``cluster`` (``tcp://HOST:8786``): analyse on that Dask scheduler's workers instead of
    ``workers`` local processes (engine/library/scan/cluster.py)."""
    from contextlib import ExitStack

    from engine.library.scan.lock import scan_lock
    from engine.library.scan.scanner import scan_folder
    from engine.library.storage.db import Library

    db = Path(library_path) if library_path is not None else paths.db_path()
    with ExitStack() as stack, scan_lock(db), Library(db) as library:
        backend = None
        if cluster:
            from engine.library.scan.cluster import ClusterAnalysis

            backend = stack.enter_context(ClusterAnalysis(cluster, send_audio=send_audio))
        result = scan_folder(library, folder, scaled_progress(progress, 0.0, 0.9), cancelled,
                             workers=workers, backend=backend)
        after_scan(library, scaled_progress(progress, 0.9, 1.0), cancelled)
    return result


def after_scan(library: Library, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> None:
    """What follows a scan (or a removal): embeddings, demo flags, same-audio links, snapshots."""
    from engine.library.embeddings import snapshot
    from engine.library.embeddings.autoencoder_store import refresh_embeddings
    from engine.library.scan.duplicates import link_duplicates, mark_demo

    refresh_embeddings(library, scaled_progress(progress, 0.0, 0.5), cancelled)
    refresh_seed_embeddings(library, scaled_progress(progress, 0.5, 0.9), cancelled)
    progress(0.9, "Finding the same audio under two names")
    mark_demo(library)
    link_duplicates(library)
    snapshot.snapshot(library)
    progress(1.0, "Library ready")


def refresh_seed_embeddings(library: Library, progress: ProgressFn = no_progress,
                            cancelled: CancelledFn = never_cancelled) -> None:
    """Spectrogram-VAE and lyric vectors after a scan (bounded time; a missing bundled model is
    logged, never fatal: the ``features`` embedding still works)."""
    from engine.library.embeddings.spectro_store import refresh_spectrogram
    from engine.logsetup import get_logger

    try:
        refresh_spectrogram(library, progress, cancelled)
    except FileNotFoundError as exc:
        from engine.library.embeddings.spectro_store import load_patches

        if load_patches(library)[0]:  # tracks wait for vectors: say why they get none
            get_logger(__name__).warning("no spectrogram embeddings: %s", exc)


@dataclass
class TrackRow:
    """One row of the library table (one per recording: same-audio copies are folded in)."""

    id: int
    title: str
    artist: str
    album: str
    genre: str
    duration: float
    tempo: float
    status: str
    path: str
    skip_reason: str = ""
    music_score: float = -1.0
    kind: str = ""  # "music", "speech", "other" ("" until analysed by this Segue)
    tags: dict[str, float] = field(default_factory=dict)  # the tagger's shown tags
    demo: bool = False  # a bundled demo clip
    copies: list[str] = field(default_factory=list)  # other files holding the same audio
    demo_copies: int = 0  # how many of them are bundled demo clips

    @property
    def is_music(self) -> bool:
        """False when the analysis found speech, effects or a field recording."""
        if self.kind:
            return self.kind == "music"
        from engine.library.analysis.nonmusic import is_music

        return is_music(self.music_score)

    def as_dict(self) -> dict[str, object]:
        """The ``segue library list --json`` form (paths printable)."""
        from engine.library.storage.fspath import display

        return {"id": self.id, "title": self.title, "artist": self.artist, "album": self.album,
                "genre": self.genre, "duration": self.duration, "tempo": self.tempo,
                "status": self.status, "path": display(self.path),
                "skip_reason": self.skip_reason, "music_score": self.music_score,
                "kind": self.kind, "tags": self.tags, "demo": self.demo,
                "copies": [display(c) for c in self.copies], "demo_copies": self.demo_copies}

    @property
    def tag_text(self) -> str:
        """The shown tags, comma-separated, strongest first."""
        return ", ".join(self.tags)


_LIST_SQL = ("SELECT t.id, t.title, t.artist, t.album, t.genre, t.duration, t.tempo, t.status, "
             "t.path, t.skip_reason, t.music_score, t.kind, g.top, t.demo, t.same_as "
             "FROM tracks t LEFT JOIN track_tags g ON g.track_id = t.id ORDER BY t.path")


@user_errors
def list_tracks(library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled, copies: bool = False) -> list[TrackRow]:
    """Every track of the library (analysed, pending and skipped), by path, each recording once:
    a file whose audio another track holds (a demo clip the user also has) is folded into that
    track's ``copies`` (``copies=True`` lists them as rows of their own too)."""
    with Reader(library_path) as reader:
        found = reader.execute(_LIST_SQL).fetchall()
    rows: list[TrackRow] = []
    by_id: dict[int, TrackRow] = {}
    hidden: list[tuple[int, str, bool]] = []
    for (track_id, title, artist, album, genre, duration, tempo, status, stored, reason, score,
         kind, top, demo, same_as) in found:
        path = Reader.path_of(stored)
        if same_as is not None and not copies:
            hidden.append((int(same_as), path, bool(demo)))
            continue
        row = TrackRow(int(track_id), title or "", artist or "", album or "", genre or "",
                       float(duration or 0.0), float(tempo or 0.0), status, path, reason or "",
                       float(score if score is not None else -1.0), kind or "", parse_top(top),
                       bool(demo))
        rows.append(row)
        by_id[row.id] = row
    for kept, path, is_demo in hidden:
        if kept in by_id:
            by_id[kept].copies.append(path)
            by_id[kept].demo_copies += is_demo
    return rows


# an option whose vectors come from the tagger, and what to use when no track has them
FALLBACKS = {"tagger": ("features",), "tagger+features": ("features",),
             "tagger+combined": ("combined", "features")}


@dataclass
class PlaylistResult:
    """A built playlist, where it was written (if anywhere), its saved id, and notes (vectors
    not refreshed yet) worth telling."""

    items: list[PlaylistItem]
    out: str | None = None
    playlist_id: int | None = None
    notes: list[str] = field(default_factory=list)


@user_errors
def make_playlist(seeds: list[str | int], rules: PlaylistRules | None = None,
                  out: str | Path | None = None, path_to: str | int | None = None,
                  name: str = "", library_path: str | Path | None = None,
                  progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> PlaylistResult:
    """Build a playlist from ``seeds`` (or a path from ``seeds[0]`` to ``path_to``).

    Reads the stored vectors (never refits: scans do). Writes it to ``out`` (``.m3u8`` or
    ``.xspf``) and saves it in the library when ``name`` is given. Raises ``LookupError`` for an
    unknown seed.
    """
    from engine.library.playlists.catalogue import load_catalogue

    rules = rules or PlaylistRules()
    notes = []
    with Reader(library_path) as reader:
        catalogue = load_catalogue(reader, embedding=rules.embedding)
        for fallback in FALLBACKS.get(rules.embedding, ()):
            if len(catalogue):
                break
            catalogue = load_catalogue(reader, embedding=fallback)
            if len(catalogue):
                notes.append(f"no track has {rules.embedding} vectors (the music tagger did not "
                             f"run?): used {fallback} instead")
        if len(catalogue) == 0:
            analysed = int(reader.scalar("SELECT count(*) FROM tracks WHERE status = 'analysed'")
                           or 0)
            if analysed:
                raise LookupError(f"no track has a {rules.embedding} embedding yet: scan the "
                                  "folder again, or choose another embedding")
            raise LookupError("the library has no analysed tracks yet: scan a folder first")
    if path_to is not None:
        items = build_path(catalogue, seeds[0], path_to, rules)
    else:
        items = build_playlist(catalogue, seeds, rules)
    result = PlaylistResult(items, notes=notes)
    if catalogue.missing:
        result.notes.append(
            f"{catalogue.missing} analysed tracks have no {catalogue.embedding} vector yet (added "
            "since the last refresh, or too short to tag) and were left out: scan the folder "
            "again to include them")
    if out is not None:
        result.out = str(export_items(items, out, library_path=library_path))
    if name:
        from engine.library.playlists.saved import save_items

        result.playlist_id = save_items(name, [i.id for i in items], library_path=library_path,
                                        rules_json=json.dumps(rules.as_dict()))
    return result


@user_errors
def export_items(items: list[PlaylistItem], out: str | Path, progress: ProgressFn = no_progress,
                 cancelled: CancelledFn = never_cancelled,
                 library_path: str | Path | None = None) -> Path:
    """Write playlist items to ``out`` (format by extension: .m3u8 or .xspf); an item that is a
    hidden copy (a demo clip whose audio the user has) names the kept file instead."""
    from engine.library.playlists.files import Entry, write_playlist
    from engine.library.playlists.lookup import prefer_kept

    kept = prefer_kept(items, library_path)
    return write_playlist(out, [Entry(i.path, i.title, i.artist, i.duration) for i in kept])


@dataclass
class ImportResult:
    """An imported playlist: matched track ids and entries not in the library."""

    playlist_id: int
    track_ids: list[int] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@user_errors
def import_playlist(source: str | Path, name: str = "",
                    library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> ImportResult:
    """Import an M3U/M3U8/XSPF file as a saved playlist of the library tracks it names."""
    from engine.library.playlists.files import read_playlist
    from engine.library.playlists.saved import save_items

    entries = read_playlist(source)
    with Reader(library_path) as reader:
        known = {Reader.path_of(p): i for p, i in reader.execute("SELECT path, id FROM tracks")}
    ids, missing = [], []
    for entry in entries:
        track_id = known.get(entry.path) or known.get(str(Path(entry.path).resolve()))
        (ids.append(track_id) if track_id is not None else missing.append(entry.path))
    playlist_id = save_items(name or Path(source).stem, ids, library_path=library_path)
    return ImportResult(playlist_id, ids, missing)


def preview(path: str | Path, progress: ProgressFn = no_progress,
            cancelled: CancelledFn = never_cancelled) -> str:
    """Start playing a preview of ``path``; return a status line (PreviewError if no audio)."""
    from engine.library.preview import play_preview

    return play_preview(path)


@user_errors
def derive_tags(track: str | int | Path, library_path: str | Path | None = None,
                progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> dict[str, object]:
    """Tags with probabilities, and the evidence behind them, for a track or any audio file.

    The stable entry point for other rooms (the Commentary room derives its conditioning tags
    from it). ``track``: a library track's id or path, or an audio file. Returns::

        {"path", "track_id" (None outside the library), "model" (the tagger model),
         "tags": {tag: probability, every tag of the model}, "shown": {tag: probability},
         "kind": "music" | "speech" | "other", "music_probability" (None when stored),
         "evidence": {"tempo_bpm", "loudness_db", "loudness_range_db", "pulse_clarity",
                      "chroma_stability", "duration_s", "key", "key_strength"},
         "source": "library" | "heard now"}

    A library track's stored tags and features are used (no torch); the key is measured from
    the audio (a fraction of a second). Anything else is heard now (decode, features, tagger).
    Raises ``UserFacingError`` for a file that is neither in the library nor readable audio.
    """
    from engine.library.analysis.describe import describe_file, describe_stored

    stored = describe_stored(track, library_path)
    if stored is not None:
        return stored
    found = Path(str(track)).expanduser()
    if not found.is_file():
        from engine.errors import UserFacingError

        raise UserFacingError(f"{track}: no such track in the library, and not a file")
    progress(0.1, "Listening to the track")
    from engine.library.analysis.decode import DecodeError

    try:
        return {**describe_file(found), "track_id": None}
    except DecodeError as exc:
        from engine.errors import UserFacingError

        raise UserFacingError(f"{found}: {exc}") from exc


def add_favourite(text: str, track_id: int | None = None,
                  library_path: str | Path | None = None) -> int:
    """Keep a commentary the user liked (optionally about a track); return its id."""
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    with Library(library_path) as library, library.transaction() as session:
        favourite = m.Favourite(text=text, track_id=track_id, created_at=time.time())
        session.add(favourite)
        session.flush()
        return int(favourite.id)


def list_favourites(library_path: str | Path | None = None) -> list[tuple[int, str, int | None]]:
    """Every kept commentary as ``(id, text, track_id)``, newest first."""
    with Reader(library_path) as reader:
        return [tuple(row) for row in reader.execute(
            "SELECT id, text, track_id FROM favourites ORDER BY created_at DESC, id DESC")]


def enrich_genres(client_id: str = "", library_path: str | Path | None = None,
                  progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> object:
    """Fill empty genres from Spotify (optional, online); returns a ``spotify.EnrichReport``.

    The secret comes only from ``SPOTIPY_CLIENT_SECRET``; ``client_id`` (from the app's
    settings) overrides ``SPOTIPY_CLIENT_ID``.
    """
    from engine.library.spotify import enrich_library, settings_from_env

    settings = settings_from_env()
    if client_id:
        settings.client_id = client_id
    return enrich_library(settings, library_path, progress, cancelled)


def move_library_aside(library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                       cancelled: CancelledFn = never_cancelled) -> Path:
    """Rename the library file (and its WAL/SHM companions) aside, never deleting it.

    Returns the new name, ``library.sqlite.corrupt-YYYYmmdd-HHMMSS``; the next open starts a
    fresh, empty library.
    """
    from engine.library.scan.duplicates import DEMO_MARKER

    db = Path(library_path) if library_path is not None else paths.db_path()
    target = db.with_name(f"{db.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    number = 1
    while target.exists():
        number += 1
        target = target.with_name(f"{target.name.split('~')[0]}~{number}")
    for suffix in ("-wal", "-shm"):
        companion = db.with_name(db.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    db.rename(target)
    if library_path is None:
        (paths.segue_home() / DEMO_MARKER).unlink(missing_ok=True)  # the fresh one gets the demo
    return target
