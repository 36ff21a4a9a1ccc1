"""The library's embedding options, side by side: one function gives each option's stored vectors.

For the playlist builder (through :mod:`engine.library.embeddings.snapshot` and
:func:`engine.library.playlists.catalogue.load_catalogue`) and the evaluation::

    vectors_for(option, source) -> (ids: int64 (N,), matrix: float32 (N, d))

Options (:data:`OPTIONS` are the values of the ``embedding`` setting):

* ``features`` — the autoencoder over the analysis features (:mod:`.autoencoder_store`);
* ``spectrogram`` — the spectrogram VAE's mean latent (:mod:`.spectro_store`);
* ``tagger`` — the music tagger's penultimate layer (200-d, :mod:`engine.library.analysis.tagging`),
  as it is (chosen on the eval's selection split over a standardised and a unit-length version);
* ``combined`` — features and spectrogram, each block centred and scaled to unit mean squared
  norm, on the tracks that have both; ``tagger+features`` and ``tagger+combined`` likewise;
* ``lyrics`` — the lyric embedding, only tracks with lyrics (masked out, never zero-filled).

``source``: a :class:`~engine.library.storage.reader.Reader`, a
:class:`~engine.library.storage.db.Library` or the path of a ``library.sqlite``. Rows are analysed
tracks, ordered by id. Reading needs numpy and sqlite3 only: no torch, no SQLAlchemy.

An evaluation that must not fit on its test tracks trains on its fit split's stored patches::

    model, metrics = fit_spectrogram_on(library, fit_track_ids, config=None, max_seconds=None)
    vectors_for("spectrogram" | "combined", source, spectrogram_model=model)

For audio outside a library: ``spectrogram_vectors_for_files(files, model=None)`` (the library's
VAE, else the bundled default); :func:`combine` builds a combined matrix from aligned blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.library.embeddings.choices import ALL_OPTIONS, COMBINED, OPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from engine.library.storage.db import Library
    from engine.library.storage.reader import Reader

# base option -> (table, vector column, extra condition, standardise over the library)
BASE: dict[str, tuple[str, str, str, bool]] = {
    "features": ("embeddings", "vector", "", False),
    "spectrogram": ("spectrogram_embeddings", "vector", "", False),
    "tagger": ("track_tags", "embedding", "", False),
    "lyrics": ("track_lyrics", "vector", "AND v.has_lyrics = 1", False),
}
def tables_of(option: str) -> tuple[str, ...]:
    """The vector tables an option reads (its snapshot's stamp watches them)."""
    parts = COMBINED.get(option, (option,))
    return tuple(BASE[p][0] for p in parts)


def _reader(source: Reader | Library | str | Path | None) -> tuple[Reader, bool]:
    from engine.library.storage.reader import Reader

    if isinstance(source, Reader):
        return source, False
    return Reader(getattr(source, "path", source)), True


def read_base(reader: Reader, option: str) -> tuple[np.ndarray, np.ndarray]:
    """One base option's stored vectors (standardised when the option says so)."""
    table, column, extra, standardise = BASE[option]
    rows = reader.execute(
        f"SELECT v.track_id, v.{column} FROM {table} v JOIN tracks t ON t.id = v.track_id "
        f"WHERE t.status = 'analysed' AND v.{column} IS NOT NULL {extra} "
        "ORDER BY v.track_id").fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    dim = len(rows[0][1]) // 4
    rows = [r for r in rows if len(r[1]) == 4 * dim]  # a half-written row never breaks a query
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim)
    if standardise:
        matrix = zscore(matrix)
    return ids, np.array(matrix, dtype=np.float32)


