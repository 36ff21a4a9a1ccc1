"""Tags for a library track, heard from its audio and read from its genre, each with evidence.

Reads the library only through its public functions. With the Library's ``derive_tags`` (its
stable entry point for this room: the tagger's stored probabilities, the track's kind and the
measured tempo and loudness, or the same heard afresh for a file outside the library) the
sources are, in order of trust (:func:`derive.merge` keeps the first evidence for a tag and drops
a later tag that contradicts an earlier one):

1. the music tagger: the scan's model from ``derive_tags``, and the other models
   (``engine.tagger``) run on the file now: genre, mood, instruments, vocals;
2. the measured evidence: tempo (clear pulse only; it overrides the tagger's "slow"/"fast"),
   loudness;
3. the genre field (file tags; Spotify genres land there when the library is enriched),
   understood through the lexicon.

Without ``derive_tags`` (an older library) the analysed features (``load_features``) and the
tagger run directly; a track without analysed features falls back to its file tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.commentary import derive
from engine.errors import UserFacingError
from engine.jobs import ProgressFn, no_progress


@dataclass
class TrackTags:
    """Tags derived for one track, the evidence for each and where they came from."""

    track_id: int | None
    title: str
    tags: list[str]
    derived: dict[str, str] = field(default_factory=dict)   # tag → evidence
    analysed: bool = False
    heard: list[derive.Heard] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)         # "tagger", "features", "genre"
    notes: list[str] = field(default_factory=list)           # why a source is missing


def _find(track: str | int, library_path: str | Path | None):  # noqa: ANN202 - a TrackRow
    from engine.library.service import list_tracks

    rows = list_tracks(library_path)
    text = str(track).strip()
    if text.isdigit():
        for row in rows:
            if row.id == int(text):
                return row
    wanted = str(Path(text).expanduser().resolve()) if text else ""
    for row in rows:
        if row.path == text or row.path == wanted:
            return row
    return None


def _features_of(track_id: int, library_path: str | Path | None) -> dict[str, float] | None:
    from engine.library.analysis.features import FEATURE_NAMES
    from engine.library.embeddings.autoencoder_store import load_features
    from engine.library.storage.db import Library

    with Library(library_path) as library:
        ids, matrix, _ = load_features(library)
    hits = np.nonzero(ids == track_id)[0]
    if not len(hits):
        return None
    return {name: float(v) for name, v in zip(FEATURE_NAMES, matrix[hits[0]], strict=True)}


def _hear(path: Path, lexicon: Any, notes: list[str]) -> list[derive.Heard]:
    """Tagger tags for an audio file; [] (and a note) without a tagger or a readable file."""
    module = derive.tagger_module()
    if module is None:
        notes.append("no music tagger installed: features and genre only")
        return []
    if not path.is_file():
        notes.append(f"{path}: not found, so not heard")
        return []
    try:
        return derive.heard_tags(derive.tagger_probabilities(path, module), lexicon)
    except (OSError, ValueError, RuntimeError) as exc:  # TaggerError is a ValueError
        notes.append(f"the music tagger could not hear it ({exc})")
        return []


def tags_for_track(track: str | int, lexicon: Any, library_path: str | Path | None = None,
                   progress: ProgressFn = no_progress) -> TrackTags:
    """Derive tags for a library track (id or path) or an audio file, each with its evidence."""
    from engine.library.service import derive_tags

    progress(0.1, "listening to the track")
    try:
        described = derive_tags(track, library_path)
    except UserFacingError:
        if _find(track, library_path) is None:
            raise
        return _without_describe(track, lexicon, library_path, progress)  # not analysed yet
    path = Path(str(described["path"]))
    model = str(described.get("model", "tagger"))
    notes: list[str] = []
    probabilities = derive.read_probabilities(described.get("tags", {}), model.split("_")[0])
    progress(0.4, "hearing instruments and voices")
    for label, (p, source) in _hear_more(path, model, notes).items():
        if p > probabilities.get(label, (-1.0, ""))[0]:
            probabilities[label] = (p, source)
    heard_audio = derive.heard_tags(probabilities, lexicon)
    measured = derive.evidence_tags(described.get("evidence", {}), str(described.get("kind", "")),
                                    lexicon)
    if described.get("kind") not in (None, "", "music"):
        notes.append(f"heard as {described['kind']}, not music")
    if any(h.aspect == "tempo" for h in measured):  # a measured tempo beats the tagger's guess
        heard_audio = [h for h in heard_audio if h.aspect != "tempo"]
    row = _find(described.get("track_id") or path, library_path)
    if row is not None:
        title, genre = row.title, row.genre
    else:
        from engine.library.analysis.metadata import read_tags

        file_tags = read_tags(path)
        title, genre = file_tags["title"], file_tags["genre"]
    heard = derive.merge(heard_audio, measured, derive.genre_tags(genre, lexicon))
    return _result(described.get("track_id"), title, heard, described.get("source") == "library",
                   notes)


def _hear_more(path: Path, model: str, notes: list[str]) -> dict[str, tuple[float, str]]:
    """The other tagger models' probabilities for ``path`` ({} and a note if it cannot)."""
    module = derive.tagger_module()
    if module is None or not path.is_file():
        return {}
    try:
        return derive.tagger_probabilities(path, module, skip=(model,))
    except (OSError, ValueError, RuntimeError) as exc:  # TaggerError is a ValueError
        notes.append(f"instruments and voices not heard ({exc})")
        return {}


def _without_describe(track: str | int, lexicon: Any, library_path: str | Path | None,
                      progress: ProgressFn) -> TrackTags:
    """Tags from the analysed features and the tagger run here (a track not yet described)."""
    row = _find(track, library_path)
    progress(0.1, "listening to the track")
    if row is None:
        path = Path(str(track)).expanduser()
        if not path.is_file():
            raise UserFacingError(f"{track}: no such track in the library, and not a file")
        from engine.library.analysis.metadata import read_tags

        file_tags = read_tags(path)
        notes: list[str] = []
        heard = derive.merge(_hear(path, lexicon, notes),
                             derive.genre_tags(file_tags["genre"], lexicon, "file genre"))
        return _result(None, file_tags["title"], heard, False, notes)
    notes = []
    heard_audio = _hear(Path(row.path), lexicon, notes)
    progress(0.7, "reading features")
    named = _features_of(row.id, library_path)
    if named is None:
        notes.append("not analysed yet: no tempo or loudness")
    measured = derive.feature_tags(named, lexicon) if named is not None else []
    if any(h.aspect == "tempo" for h in measured):  # a measured tempo beats the tagger's guess
        heard_audio = [h for h in heard_audio if h.aspect != "tempo"]
    heard = derive.merge(heard_audio, measured, derive.genre_tags(row.genre, lexicon))
    return _result(row.id, row.title, heard, named is not None, notes)


def _result(track_id: int | None, title: str, heard: list[derive.Heard], analysed: bool,
            notes: list[str]) -> TrackTags:
    sources = []
    for h in heard:
        source = ("tagger" if h.evidence.startswith("tagger") else
                  "genre" if "genre" in h.evidence else "features")
        if source not in sources:
            sources.append(source)
    return TrackTags(track_id, title, [h.tag for h in heard], {h.tag: h.evidence for h in heard},
                     analysed, heard, sources, notes)
