"""Incremental, resumable, cancellable folder scans with analysis in a process pool.

A scan has two steps. *Reconcile* walks the folder and, in one transaction, records new files
(``pending``), changed files (back to ``pending``), moved files (same content hash at a new path:
the row, its features and embedding follow the file) and removed files. *Analyse* decodes every
``pending`` track in a pool of worker processes and commits results in small batches, so killing
the process loses at most one batch and the next scan resumes with what is still ``pending``.
Bad files never stop a scan: they are stored as ``skipped`` with a reason.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.library import models as m
from engine.library.db import Library
from engine.library.fspath import display
from engine.library.tags import content_hash

AUDIO_EXTENSIONS = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav", ".aif", ".aiff", ".m4a", ".aac", ".wma"}
)
DEFAULT_WORKERS = 2
DEFAULT_BATCH = 16
SMALL_SCAN = 8  # fewer pending files than this: analyse in-process (no pool start-up)
# Another place to analyse pending files (engine/library/cluster.py): called with the paths, the
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
        }


def _worker_init(parent_pid: int) -> None:
    """Pool-worker start-up: die with the scanning process, even when it is SIGKILLed.

    Linux: ``PR_SET_PDEATHSIG`` asks the kernel to send SIGKILL when the parent goes. Everywhere: a
    watchdog thread exits as soon as the parent pid changes (the worker was orphaned).
    """
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="segue-orphan-watch", daemon=True).start()


def max_workers() -> int:
    """The most analysis processes a scan may use: the CPU count."""
    return max(1, os.cpu_count() or 1)


def analyse_one(path: str) -> dict[str, object]:
    """Worker-process entry: decode and analyse one file, read its tags; never raises."""
    from engine.library.audio_decode import DecodeError, decode
    from engine.library.features import FEATURE_NAMES, FEATURE_VERSION, analyse_samples
    from engine.library.fingerprint import fingerprint
    from engine.library.nonmusic import music_score
    from engine.library.scan_extras import analyse_extras
    from engine.library.tags import read_tags

    try:
        decoded = decode(path)
        vector, stability = analyse_samples(decoded.samples, decoded.sample_rate)
        pulse = float(vector[FEATURE_NAMES.index("pulse_clarity")])
        prints = fingerprint(decoded.samples, decoded.sample_rate)
        extras = analyse_extras(path, decoded.samples, decoded.sample_rate)  # patches, lyrics
    except DecodeError as exc:
        return {"path": path, "reason": str(exc)}
    except MemoryError:
        return {"path": path, "reason": "too big to analyse (out of memory)"}
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the scan
        return {"path": path, "reason": f"analysis failed: {type(exc).__name__}: {exc}"}
    return {
        "path": path,
        "vector": vector.astype(np.float32).tobytes(),
        "version": FEATURE_VERSION,
        "duration": float(decoded.duration),
        "tempo": float(vector[0]),
        "music_score": music_score(stability, pulse),
        "fingerprint": prints,
        "tags": read_tags(path),
        **extras,
    }


def analyse_file(path: str) -> dict[str, object]:
    """:func:`analyse_one` with BLAS/OpenMP at one thread (the same floats in every process)."""
    from engine.library.onethread import single_threaded

    return single_threaded(analyse_one, path)


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
    on_disk: dict[str, tuple[int, float] | None] = {}
    for path in iter_audio_files(folder):
        try:
            stat = path.stat()
            on_disk[str(path)] = (stat.st_size, stat.st_mtime)
        except OSError:
            on_disk[str(path)] = None
    progress(0.0, f"Found {len(on_disk)} audio files; checking what changed")
    now = time.time()
    with library.transaction() as session:
        known = {t.path: t for t in session.scalars(select(m.Track).where(_under(folder_key)))}
        gone = {path: t for path, t in known.items() if path not in on_disk}
        by_hash = {t.content_hash: t for t in gone.values() if t.content_hash}
        for path, stat in on_disk.items():
            track = known.get(path)
            if stat is None:
                _mark_unreadable(session, track, path, now)
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
            session.add(
                m.Track(path=path, size=size, mtime=mtime, content_hash=digest,
                        status=m.PENDING, added_at=now, updated_at=0.0)
            )
            result.added += 1
        for track in gone.values():
            session.delete(track)
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
    from engine.library.features import FEATURE_VERSION
    from engine.library.scan_extras import without_extras

    current = select(m.Feature.track_id).where(m.Feature.version == FEATURE_VERSION)
    stale = session.scalars(
        select(m.Track).where(m.Track.status == m.ANALYSED, _under(folder_key),
                              m.Track.id.not_in(current) | (m.Track.music_score < 0)
                              | without_extras())
    ).all()
    for track in stale:
        track.status = m.PENDING
    return len(stale)


def _mark_unreadable(session, track, path: str, now: float,  # noqa: ANN001
                     reason: str = "cannot read file") -> None:
    if track is None:
        track = m.Track(path=path, size=0, mtime=0.0, added_at=now)
        session.add(track)
    track.status, track.skip_reason, track.updated_at = m.SKIPPED, reason, now


def _store(library: Library, results: list[dict[str, object]]) -> None:
    """Write one batch of analysis results in one transaction."""
    from engine.library.scan_extras import store_extras

    now = time.time()
    with library.transaction() as session:
        for item in results:
            track = session.scalar(select(m.Track).where(m.Track.path == item["path"]))
            if track is None:  # removed while we analysed it
                continue
            track.updated_at = now
            if "reason" in item:
                if not os.path.lexists(track.path):  # moved or deleted while we analysed it:
                    continue  # stays pending; the next scan's reconcile finds where it went
                track.status, track.skip_reason = m.SKIPPED, str(item["reason"])
                session.execute(delete(m.Feature).where(m.Feature.track_id == track.id))
                continue
            tags = item["tags"]
            track.title, track.artist = tags["title"], tags["artist"]
            track.album, track.genre = tags["album"], tags["genre"]
            track.duration, track.tempo = item["duration"], item["tempo"]
            track.music_score, track.fingerprint = item["music_score"], item["fingerprint"]
            track.status, track.skip_reason = m.ANALYSED, ""
            session.merge(m.Feature(track_id=track.id, version=item["version"],
                                    vector=item["vector"]))
            store_extras(session, track.id, item)  # patches, lyrics (engine/library/scan_extras)


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
    """Analyse the ``pending`` tracks (under ``folder``), committing every ``batch`` results.

    ``backend`` (e.g. a Dask cluster) analyses them instead of the local processes."""
    with library.transaction() as session:
        query = select(m.Track.path).where(m.Track.status == m.PENDING)
        if folder is not None:
            query = query.where(_under(str(folder)))
        todo = list(session.scalars(query.order_by(m.Track.path)))
    total = len(todo)
    started = time.monotonic()
    pending: list[dict[str, object]] = []

    def record(item: dict[str, object]) -> None:
        pending.append(item)
        result.analysed += 1
        if len(pending) >= batch:
            _store(library, pending)
            pending.clear()
        done = result.analysed
        progress(done / max(1, total), f"Analysed {done}/{total}{_eta(done, total, started)}")

    try:
        if backend is not None:
            if todo:
                backend(todo, record, cancelled)
        elif workers <= 1 or total < SMALL_SCAN:
            for path in todo:
                check_cancelled(cancelled)
                record(analyse_file(path))
        else:
            _analyse_in_pool(todo, workers, record, cancelled)
    finally:
        if pending:
            _store(library, pending)


def _analyse_in_pool(todo: list[str], workers: int, record, cancelled: CancelledFn) -> None:  # noqa: ANN001
    """Run :func:`analyse_one` over ``todo`` in ``workers`` processes, a bounded number in flight."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
    queue = iter(todo)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
        in_flight = set()
        try:
            while True:
                while len(in_flight) < workers * 3:
                    path = next(queue, None)
                    if path is None:
                        break
                    in_flight.add(pool.submit(analyse_file, path))
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    record(future.result())
                check_cancelled(cancelled)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


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
