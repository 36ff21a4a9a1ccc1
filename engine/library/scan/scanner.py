"""Incremental, resumable, cancellable folder scans with analysis in a process pool.

A scan has two steps. *Reconcile* walks the folder and, in one transaction, records new files
(``pending``), changed files (back to ``pending``), moved files (same content hash at a new path:
the row, its features and embedding follow the file) and removed files. *Analyse* decodes every
``pending`` track in a pool of worker processes (engine/library/scan/pool.py running
engine/library/analysis/track.py) and commits
results in batches (engine/library/scan/store.py: every 64 results or 2 s), so killing the
process loses at most one batch and the next scan resumes with what is still ``pending``.
Bad files never stop a scan: they are stored as ``skipped`` with a reason. Only regular files are
ever opened: a FIFO, socket or device named like audio is skipped from its ``stat`` alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.library.analysis.metadata import content_hash
from engine.library.analysis.track import analyse_file, not_a_file
from engine.library.scan.pool import analyse_in_pool, max_workers
from engine.library.scan.store import BatchWriter
from engine.library.storage import models as m
from engine.library.storage.db import Library
from engine.library.storage.fspath import display

AUDIO_EXTENSIONS = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav", ".aif", ".aiff", ".m4a", ".aac", ".wma"}
)
DEFAULT_WORKERS = 2
DEFAULT_BATCH = 64  # results per transaction at most (a kill loses at most this many)...
FLUSH_SECONDS = 2.0  # ...or at most this many seconds of results, whichever comes first
SMALL_SCAN = 8  # fewer pending files than this: analyse in-process (no pool start-up)
# Another place to analyse pending files (engine/library/scan/cluster.py): called with the paths, the
# function that records each analyse_one() result, and the cancel check.
Backend = Callable[[list[str], Callable[[dict[str, object]], None], CancelledFn], None]


@dataclass
class Skip:
    """A file the scan could not use and why."""

    path: str
    reason: str


@dataclass
class ScanResult:
    """What a scan did (the ``segue library scan --json`` answer)."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    resumed: int = 0
    analysed: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    seconds: float = 0.0
    tagger_cpu: float = 0.0  # CPU seconds the music tagger took, summed over analysed files

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return {
            "added": self.added,
            "updated": self.updated,
            "moved": self.moved,
            "removed": self.removed,
            "resumed": self.resumed,
            "analysed": self.analysed,
            "unchanged": self.unchanged,
            "skipped": [{"path": display(s.path), "reason": s.reason} for s in self.skipped],
            "seconds": round(self.seconds, 3),
            "tagger_cpu_seconds": round(self.tagger_cpu, 3),
        }