def zscore(matrix: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit deviation (constant columns left at zero)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    std = matrix.std(axis=0)
    return ((matrix - matrix.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)).astype(np.float32)


def _unit_block(block: np.ndarray) -> np.ndarray:
    centred = block - block.mean(axis=0)
    scale = float(np.sqrt((centred ** 2).sum(axis=1).mean())) if len(block) else 1.0
    return centred / (scale if scale > 1e-9 else 1.0)


def combine(*blocks: np.ndarray) -> np.ndarray:
    """Concatenate aligned blocks, each centred and scaled to unit mean squared norm."""
    return np.hstack([_unit_block(np.asarray(b, dtype=np.float64)) for b in blocks]
                     ).astype(np.float32)


def align(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The ids every part has, and each part's rows for them (in id order)."""
    common = parts[0][0]
    for ids, _ in parts[1:]:
        common = np.intersect1d(common, ids)
    blocks = []
    for ids, matrix in parts:
        index = np.searchsorted(ids, common)
        blocks.append(matrix[index] if len(common) else matrix[:0])
    return common.astype(np.int64), blocks


def vectors_for(option: str, source: Reader | Library | str | Path | None = None,
                spectrogram_model=None) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """``(track ids, vectors)`` of the library's analysed tracks under ``option`` (see above).

    ``spectrogram_model`` (a :class:`~engine.library.embeddings.spectro_vae.SpectrogramVAE`, e.g.
    from :func:`fit_spectrogram_on`): encode the stored patches with it instead of reading the
    library's spectrogram vectors (needs torch). Raises ``ValueError`` for an unknown option.
    """
    if option not in ALL_OPTIONS:
        raise ValueError(f"unknown embedding '{option}' (choose from {', '.join(OPTIONS)})")
    reader, owned = _reader(source)
    try:
        parts = []
        for name in COMBINED.get(option, (option,)):
            if name == "spectrogram" and spectrogram_model is not None:
                parts.append(_encoded(reader, spectrogram_model))
            else:
                parts.append(read_base(reader, name))
    finally:
        if owned:
            reader.close()
    if len(parts) == 1:
        return parts[0]
    ids, blocks = align(parts)
    if len(ids) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return ids, combine(*blocks)


def _encoded(reader: Reader, model) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    from engine.library.embeddings.spectro_store import load_patches
    from engine.library.embeddings.spectro_vae import track_vectors
    from engine.library.storage.db import Library

    with Library(reader.path) as library:
        ids, patches = load_patches(library)
    return np.asarray(ids, np.int64), track_vectors(model, patches)


def fit_spectrogram_on(source: Library | str | Path, track_ids: Sequence[int], config=None,  # noqa: ANN001
                       max_seconds: float | None = None):  # noqa: ANN201 - (model, metrics)
    """Train a spectrogram VAE on the stored patches of ``track_ids`` only (an evaluation's fit
    split); nothing is written. Pass the model to :func:`vectors_for`."""
    from engine.library.embeddings.spectro_store import load_patches
    from engine.library.embeddings.spectro_vae import fit
    from engine.library.storage.db import Library

    if not isinstance(source, Library):
        with Library(source) as library:
            return fit_spectrogram_on(library, track_ids, config, max_seconds)
    ids, patches = load_patches(source, [int(i) for i in track_ids])
    if not ids:
        raise ValueError("none of these tracks has log-mel patches (scan them first)")
    return fit(np.concatenate(patches).astype(np.float32), config, max_seconds)


def spectrogram_vectors_for_files(files: Sequence[str | Path], model=None) -> np.ndarray:  # noqa: ANN001
    """The spectrogram VAE's track vectors of audio files (their 4 scan patches each)."""
    from engine.library.analysis.melpatches import patches_of_file
    from engine.library.embeddings.spectro_store import current_model
    from engine.library.embeddings.spectro_vae import track_vectors

    if model is None:
        model = current_model()[0]
    return track_vectors(model, [patches_of_file(str(f)) for f in files])


def kmeans_labels(vectors: np.ndarray, seed: int = 0, k: int | None = None,
                  restarts: int = 3, steps: int = 50) -> np.ndarray:
    """Cluster labels as the map colours them: k = clamp(round(sqrt(n / 2)), 2, 8).

    Lloyd's k-means with k-means++ starts, the best of ``restarts`` (numpy only: a playlist that
    stays in the seed's cluster never loads scikit-learn). Labels are ordered by cluster size.
    """
    data = np.asarray(vectors, dtype=np.float64)
    n = len(data)
    if n < 2:
        return np.zeros(n, np.int64)
    k = int(k or min(8, max(2, round(np.sqrt(n / 2)))))
    rng = np.random.default_rng(seed)
    sample = data[rng.choice(n, min(n, 20000), replace=False)] if n > 20000 else data
    best, best_inertia = None, np.inf
    for _ in range(restarts):
        centres = _plus_plus(sample, k, rng)
        for _ in range(steps):
            labels = _nearest(sample, centres)
            moved = np.array([sample[labels == c].mean(axis=0) if np.any(labels == c)
                              else centres[c] for c in range(k)])
            if np.allclose(moved, centres):
                break
            centres = moved
        inertia = float(((sample - centres[_nearest(sample, centres)]) ** 2).sum())
        if inertia < best_inertia:
            best, best_inertia = centres, inertia
    labels = _nearest(data, best)
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    return np.argsort(order)[labels].astype(np.int64)


def _nearest(data: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = (data ** 2).sum(1)[:, None] - 2 * data @ centres.T + (centres ** 2).sum(1)[None, :]
    return np.argmin(d, axis=1)


def _plus_plus(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [data[rng.integers(len(data))]]
    closest = ((data - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = closest.sum()
        pick = rng.choice(len(data), p=closest / total) if total > 0 else rng.integers(len(data))
        centres.append(data[pick])
        closest = np.minimum(closest, ((data - data[pick]) ** 2).sum(axis=1))
    return np.asarray(centres)
