"""The library's embedding options, side by side: one function gives each option's vectors.

For the playlist builder, the ANN index (through :func:`engine.library.catalogue.load_catalogue`)
and the evaluation (``segue eval playlist``)::

    vectors_for(option, source) -> (ids: int64 (N,), matrix: float32 (N, d))

``option``: ``"features"`` (the autoencoder over the analysis features, today's default),
``"spectrogram"`` (the spectrogram VAE's mean latent), ``"combined"`` (both, each block centred
and scaled to unit total variance, on the tracks that have both), or ``"lyrics"`` (the lyric
embedding; only tracks with lyrics — the others are masked out, never zero-filled). ``source``:
an open :class:`~engine.library.db.Library` or the path of a ``library.sqlite``. Rows are
analysed tracks, ordered by id.

An evaluation that must not fit on its test tracks trains on its fit split's stored patches::

    model, metrics = fit_spectrogram_on(source, fit_track_ids, config=None, max_seconds=None)
    vectors_for("spectrogram" | "combined", source, spectrogram_model=model)

For audio outside a library::

    train_spectrogram_vae(files, out=None, config=None, max_seconds=None, dense=True)
        -> (model, metrics)                       # engine.library.spectro_vae
    spectrogram_vectors_for_files(files, model=None) -> float32 (len(files), latent)

``model=None`` uses the library's VAE, else the bundled default. :func:`combine` builds the
``combined`` matrix from any two aligned blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import select

from engine.library import models as m
from engine.library.db import Library

OPTIONS = ("features", "spectrogram", "combined")
ALL_OPTIONS = (*OPTIONS, "lyrics")


def _read(library: Library, table: type, extra=None) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    with library.transaction() as session:
        query = (select(table.track_id, table.vector)
                 .join(m.Track, m.Track.id == table.track_id)
                 .where(m.Track.status == m.ANALYSED, table.vector.is_not(None))
                 .order_by(table.track_id))
        if extra is not None:
            query = query.where(extra)
        rows = session.execute(query).all()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    dim = len(rows[0][1]) // 4
    matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim)
    return np.asarray([r[0] for r in rows], np.int64), matrix.copy()


def _unit_block(block: np.ndarray) -> np.ndarray:
    centred = block - block.mean(axis=0)
    scale = float(np.sqrt((centred ** 2).sum(axis=1).mean())) if len(block) else 1.0
    return centred / (scale if scale > 1e-9 else 1.0)


def combine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Concatenate two aligned blocks, each centred and scaled to unit mean squared norm."""
    return np.hstack([_unit_block(first), _unit_block(second)]).astype(np.float32)


def _spectrogram(library: Library, model) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    if model is None:
        return _read(library, m.SpectrogramEmbedding)
    from engine.library.spectro_store import load_patches
    from engine.library.spectro_vae import track_vectors

    ids, patches = load_patches(library)
    return np.asarray(ids, np.int64), track_vectors(model, patches)


def vectors_for(option: str, source: Library | str | Path,
                spectrogram_model=None) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """``(track ids, vectors)`` of the library's analysed tracks under ``option`` (see above).

    ``spectrogram_model`` (a :class:`~engine.library.spectro_vae.SpectrogramVAE`, e.g. from
    :func:`fit_spectrogram_on`): encode the stored patches with it instead of reading the
    library's spectrogram vectors. Raises ``ValueError`` for an unknown option.
    """
    if option not in ALL_OPTIONS:
        raise ValueError(f"unknown embedding '{option}' (choose from {', '.join(OPTIONS)})")
    if not isinstance(source, Library):
        with Library(source) as library:
            return vectors_for(option, library, spectrogram_model)
    if option == "features":
        return _read(source, m.Embedding)
    if option == "spectrogram":
        return _spectrogram(source, spectrogram_model)
    if option == "lyrics":
        return _read(source, m.TrackLyrics, m.TrackLyrics.has_lyrics.is_(True))
    ids_a, a = _read(source, m.Embedding)
    ids_b, b = _spectrogram(source, spectrogram_model)
    common, ia, ib = np.intersect1d(ids_a, ids_b, return_indices=True)
    if len(common) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return common.astype(np.int64), combine(a[ia], b[ib])


def fit_spectrogram_on(source: Library | str | Path, track_ids: Sequence[int], config=None,  # noqa: ANN001
                       max_seconds: float | None = None):  # noqa: ANN201 - (model, metrics)
    """Train a spectrogram VAE on the stored patches of ``track_ids`` only (an evaluation's fit
    split); nothing is written. Pass the model to :func:`vectors_for`."""
    from engine.library.spectro_store import load_patches
    from engine.library.spectro_vae import fit

    if not isinstance(source, Library):
        with Library(source) as library:
            return fit_spectrogram_on(library, track_ids, config, max_seconds)
    ids, patches = load_patches(source, [int(i) for i in track_ids])
    if not ids:
        raise ValueError("none of these tracks has log-mel patches (scan them first)")
    return fit(np.concatenate(patches).astype(np.float32), config, max_seconds)


def spectrogram_vectors_for_files(files: Sequence[str | Path], model=None) -> np.ndarray:  # noqa: ANN001
    """The spectrogram VAE's track vectors of audio files (their 4 scan patches each)."""
    from engine.library.melpatches import patches_of_file
    from engine.library.spectro_store import current_model
    from engine.library.spectro_vae import track_vectors

    if model is None:
        model = current_model()[0]
    return track_vectors(model, [patches_of_file(str(f)) for f in files])


def kmeans_labels(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """Cluster labels as the map colours them: k = clamp(round(sqrt(n / 2)), 2, 8)."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n, np.int64)
    from sklearn.cluster import MiniBatchKMeans

    k = int(min(8, max(2, round(np.sqrt(n / 2)))))
    return MiniBatchKMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(
        np.asarray(vectors, np.float32)).astype(np.int64)