def iter_audio_files(folder: Path) -> Iterable[Path]:
    """Yield audio files under ``folder`` (by extension), sorted, not following links."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in AUDIO_EXTENSIONS:
                yield Path(root) / name


def _under(folder: str):  # noqa: ANN202 - a SQLAlchemy clause
    return m.Track.path.startswith(folder.rstrip(os.sep) + os.sep, autoescape=True)


def reconcile(library: Library, folder: Path, result: ScanResult,
              progress: ProgressFn = no_progress) -> None:
    """Compare the folder with the library and record new/changed/moved/removed files."""
    folder_key = str(folder)
    on_disk: dict[str, tuple[int, float] | str] = {}  # (size, mtime), or why it is skipped
    for path in iter_audio_files(folder):
        try:
            stat = path.stat()  # follows a link to see what it names; opens nothing
        except OSError:
            on_disk[str(path)] = "cannot read file"
            continue
        # A FIFO, socket or device named like audio is never opened (a FIFO would block for ever)
        on_disk[str(path)] = not_a_file(stat.st_mode) or (stat.st_size, stat.st_mtime)
    progress(0.0, f"Found {len(on_disk)} audio files; checking what changed")
    now = time.time()
    added: list[dict[str, object]] = []
    with library.transaction() as session:
        known = {t.path: t for t in session.scalars(select(m.Track).where(_under(folder_key)))}
        gone = {path: t for path, t in known.items() if path not in on_disk}
        by_hash = {t.content_hash: t for t in gone.values() if t.content_hash}
        for path, stat in on_disk.items():
            track = known.get(path)
            if isinstance(stat, str):
                _mark_unreadable(session, track, path, now, stat)
                continue
            size, mtime = stat
            if track is not None and track.size == size and track.mtime == mtime \
                    and not _retry(track):
                if track.status == m.PENDING:
                    result.resumed += 1
                else:
                    result.unchanged += 1
                continue
            try:
                digest = content_hash(path, size)
            except PermissionError:
                _mark_unreadable(session, track, path, now, "permission denied")
                continue
            except OSError as exc:
                _mark_unreadable(session, track, path, now, f"cannot read: {exc.strerror}")
                continue
            if track is not None:
                track.size, track.mtime, track.content_hash = size, mtime, digest
                track.status, track.skip_reason, track.updated_at = m.PENDING, "", now
                result.updated += 1
                continue
            moved = by_hash.pop(digest, None)
            if moved is not None:
                del gone[moved.path]
                moved.path, moved.mtime, moved.updated_at = path, mtime, now
                if moved.status != m.ANALYSED:  # e.g. skipped because it moved mid-scan
                    moved.status, moved.skip_reason = m.PENDING, ""
                result.moved += 1
                continue
            added.append({"path": path, "size": size, "mtime": mtime, "content_hash": digest,
                          "status": m.PENDING, "added_at": now, "updated_at": 0.0})
        for track in gone.values():
            session.delete(track)
        if added:  # one executemany (an ORM object per new file cost more than its hash)
            session.flush()
            session.execute(insert(m.Track.__table__), added)
        result.added = len(added)
        result.removed = len(gone)
        result.updated += _outdated_to_pending(session, folder_key)


# Skip reasons that say nothing about the file's content: retried by the next scan even when the
# file's size and modification time did not change (permissions fixed, a share back online...).
TRANSIENT_REASONS = ("permission denied", "cannot read")


def _retry(track: m.Track) -> bool:
    return track.status == m.SKIPPED and track.skip_reason.startswith(TRANSIENT_REASONS)


def _outdated_to_pending(session, folder_key: str) -> int:  # noqa: ANN001
    """Send analysed tracks an older Segue analysed (older features, no music score) back to
    ``pending``."""
    from engine.library.analysis.features import FEATURE_VERSION
    from engine.library.scan.store import without_extras

    current = select(m.Feature.track_id).where(m.Feature.version == FEATURE_VERSION)
    stale = session.scalars(
        select(m.Track).where(m.Track.status == m.ANALYSED, _under(folder_key),
                              m.Track.id.not_in(current) | (m.Track.music_score < 0)
                              | without_extras())
    ).all()
    for track in stale:
        track.status = m.PENDING
    return len(stale)


def _mark_unreadable(session, track, path: str, now: float, reason: str) -> None:  # noqa: ANN001
    if track is None:
        track = m.Track(path=path, size=0, mtime=0.0, added_at=now)
        session.add(track)
    track.status, track.skip_reason, track.updated_at = m.SKIPPED, reason, now


def _eta(done: int, total: int, started: float) -> str:
    if done == 0:
        return ""
    remaining = (time.monotonic() - started) / done * (total - done)
    return f", about {remaining:.0f} s left"


def analyse_pending(
    library: Library,
    folder: Path | None,
    result: ScanResult,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
    workers: int = DEFAULT_WORKERS,
    batch: int = DEFAULT_BATCH,
    backend: Backend | None = None,
) -> None:
    """Analyse the ``pending`` tracks (under ``folder``), committing every ``batch`` results or
    :data:`FLUSH_SECONDS`, whichever comes first.

    ``backend`` (e.g. a Dask cluster) analyses them instead of the local processes."""
    with library.transaction() as session:
        query = select(m.Track.path).where(m.Track.status == m.PENDING)
        if folder is not None:
            query = query.where(_under(str(folder)))
        todo = list(session.scalars(query.order_by(m.Track.path)))
    total = len(todo)
    started = time.monotonic()
    writer = BatchWriter(library, batch, FLUSH_SECONDS)

    def record(item: dict[str, object]) -> None:
        writer.add(item)
        result.analysed += 1
        result.tagger_cpu += float(item.get("tag_seconds", 0.0) or 0.0)
        done = result.analysed
        progress(done / max(1, total), f"Analysed {done}/{total}{_eta(done, total, started)}")

    with writer:  # stores what is left however the analysis ends (a kill loses one batch)
        if backend is not None:
            if todo:
                backend(todo, record, cancelled)
        elif workers <= 1 or total < SMALL_SCAN:
            for path in todo:
                check_cancelled(cancelled)
                record(analyse_file(path))
        else:
            analyse_in_pool(todo, workers, record, cancelled)


def scan_folder(
    library: Library,
    folder: str | Path,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
    workers: int = DEFAULT_WORKERS,
    batch: int = DEFAULT_BATCH,
    backend: Backend | None = None,
) -> ScanResult:
    """Scan ``folder`` into ``library`` incrementally; return what changed.

    Raises :class:`engine.jobs.Cancelled` when ``cancelled()`` turns true (work done so far is
    kept and the next scan resumes) and ``NotADirectoryError`` for a missing folder.
    """
    started = time.monotonic()
    workers = max(1, min(int(workers), max_workers()))
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {display(folder)}")
    result = ScanResult()
    progress(0.0, f"Looking for audio files in {display(folder)}")
    reconcile(library, folder, result, progress)
    check_cancelled(cancelled)
    analyse_pending(library, folder, result, progress, cancelled, workers, batch, backend)
    with library.transaction() as session:
        query = select(m.Track.path, m.Track.skip_reason).where(
            m.Track.status == m.SKIPPED, _under(str(folder))
        )
        result.skipped = [Skip(path, reason) for path, reason in session.execute(query)]
    result.seconds = time.monotonic() - started
    progress(1.0, f"Scan done: {result.added} added, {len(result.skipped)} skipped")
    return result
