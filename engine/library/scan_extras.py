"""What a scan adds for the seeds' embeddings (issue 12): log-mel patches, lyrics, sentiment.

:func:`analyse_extras` runs inside :func:`engine.library.scanner.analyse_one` (possibly in a worker
process or on a Dask worker) and returns plain picklable fields merged into its result;
:func:`store_extras` writes them with the rest of the batch.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from engine.library import models as m
from engine.library.lyrics_read import analyse_lyrics
from engine.library.melpatches import PATCH_VERSION, mel_patches, patches_to_bytes


def analyse_extras(path: str, samples: np.ndarray, sample_rate: int) -> dict[str, object]:
    """``patches`` (float16 bytes), ``patch_count``, ``patch_version``, ``lyrics`` (str or None),
    ``lyrics_source`` and ``sentiment`` (dict of floats or None) for one decoded file."""
    patches = mel_patches(samples, sample_rate)
    return {
        "patches": patches_to_bytes(patches),
        "patch_count": int(patches.shape[0]),
        "patch_version": PATCH_VERSION,
        **analyse_lyrics(path),
    }


def store_extras(session, track_id: int, item: dict[str, object]) -> None:  # noqa: ANN001
    """Write one analysed track's patches and lyrics row (a result without them is left alone)."""
    if "patches" in item:
        session.merge(m.TrackPatches(track_id=track_id, version=int(item["patch_version"]),
                                     count=int(item["patch_count"]), patches=item["patches"]))
        session.execute(m.SpectrogramEmbedding.__table__.delete().where(
            m.SpectrogramEmbedding.track_id == track_id))
    if "lyrics" in item:
        found = item["lyrics"] is not None
        mood = item.get("sentiment") or {}
        session.merge(m.TrackLyrics(
            track_id=track_id, has_lyrics=found, source=str(item.get("lyrics_source", "")),
            text=item["lyrics"] if found else None,
            compound=mood.get("compound") if found else None,
            positive=mood.get("positive") if found else None,
            negative=mood.get("negative") if found else None,
            neutral=mood.get("neutral") if found else None,
            model="", vector=None))


def without_extras():  # noqa: ANN201 - a SQLAlchemy clause
    """Clause: analysed tracks that have no current patches or no lyrics row (an older scan)."""
    current = select(m.TrackPatches.track_id).where(m.TrackPatches.version == PATCH_VERSION)
    return m.Track.id.not_in(current) | m.Track.id.not_in(select(m.TrackLyrics.track_id))
