"""Tags for a library track: its genre (Spotify genres land there when enriched) and its features.

Reads the library only through its public functions (``service.list_tracks``,
``embeddings.load_features``). Analysed features map onto the tag vocabulary with simple,
documented thresholds (tempo → slow/medium/fast tempo, loudness → energetic/calming,
speech-likeness, steady electronic vs dynamic acoustic). A track without analysed features
falls back to its file tags (genre). Every derived tag says why it was derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.commentary.corpus import normalise_tag
from engine.errors import UserFacingError

GENRE_SYNONYMS = {
    "electronic": "electronic music", "electronica": "electronic music", "edm": "electronic music",
    "techno": "electronic music", "house": "dance music", "disco": "dance music",
    "club": "club music", "orchestral": "orchestra", "symphony": "orchestra",
    "folk": "traditional", "world": "traditional", "chill": "relaxing", "lounge": "relaxing",
    "ambient": "ambient", "metal": "aggressive", "punk": "energetic", "soul": "soulful",
}


@dataclass
class TrackTags:
    """Tags derived for one track and the reason for each."""

    track_id: int | None
    title: str
    tags: list[str]
    derived: dict[str, str] = field(default_factory=dict)
    analysed: bool = False


def genre_tags(genre: str, vocabulary: list[str]) -> list[str]:
    """Map a free-text genre (possibly several, comma/semicolon/slash separated) onto the vocabulary."""
    known = set(vocabulary)
    out: list[str] = []
    for part in genre.replace(";", ",").replace("/", ",").split(","):
        name = normalise_tag(part)
        if not name:
            continue
        candidates = [name] + [GENRE_SYNONYMS.get(w, w) for w in name.replace("-", " ").split()]
        candidates.append(GENRE_SYNONYMS.get(name, name))
        for candidate in candidates:
            if candidate in known and candidate not in out:
                out.append(candidate)
    return out


def feature_tags(named: dict[str, float], vocabulary: list[str]) -> dict[str, str]:
    """Tags (→ reason) from analysed features, by name (see the module docstring)."""
    known = set(vocabulary)
    tags: dict[str, str] = {}
    tempo, pulse = named.get("tempo", 0.0), named.get("pulse_clarity", 0.0)
    loud, loud_std = named.get("loudness_mean", -30.0), named.get("loudness_std", 10.0)
    speechy = named.get("zcr_std", 0.0) >= 0.09 and pulse < 0.15 and loud_std < 16
    if speechy:
        tags["no other instruments"] = "speech-like (varying zero crossings, no pulse)"
    elif pulse >= 0.2 and tempo > 0:
        label = "slow tempo" if tempo < 90 else "medium tempo" if tempo <= 125 else "fast tempo"
        tags[label] = f"tempo {tempo:.0f} BPM"
    if loud >= -20:
        tags["energetic"] = f"loud ({loud:.0f} dB mean)"
    elif loud <= -30 and not speechy:
        tags["calming"] = f"quiet ({loud:.0f} dB mean)"
    if not speechy and pulse >= 0.3 and loud_std < 6:
        tags["electronic music"] = f"steady level (±{loud_std:.1f} dB) with a clear pulse"
    elif not speechy and pulse >= 0.2 and loud_std > 12:
        tags["acoustic drums"] = f"dynamic level (±{loud_std:.1f} dB) with a pulse"
    return {t: why for t, why in tags.items() if t in known}


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
    from engine.library.db import Library
    from engine.library.embeddings import load_features
    from engine.library.features import FEATURE_NAMES

    with Library(library_path) as library:
        ids, matrix, _ = load_features(library)
    hits = np.nonzero(ids == track_id)[0]
    if not len(hits):
        return None
    return {name: float(v) for name, v in zip(FEATURE_NAMES, matrix[hits[0]], strict=True)}


def tags_for_track(track: str | int, vocabulary: list[str],
                   library_path: str | Path | None = None) -> TrackTags:
    """Derive tags for a library track (id or path); a file outside the library uses its file tags."""
    row = _find(track, library_path)
    if row is None:
        path = Path(str(track)).expanduser()
        if not path.is_file():
            raise UserFacingError(f"{track}: no such track in the library, and not a file")
        from engine.library.tags import read_tags

        file_tags = read_tags(path)
        tags = genre_tags(file_tags["genre"], vocabulary)
        return TrackTags(None, file_tags["title"], tags,
                         {t: f"file genre '{file_tags['genre']}'" for t in tags})
    derived = {t: f"genre '{row.genre}'" for t in genre_tags(row.genre, vocabulary)}
    named = _features_of(row.id, library_path)
    if named is not None:
        for tag, why in feature_tags(named, vocabulary).items():
            derived.setdefault(tag, why)
    return TrackTags(row.id, row.title, list(derived), derived, named is not None)
