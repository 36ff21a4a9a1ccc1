"""Keep the library's embeddings in step with its features: refit the autoencoder when they change.

The fingerprint of the analysed set (track ids, feature versions, update times) is stored in the
checkpoint; :func:`refresh_embeddings` refits and rewrites the ``embeddings`` table only when it
differs, so calling it after every scan is cheap.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.library.analysis.features import FEATURE_VERSION, N_FEATURES, feature_weights
from engine.library.storage import models as m
from engine.library.storage.db import Library
from engine.logsetup import get_logger

log = get_logger(__name__)


def model_path() -> Path:
    """Where the library's autoencoder lives (``SEGUE_HOME/models/library/autoencoder.pt``)."""
    return paths.models_dir() / "library" / "autoencoder.pt"


@dataclass
class EmbeddingReport:
    """Outcome of :func:`refresh_embeddings`."""

    tracks: int
    refitted: bool
    fingerprint: str
    loss: float | None = None
    seconds: float = 0.0


def load_features(library: Library) -> tuple[np.ndarray, np.ndarray, str]:
    """Return ``(track ids, feature matrix, fingerprint)`` of every analysed track."""
    digest = hashlib.sha1(f"v{FEATURE_VERSION}".encode())
    ids: list[int] = []
    rows: list[bytes] = []
    with library.transaction() as session:
        query = (
            select(m.Track.id, m.Track.updated_at, m.Feature.vector)
            .join(m.Feature, m.Feature.track_id == m.Track.id)
            .where(m.Track.status == m.ANALYSED, m.Feature.version == FEATURE_VERSION)
            .order_by(m.Track.id)
        )
        for track_id, updated, vector in session.execute(query):
            ids.append(track_id)
            rows.append(vector)
            digest.update(f"{track_id}:{updated};".encode())
    matrix = (
        np.frombuffer(b"".join(rows), dtype=np.float32).reshape(len(rows), N_FEATURES)
        if rows
        else np.zeros((0, N_FEATURES), np.float32)
    )
    return np.asarray(ids, dtype=np.int64), matrix, digest.hexdigest()[:16]


def stored_fingerprint(library: Library) -> str | None:
    """Fingerprint of the embeddings in the DB, if they cover every analysed track."""
    with library.transaction() as session:
        models = set(session.scalars(select(m.Embedding.model).distinct()))
    return models.pop() if len(models) == 1 else None


def refresh_embeddings(
    library: Library,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
    force: bool = False,
    model_file: Path | None = None,
    config: object | None = None,
) -> EmbeddingReport:
    """Refit the autoencoder and rewrite embeddings if the analysed set changed (or ``force``).

    The model is saved to ``model_file`` (default :func:`model_path`); ``config`` is an optional
    :class:`~engine.library.embeddings.autoencoder.AutoencoderConfig`.
    """
    from engine.library.embeddings import autoencoder

    started = time.monotonic()
    ids, features, fingerprint = load_features(library)
    if not force and stored_fingerprint(library) == fingerprint:
        return EmbeddingReport(len(ids), False, fingerprint)
    check_cancelled(cancelled)
    progress(0.1, f"Fitting the autoencoder on {len(ids)} tracks")
    if len(ids) == 0:
        with library.transaction() as session:
            session.execute(delete(m.Embedding))
        return EmbeddingReport(0, True, fingerprint)
    model, loss = autoencoder.fit(features, config, feature_weights())
    check_cancelled(cancelled)
    vectors = model.encode(features)
    progress(0.8, "Writing embeddings")
    with library.transaction() as session:
        session.execute(delete(m.Embedding))
        session.execute(
            m.Embedding.__table__.insert(),
            [
                {"track_id": int(i), "model": fingerprint, "vector": v.tobytes()}
                for i, v in zip(ids, vectors, strict=True)
            ],
        )
    try:
        autoencoder.save(model, model_file or model_path(), {"mse": loss, "tracks": len(ids)},
                         {"fingerprint": fingerprint})
    except OSError as exc:  # a read-only SEGUE_HOME keeps the DB embeddings usable
        log.warning("could not save the library autoencoder: %s", exc)
    progress(1.0, "Embeddings ready")
    return EmbeddingReport(len(ids), True, fingerprint, loss, time.monotonic() - started)
