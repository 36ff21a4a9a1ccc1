"""Vector snapshots: an embedding option's whole matrix in one row, for a quick cold query.

Reading 100,000 per-track vector rows costs a few tenths of a second of CPU; one blob, read
straight into a numpy array (``blobopen``, no intermediate bytes object), a few hundredths. Vectors
stay float32 (float16 would halve the bytes read, but converting them back cost more than reading
the difference); vectors wider than :data:`MAX_DIMS` are stored as their projection on their
principal components (:func:`reduce`), like an index's compression. After every scan (and removal)
the option in use is snapshotted (:func:`snapshot`, into ``vector_snapshots``); a query for another
option, or one that finds its snapshot out of date, rebuilds it from the per-track rows — numpy and
sqlite3 only: it never refits a model — and stores it when the library can be written.

*Out of date* is judged by the library's generation: SQLite triggers (migration 0005) bump
``library_state.generation`` on every insert, update or delete in ``tracks`` and the vector tables,
so checking it is one indexed read whatever the library's size.

Tracks analysed after the last refresh have no vectors yet: the snapshot keeps how many analysed
tracks it lacks (``missing``), and ``segue playlist`` says so instead of silently leaving them out.
"""

from __future__ import annotations

import sqlite3
import time

import numpy as np

from engine.library.embeddings.options import vectors_for
from engine.library.storage.reader import Reader

FORMAT = "f32-pca64"  # how vectors are stored: a snapshot of another format is rebuilt
MAX_DIMS = 64  # wider vectors are stored as their projection on this many principal components
PCA_SAMPLE = 20_000  # rows the principal components are computed from (seeded sample)


def generation(reader: Reader) -> int:
    """The library's change counter (kept by triggers)."""
    return int(reader.scalar("SELECT value FROM library_state WHERE key = 'generation'") or 0)


def stamp(reader: Reader, option: str) -> str:
    """What the option's vectors would be made from now."""
    return f"{option}@{generation(reader)}:{FORMAT}"


def load(reader: Reader, option: str, write: bool = True,
         made_from: str | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """``(ids, vectors, missing)`` of ``option``: the stored snapshot when current, else rebuilt
    (and stored, if ``write`` and the library can be written)."""
    now = made_from or stamp(reader, option)
    row = reader.execute("SELECT rowid, stamp, dim, missing FROM vector_snapshots WHERE name = ?",
                         (option,)).fetchone()
    if row is not None and row[1] == now:
        ids = _blob(reader, row[0], "ids", np.int64)
        dim = int(row[2])
        vectors = (_blob(reader, row[0], "vectors", np.float32).reshape(len(ids), dim)
                   if len(ids) else np.zeros((0, dim), np.float32))
        return ids, vectors, int(row[3])
    ids, vectors = vectors_for(option, reader)
    vectors = reduce(vectors)
    analysed = int(reader.scalar("SELECT count(*) FROM tracks WHERE status = 'analysed'") or 0)
    missing = max(0, analysed - len(ids))
    if write:
        store(reader, option, now, ids, vectors, missing)
    return ids, vectors, missing


def reduce(vectors: np.ndarray, dims: int = MAX_DIMS, seed: int = 0) -> np.ndarray:
    """``vectors`` projected on their ``dims`` principal components (centred), when wider.

    Distances in the projection are the full distances less what the dropped components hold
    (on real recordings the tagger's 200-d layer keeps 99 % of its variance in 64); the
    neighbours barely change (``bench/playlist_query.py`` prints the recall@10 against the full
    vectors) and a cold query reads a third of the bytes.
    """
    vectors = np.asarray(vectors, np.float32)
    if vectors.ndim != 2 or vectors.shape[1] <= dims or len(vectors) <= dims:
        return vectors
    mean = vectors.mean(axis=0)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), PCA_SAMPLE, replace=False) if len(vectors) > PCA_SAMPLE \
        else np.arange(len(vectors))
    _, _, vt = np.linalg.svd(vectors[rows] - mean, full_matrices=False)
    return ((vectors - mean) @ vt[:dims].T).astype(np.float32)


def _blob(reader: Reader, rowid: int, column: str, dtype: type) -> np.ndarray:
    """One snapshot blob read straight into a numpy array (no intermediate bytes object)."""
    with reader.connection.blobopen("vector_snapshots", column, rowid, readonly=True) as blob:
        out = np.empty(len(blob), np.uint8)
        view, position = memoryview(out), 0
        while position < len(out):
            chunk = blob.read(8 << 20)
            view[position:position + len(chunk)] = chunk
            position += len(chunk)
    return out.view(dtype)


def store(reader: Reader, option: str, made_from: str, ids: np.ndarray, vectors: np.ndarray,
          missing: int = 0) -> None:
    """Write one snapshot (a read-only or busy library keeps the old one: it is only a cache)."""
    dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
    try:
        with reader.connection:
            reader.execute(
                "INSERT OR REPLACE INTO vector_snapshots (name, stamp, dim, ids, vectors, "
                "made_at, missing) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (option, made_from, dim, np.ascontiguousarray(ids, np.int64).tobytes(),
                 np.ascontiguousarray(vectors, np.float32).tobytes(), time.time(), missing))
    except sqlite3.OperationalError:  # read-only, locked by a scan: next time
        pass


def snapshot(library_path: object, options: tuple[str, ...] | None = None) -> None:
    """Refresh the snapshots of ``options`` (default: the option in use, see
    :func:`engine.library.embeddings.choices.in_use`); drop the others (out of date anyway)."""
    from engine.library.embeddings.choices import in_use

    options = options or (in_use(),)
    with Reader(getattr(library_path, "path", library_path)) as reader:
        for option in options:
            load(reader, option)
        marks = ",".join("?" * len(options))
        try:
            with reader.connection:
                reader.execute(f"DELETE FROM vector_snapshots WHERE name NOT IN ({marks})",
                               options)
        except sqlite3.OperationalError:
            pass
