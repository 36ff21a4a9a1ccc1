"""What a scan adds for the seeds' embeddings (issue 12): log-mel patches, lyrics, sentiment.

:func:`analyse_extras` runs inside :func:`engine.library.scanner.analyse_one` (possibly in a worker
process or on a Dask worker) and returns plain picklable fields merged into its result;
:func:`store_extras_many` writes them with the rest of the batch.
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


def _upsert(session, table, rows: list[dict[str, object]]) -> None:  # noqa: ANN001
    """Insert ``rows`` into ``table`` (keyed by ``track_id``), replacing rows already there."""
    if not rows:
        return
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.track_id],
        set_={c.name: statement.excluded[c.name] for c in table.c if c.name != "track_id"})
    session.execute(statement, rows)


def store_extras_many(session, items: list[tuple[int, dict[str, object]]]) -> None:  # noqa: ANN001
    """Write the patches and lyrics rows of many analysed tracks, ``(track_id, result)`` pairs,
    in three statements (a result without them is left alone)."""
    patches, lyrics = [], []
    for track_id, item in items:
        if "patches" in item:
            patches.append({"track_id": track_id, "version": int(item["patch_version"]),
                            "count": int(item["patch_count"]), "patches": item["patches"]})
        if "lyrics" in item:
            found = item["lyrics"] is not None
            mood = (item.get("sentiment") or {}) if found else {}
            lyrics.append({"track_id": track_id, "has_lyrics": found,
                           "source": str(item.get("lyrics_source", "")),
                           "text": item["lyrics"] if found else None,
                           **{k: mood.get(k) for k in ("compound", "positive", "negative",
                                                       "neutral")},
                           "model": "", "vector": None})
    if patches:
        table = m.SpectrogramEmbedding.__table__
        session.execute(table.delete().where(table.c.track_id.in_([r["track_id"]
                                                                   for r in patches])))
    _upsert(session, m.TrackPatches.__table__, patches)
    _upsert(session, m.TrackLyrics.__table__, lyrics)


def without_extras():  # noqa: ANN201 - a SQLAlchemy clause
    """Clause: analysed tracks that have no current patches or no lyrics row (an older scan)."""
    current = select(m.TrackPatches.track_id).where(m.TrackPatches.version == PATCH_VERSION)
    return m.Track.id.not_in(current) | m.Track.id.not_in(select(m.TrackLyrics.track_id))
