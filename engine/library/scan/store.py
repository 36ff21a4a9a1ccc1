"""The scan's one writer: analysis results into the library, many tracks per transaction.

:func:`store_results` writes a batch in a handful of statements whatever its size (one lookup of
the tracks, then one executemany per table), so the per-track cost is the rows, not the ORM.
:class:`BatchWriter` commits every ``batch`` results or every ``seconds``, whichever comes first:
a killed scan loses at most one batch, which stays ``pending`` and the next scan analyses again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from sqlalchemy import bindparam, delete, select, update

from engine.library.analysis.melpatches import PATCH_VERSION
from engine.library.storage import models as m
from engine.library.storage.db import Library

_ANALYSED = ("title", "artist", "album", "genre", "duration", "tempo", "music_score",
             "fingerprint", "kind", "status", "skip_reason", "updated_at")


def _track_update(columns: tuple[str, ...]):  # noqa: ANN202 - a SQLAlchemy statement
    table = m.Track.__table__
    return (update(table).where(table.c.id == bindparam("track_id"))
            .values({name: bindparam(name) for name in columns}))


def store_results(library: Library, results: list[dict[str, object]]) -> None:
    """Write analysis results (``analyse_one`` dicts) in one transaction.

    A track removed meanwhile is left out; a failed file that moved or vanished while it was
    analysed stays ``pending`` (the next scan's reconcile finds where it went)."""
    if not results:
        return
    now = time.time()
    with library.transaction() as session:
        ids = dict(session.execute(select(m.Track.path, m.Track.id).where(
            m.Track.path.in_(sorted({str(item["path"]) for item in results})))).all())
        skipped: dict[int, dict[str, object]] = {}
        analysed: dict[int, dict[str, object]] = {}
        for item in results:  # a path twice in one batch: its last result wins
            track_id = ids.get(str(item["path"]))
            if track_id is None:  # removed while we analysed it
                continue
            if "reason" not in item:
                analysed[track_id] = item
                skipped.pop(track_id, None)
            elif os.path.lexists(str(item["path"])):  # else: moved or deleted meanwhile
                skipped[track_id] = item
                analysed.pop(track_id, None)
        if skipped:
            session.execute(_track_update(("status", "skip_reason", "updated_at")), [
                {"track_id": i, "status": m.SKIPPED, "skip_reason": str(item["reason"]),
                 "updated_at": now} for i, item in skipped.items()])
            session.execute(delete(m.Feature).where(m.Feature.track_id.in_(list(skipped))))
        if not analysed:
            return
        session.execute(_track_update(_ANALYSED), [
            {"track_id": i, **{key: item["tags"][key] for key in ("title", "artist", "album",
                                                                    "genre")},
             "duration": item["duration"], "tempo": item["tempo"],
             "music_score": item["music_score"], "fingerprint": item["fingerprint"],
             "kind": str(item.get("kind", "")), "status": m.ANALYSED, "skip_reason": "", "updated_at": now}
            for i, item in analysed.items()])
        _upsert_features(session, [{"track_id": i, "version": item["version"],
                                    "vector": item["vector"]} for i, item in analysed.items()])
        store_extras_many(session, list(analysed.items()))  # patches, lyrics
        store_tags_many(session, list(analysed.items()))


def _upsert_features(session, rows: list[dict[str, object]]) -> None:  # noqa: ANN001
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(m.Feature.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["track_id"],
        set_={"version": statement.excluded.version, "vector": statement.excluded.vector})
    session.execute(statement, rows)


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


def store_tags_many(session, items: list[tuple[int, dict[str, object]]]) -> None:  # noqa: ANN001
    """Write the tagger's rows (and its models' tag names) of many analysed tracks; a result
    that went through the tagger but got no tags (too short, silent, no model) gets an empty
    row, so it is not analysed again at every scan."""
    from engine.library.analysis.tagging import TAG_VERSION

    rows, vocab = [], {}
    for track_id, item in items:
        if not item.get("tagged"):
            continue
        model = str(item.get("tag_model", ""))
        rows.append({"track_id": track_id, "model": model,
                     "version": int(item.get("tag_version", TAG_VERSION)),
                     "probabilities": item.get("tag_probs"), "embedding": item.get("tag_embedding"),
                     "top": str(item.get("tag_top", ""))})
        if model and item.get("tag_names"):
            vocab[model] = json.dumps(list(item["tag_names"]), ensure_ascii=False)
    _upsert(session, m.TrackTags.__table__, rows)
    if vocab:
        from sqlalchemy.dialects.sqlite import insert

        statement = insert(m.TagVocab.__table__)
        session.execute(statement.on_conflict_do_update(
            index_elements=["model"], set_={"tags": statement.excluded.tags}),
            [{"model": k, "tags": v} for k, v in vocab.items()])


def without_extras():  # noqa: ANN201 - a SQLAlchemy clause
    """Clause: analysed tracks an older scan left without current patches, a lyrics row, a kind
    or (when the tagger is on) a current tagger row."""
    from engine.library.analysis.tagging import TAG_VERSION, tagger_enabled

    current = select(m.TrackPatches.track_id).where(m.TrackPatches.version == PATCH_VERSION)
    clause = (m.Track.id.not_in(current) | m.Track.id.not_in(select(m.TrackLyrics.track_id))
              | (m.Track.kind == ""))
    if tagger_enabled():
        tagged = select(m.TrackTags.track_id).where(m.TrackTags.version == TAG_VERSION)
        clause = clause | m.Track.id.not_in(tagged)
    return clause


class BatchWriter:
    """Collects results and stores them every ``batch`` results or ``seconds``, whichever first.

    Use as a context manager: leaving it (normally, on cancel or on an error) stores what is
    left, so only a kill loses results — at most one batch."""

    def __init__(self, library: Library, batch: int, seconds: float,
                 store: Callable[[Library, list[dict[str, object]]], None] = store_results) -> None:
        """Write into ``library`` with ``store`` (one transaction per call)."""
        self.library, self.batch, self.seconds, self.store = library, max(1, batch), seconds, store
        self.pending: list[dict[str, object]] = []
        self.commits = 0
        self._since = time.monotonic()

    def add(self, item: dict[str, object]) -> None:
        """Take one result; commit the batch when it is full or old enough."""
        if not self.pending:
            self._since = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= self.batch or time.monotonic() - self._since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Commit what is waiting (nothing to do when nothing is)."""
        if self.pending:
            self.store(self.library, self.pending)
            self.pending = []
            self.commits += 1

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
