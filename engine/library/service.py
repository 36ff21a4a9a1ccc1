"""Public engine functions of the library room, for the CLI and the panel's jobs.

Each opens the library itself (one session per call, so it is safe on the job runner's worker
thread), takes ``progress``/``cancelled`` where the work is long, and returns plain dataclasses.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.library import models as m
from engine.library.db import Library
from engine.library.errors import user_errors
from engine.library.nonmusic import is_music
from engine.library.playlist_io import Entry, read_playlist, write_playlist
from engine.library.playlists import PlaylistItem, PlaylistRules, build_path, build_playlist
from engine.library.scanner import ScanResult, scan_folder

DEMO_MARKER = ".demo-library-scanned"


@user_errors
def scan(folder: str | Path, progress: ProgressFn = no_progress,
         cancelled: CancelledFn = never_cancelled, library_path: str | Path | None = None,
         workers: int = 2, cluster: str | None = None, send_audio: bool = False) -> ScanResult:
    """Scan ``folder`` into the library, then refresh the embeddings if anything changed.

    ``cluster`` (``tcp://HOST:8786``): analyse on that Dask scheduler's workers instead of
    ``workers`` local processes (engine/library/cluster.py)."""
    from contextlib import ExitStack

    from engine.library.embeddings import refresh_embeddings
    from engine.library.scanlock import scan_lock

    db = Path(library_path) if library_path is not None else paths.db_path()
    with ExitStack() as stack, scan_lock(db), Library(db) as library:
        backend = None
        if cluster:
            from engine.library.cluster import ClusterAnalysis

            backend = stack.enter_context(ClusterAnalysis(cluster, send_audio=send_audio))
        result = scan_folder(library, folder, scaled_progress(progress, 0.0, 0.9), cancelled,
                             workers=workers, backend=backend)
        refresh_embeddings(library, scaled_progress(progress, 0.9, 0.95), cancelled)
        refresh_seed_embeddings(library, scaled_progress(progress, 0.95, 1.0), cancelled)
    return result


def refresh_seed_embeddings(library: Library, progress: ProgressFn = no_progress,
                            cancelled: CancelledFn = never_cancelled) -> None:
    """Spectrogram-VAE and lyric vectors after a scan (bounded time; a missing bundled model is
    logged, never fatal: the ``features`` embedding still works)."""
    from engine.library.spectro_store import refresh_spectrogram
    from engine.logsetup import get_logger

    try:
        refresh_spectrogram(library, progress, cancelled)
    except FileNotFoundError as exc:
        from engine.library.spectro_store import load_patches

        if load_patches(library)[0]:  # tracks wait for vectors: say why they get none
            get_logger(__name__).warning("no spectrogram embeddings: %s", exc)


def demo_folder() -> Path:
    """The bundled demo library (``assets/audio``)."""
    return paths.assets_dir() / "audio"


@user_errors
def ensure_demo_library(progress: ProgressFn = no_progress,
                        cancelled: CancelledFn = never_cancelled,
                        library_path: str | Path | None = None) -> ScanResult | None:
    """On first launch, scan the demo clips and tag them from their MANIFEST; else do nothing."""
    marker = paths.segue_home() / DEMO_MARKER
    folder = demo_folder()
    if marker.exists() or not folder.is_dir():
        return None
    result = scan(folder, progress, cancelled, library_path)
    manifest = folder / "MANIFEST.csv"
    if manifest.is_file():
        with open(manifest, encoding="utf-8") as handle:
            rows = {r["file"]: r for r in csv.DictReader(handle)}
        with Library(library_path) as library, library.transaction() as session:
            for track in session.scalars(select(m.Track)):
                row = rows.get(Path(track.path).name)
                if row and Path(track.path).parent == folder.resolve():
                    track.title = row["title"] or track.title
                    track.artist = track.artist or row["creator"]
                    track.genre = track.genre or row["category"]
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"), encoding="utf-8")
    return result


@dataclass
class TrackRow:
    """One row of the library table."""

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

    @property
    def is_music(self) -> bool:
        """False when the analysis flagged speech or a field recording."""
        return is_music(self.music_score)


@user_errors
def list_tracks(library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> list[TrackRow]:
    """Every track of the library (analysed, pending and skipped), by path."""
    with Library(library_path) as library, library.transaction() as session:
        query = select(m.Track.id, m.Track.title, m.Track.artist, m.Track.album, m.Track.genre,
                       m.Track.duration, m.Track.tempo, m.Track.status, m.Track.path,
                       m.Track.skip_reason, m.Track.music_score).order_by(m.Track.path)
        return [TrackRow(*row) for row in session.execute(query)]


@dataclass
class PlaylistResult:
    """A built playlist, where it was written (if anywhere) and its saved id."""

    items: list[PlaylistItem]
    out: str | None = None
    playlist_id: int | None = None


@user_errors
def make_playlist(seeds: list[str | int], rules: PlaylistRules | None = None,
                  out: str | Path | None = None, path_to: str | int | None = None,
                  name: str = "", library_path: str | Path | None = None,
                  progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> PlaylistResult:
    """Build a playlist from ``seeds`` (or a path from ``seeds[0]`` to ``path_to``).

    Writes it to ``out`` (``.m3u8`` or ``.xspf``) and saves it in the library when ``name`` is
    given. Raises ``LookupError`` for an unknown seed.
    """
    from engine.library.catalogue import load_catalogue
    from engine.library.embeddings import refresh_embeddings

    rules = rules or PlaylistRules()
    with Library(library_path) as library:
        refresh_embeddings(library, progress, cancelled)
        if rules.embedding != "features":
            refresh_seed_embeddings(library, no_progress, cancelled)
        catalogue = load_catalogue(library, embedding=rules.embedding)
        if len(catalogue) == 0 and rules.embedding != "features" and len(load_catalogue(library)):
            raise LookupError(f"no track has a {rules.embedding} embedding yet: scan the folder "
                              "again, or use the features embedding")
        if len(catalogue) == 0:
            raise LookupError("the library has no analysed tracks yet: scan a folder first")
        if path_to is not None:
            items = build_path(catalogue, seeds[0], path_to, rules)
        else:
            items = build_playlist(catalogue, seeds, rules)
        result = PlaylistResult(items)
        if out is not None:
            result.out = str(export_items(items, out))
        if name:
            result.playlist_id = save_playlist(library, name, [i.id for i in items], rules)
    return result


@user_errors
def export_items(items: list[PlaylistItem], out: str | Path, progress: ProgressFn = no_progress,
                 cancelled: CancelledFn = never_cancelled) -> Path:
    """Write playlist items to ``out`` (format by extension: .m3u8 or .xspf)."""
    entries = [Entry(i.path, i.title, i.artist, i.duration) for i in items]
    return write_playlist(out, entries)


def save_playlist(library: Library, name: str, track_ids: list[int],
                  rules: PlaylistRules | None = None) -> int:
    """Store a playlist in the library; return its id."""
    with library.transaction() as session:
        playlist = m.Playlist(name=name, created_at=time.time(),
                              rules_json=json.dumps(rules.as_dict() if rules else {}))
        session.add(playlist)
        session.flush()
        for position, track_id in enumerate(track_ids):
            session.add(m.PlaylistEntry(playlist_id=playlist.id, position=position,
                                        track_id=track_id))
        return int(playlist.id)


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
    entries = read_playlist(source)
    with Library(library_path) as library:
        with library.transaction() as session:
            known = dict(session.execute(select(m.Track.path, m.Track.id)).all())
        ids, missing = [], []
        for entry in entries:
            track_id = known.get(entry.path) or known.get(str(Path(entry.path).resolve()))
            (ids.append(track_id) if track_id is not None else missing.append(entry.path))
        playlist_id = save_playlist(library, name or Path(source).stem, ids)
    return ImportResult(playlist_id, ids, missing)


@dataclass
class MapPoints:
    """2-D PCA of the embeddings, with a label per point (genre, or k-means cluster)."""

    ids: np.ndarray
    xy: np.ndarray
    labels: list[str]
    titles: list[str]
    paths: list[str]
    artists: list[str] = field(default_factory=list)

    def label(self, index: int) -> str:
        """"Artist – Title" of point ``index`` (the map's hover label)."""
        artist = self.artists[index] if index < len(self.artists) else ""
        return " – ".join(x for x in (artist, self.titles[index]) if x)


@user_errors
def library_map(colour_by: str = "genre", library_path: str | Path | None = None,
                progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled, refit: bool = True) -> MapPoints:
    """Project every embedding to 2-D and label it by genre or by cluster.

    With ``refit=False`` the stored embeddings are used as they are (no torch import).
    """
    from engine.library.catalogue import load_catalogue
    from engine.library.embeddings import refresh_embeddings

    with Library(library_path) as library:
        if refit:
            refresh_embeddings(library, progress, cancelled)
        catalogue = load_catalogue(library)
    vectors = catalogue.vectors
    if len(vectors) >= 2:
        centred = vectors - vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(centred[: min(len(centred), 20000)], full_matrices=False)
        xy = centred @ vt[:2].T
    else:
        xy = np.zeros((len(vectors), 2), np.float32)
    if colour_by == "cluster" and len(vectors) >= 2:
        from sklearn.cluster import MiniBatchKMeans

        k = int(min(8, max(2, round(np.sqrt(len(vectors) / 2)))))
        found = MiniBatchKMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(vectors)
        labels = [f"cluster {c + 1}" for c in found]
    else:
        labels = [g or "unknown" for g in catalogue.genres]
    return MapPoints(catalogue.ids, xy.astype(np.float32), labels, list(catalogue.titles),
                     list(catalogue.paths), list(catalogue.artists))


def preview(path: str | Path, progress: ProgressFn = no_progress,
            cancelled: CancelledFn = never_cancelled) -> str:
    """Start playing a preview of ``path``; return a status line (PreviewError if no audio)."""
    from engine.library.preview import play_preview

    return play_preview(path)


def add_favourite(text: str, track_id: int | None = None,
                  library_path: str | Path | None = None) -> int:
    """Keep a commentary the user liked (optionally about a track); return its id."""
    with Library(library_path) as library, library.transaction() as session:
        favourite = m.Favourite(text=text, track_id=track_id, created_at=time.time())
        session.add(favourite)
        session.flush()
        return int(favourite.id)


def list_favourites(library_path: str | Path | None = None) -> list[tuple[int, str, int | None]]:
    """Every kept commentary as ``(id, text, track_id)``, newest first."""
    with Library(library_path) as library, library.transaction() as session:
        query = select(m.Favourite.id, m.Favourite.text, m.Favourite.track_id).order_by(
            m.Favourite.created_at.desc(), m.Favourite.id.desc())
        return [tuple(row) for row in session.execute(query)]


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
