"""Keep the library's spectrogram and lyric vectors in step with its tracks (after every scan).

:func:`refresh_spectrogram` runs on the ``library-scan`` lane right after the autoencoder refresh
(:func:`engine.library.embeddings.autoencoder_store.refresh_embeddings`), with a bounded time budget:

* the VAE in use is the library's own (``SEGUE_HOME/models/library/spectrogram_vae.pt``) or,
  until the library has :data:`MIN_TRACKS` tracks with patches, the bundled default;
* it is retrained on the library's stored patches when the library first reaches
  :data:`MIN_TRACKS` tracks, or has grown by :data:`REFIT_GROWTH` since the last fit — at most
  ``budget`` seconds (default :data:`TRAIN_SECONDS`); otherwise only new tracks are encoded;
* tracks with lyrics but no lyric vector get one (:mod:`engine.library.embeddings.lyric_embed`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.library.analysis.melpatches import PATCH_VERSION, patches_from_bytes
from engine.library.storage import models as m
from engine.library.storage.db import Library
from engine.logsetup import get_logger

log = get_logger(__name__)

MIN_TRACKS = 64
REFIT_GROWTH = 1.25
TRAIN_SECONDS = 90.0


def bundled_path() -> Path:
    """The bundled VAE (``assets/models/library/spectrogram_vae.pt``)."""
    return paths.assets_dir() / "models" / "library" / "spectrogram_vae.pt"


def library_model_path() -> Path:
    """The VAE retrained on the user's library (``SEGUE_HOME/models/library/``)."""
    return paths.models_dir() / "library" / "spectrogram_vae.pt"


@dataclass
class SpectrogramReport:
    """Outcome of :func:`refresh_spectrogram`."""

    tracks: int
    encoded: int
    retrained: bool
    model: str
    lyrics_encoded: int = 0
    metrics: dict | None = None
    seconds: float = 0.0


def load_patches(library: Library, ids: list[int] | None = None
                 ) -> tuple[list[int], list[np.ndarray]]:
    """``(track ids, patches per track)`` of analysed tracks with current patches."""
    with library.transaction() as session:
        query = (select(m.TrackPatches.track_id, m.TrackPatches.count, m.TrackPatches.patches)
                 .join(m.Track, m.Track.id == m.TrackPatches.track_id)
                 .where(m.Track.status == m.ANALYSED, m.TrackPatches.version == PATCH_VERSION)
                 .order_by(m.TrackPatches.track_id))
        if ids is not None:
            query = query.where(m.TrackPatches.track_id.in_(ids))
        rows = session.execute(query).all()
    return [r[0] for r in rows], [patches_from_bytes(r[2], r[1]) for r in rows]


def current_model(prefer_library: bool = True):  # noqa: ANN201 - (SpectrogramVAE, Checkpoint, tag)
    """The VAE to encode with: the library's own if usable, else the bundled default."""
    from engine.checkpoint import CheckpointError
    from engine.library.embeddings import spectro_vae

    for path in ([library_model_path()] if prefer_library else []) + [bundled_path()]:
        try:
            model, checkpoint = spectro_vae.load(path)
        except CheckpointError:
            continue
        tag = str(checkpoint.extra.get("tag") or f"{path.name}:{path.stat().st_mtime_ns}")
        return model, checkpoint, tag[:64]
    raise FileNotFoundError(f"{bundled_path()}: the bundled spectrogram VAE is missing "
                            "(make it with `segue library train-spectrogram`)")


def refresh_spectrogram(library: Library, progress: ProgressFn = no_progress,
                        cancelled: CancelledFn = never_cancelled,
                        budget: float = TRAIN_SECONDS, force_retrain: bool = False
                        ) -> SpectrogramReport:
    """Retrain when due (within ``budget`` s), encode tracks lacking a vector, embed lyrics."""
    from engine.library.embeddings import spectro_vae

    started = time.monotonic()
    ids, patches = load_patches(library)
    model, checkpoint, tag = current_model()
    fitted_on = int(checkpoint.extra.get("library_tracks", 0))
    due = len(ids) >= MIN_TRACKS and (fitted_on == 0 or len(ids) >= REFIT_GROWTH * fitted_on)
    metrics = None
    if ids and (force_retrain or due):
        check_cancelled(cancelled)
        progress(0.05, f"Training the spectrogram VAE on {len(ids)} tracks")
        model, metrics = spectro_vae.fit(np.concatenate(patches).astype(np.float32),
                                         max_seconds=budget)
        tag = f"lib:{len(ids)}:{time.time():.0f}"
        try:
            spectro_vae.save(model, library_model_path(), metrics,
                             {"library_tracks": len(ids), "tag": tag})
        except OSError as exc:  # a read-only SEGUE_HOME: the vectors below still get written
            log.warning("could not save the library's spectrogram VAE: %s", exc)
    check_cancelled(cancelled)
    with library.transaction() as session:
        done = set(session.scalars(select(m.SpectrogramEmbedding.track_id)
                                   .where(m.SpectrogramEmbedding.model == tag)))
        if metrics is not None or len(done) < len(ids):
            session.execute(delete(m.SpectrogramEmbedding).where(
                m.SpectrogramEmbedding.model != tag))
    todo = [(i, p) for i, p in zip(ids, patches, strict=True) if i not in done]
    if todo:
        progress(0.8, f"Encoding {len(todo)} tracks' spectrograms")
        vectors = spectro_vae.track_vectors(model, [p for _, p in todo])
        with library.transaction() as session:
            session.execute(m.SpectrogramEmbedding.__table__.insert(), [
                {"track_id": int(i), "model": tag, "vector": v.astype(np.float32).tobytes()}
                for (i, _), v in zip(todo, vectors, strict=True)])
    lyrics = refresh_lyric_vectors(library, cancelled)
    progress(1.0, "Spectrogram embeddings ready")
    return SpectrogramReport(len(ids), len(todo), metrics is not None, tag, lyrics, metrics,
                             time.monotonic() - started)


def refresh_lyric_vectors(library: Library, cancelled: CancelledFn = never_cancelled) -> int:
    """Give every track with lyrics and no current lyric vector one; return how many."""
    from engine.checkpoint import CheckpointError
    from engine.library.embeddings.lyric_embed import lyric_vectors

    with library.transaction() as session:
        rows = session.execute(select(m.TrackLyrics.track_id, m.TrackLyrics.text,
                                      m.TrackLyrics.model)
                               .where(m.TrackLyrics.has_lyrics.is_(True))).all()
    if not rows:
        return 0
    try:
        _, tag = lyric_vectors([])
    except (CheckpointError, OSError) as exc:
        log.warning("no lyric embeddings: %s", exc)
        return 0
    todo = [(i, text) for i, text, model in rows if model != tag and text]
    for start in range(0, len(todo), 64):
        check_cancelled(cancelled)
        chunk = todo[start : start + 64]
        vectors, _ = lyric_vectors([t for _, t in chunk])
        with library.transaction() as session:
            for (track_id, _), vector in zip(chunk, vectors, strict=True):
                row = session.get(m.TrackLyrics, track_id)
                if row is not None:
                    row.model, row.vector = tag, vector.astype(np.float32).tobytes()
    return len(todo)
