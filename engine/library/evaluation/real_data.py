"""The real-recordings set, scanned and read back: what the eval (:mod:`.real`) and the detector's
fit (:mod:`.kind_fit`) both start from.

:func:`cache_folder` and :func:`available` find the fetched set (:mod:`.realset`);
:func:`scan_set` scans its audio and speech, and the shippable clips (:func:`shipped_clips`:
``assets/audio``, ``assets/eval/nonmusic``), with the real scanner — features, tagger, kind — into
a throw-away library beside it (``CACHE/eval/library.sqlite``); :func:`load_data` reads that
library back as :class:`RealData`, aligned with the manifest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress


def cache_folder(cache: str | Path | None = None) -> Path:
    """The real-recordings cache (default ``SEGUE_HOME/cache/realset``)."""
    from engine.library.evaluation.realset import default_cache

    return Path(cache).expanduser() if cache else default_cache()


def available(cache: str | Path | None = None) -> bool:
    """True when the set has been fetched (its manifest exists)."""
    from engine.library.evaluation.realset import MANIFEST

    return (cache_folder(cache) / MANIFEST).is_file()


def shipped_clips() -> list[Path]:
    """The clips Segue ships that also train the detector (music demo, speech, whale, robin)."""
    from engine import paths

    return [paths.assets_dir() / "audio", paths.assets_dir() / "eval" / "nonmusic"]


@dataclass
class RealData:
    """The scanned set: one row per manifest file (and per shipped clip), aligned arrays."""

    entries: list[dict]  # manifest rows (+ "abs": the file, "track": its id or None)
    analysed: np.ndarray  # bool
    features: np.ndarray  # (n, 112), zeros where not analysed
    stability: np.ndarray
    durations: np.ndarray
    tempos: np.ndarray
    scores: np.ndarray  # the legacy music score
    kinds: list[str]  # as the scan's detector decided
    tag_probs: np.ndarray  # (n, tags), NaN where untagged
    tagger: np.ndarray  # (n, 200), NaN where untagged
    tag_model: str
    library: Path


def scan_set(cache: Path, progress: ProgressFn = no_progress,
             cancelled: CancelledFn = never_cancelled, workers: int = 2) -> Path:
    """Scan the set's audio and speech (and the shipped clips) into the eval library."""
    from engine.library.scan.scanner import scan_folder
    from engine.library.storage.db import Library

    folders = [cache / "audio", cache / "speech", *shipped_clips()]
    folders = [f for f in folders if f.is_dir()]
    path = cache / "eval" / "library.sqlite"
    with Library(path) as library:
        for index, folder in enumerate(folders):
            scan_folder(library, folder, scaled_progress(progress, index / len(folders),
                                                         (index + 1) / len(folders)),
                        cancelled, workers=workers)
    return path


def load_data(cache: Path, library: Path) -> RealData:
    """Read the scanned set back, aligned with the manifest (shipped clips appended)."""
    from engine.library.analysis.features import FEATURE_NAMES, FEATURE_VERSION, N_FEATURES
    from engine.library.analysis.nonmusic import PULSE_WEIGHT
    from engine.library.evaluation.realset import MANIFEST
    from engine.library.storage.reader import Reader

    manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    entries = [dict(e, abs=str((cache / e["path"]).resolve())) for e in manifest["files"]]
    for folder in shipped_clips():
        for clip in sorted(folder.glob("*.ogg")):
            kind = "music" if folder.name == "audio" else (
                "speech" if clip.stem[0].isdigit() else "effects")
            entries.append({"path": str(clip), "abs": str(clip.resolve()), "kind": kind,
                            "label": f"shipped/{kind}", "album": clip.stem,
                            "group": f"shipped/{clip.stem}", "split": "shipped",
                            "sha256": clip.stem, "duration": 0.0})
    with Reader(library) as reader:
        rows = {Reader.path_of(r[0]): r[1:] for r in reader.execute(
            "SELECT t.path, t.id, t.duration, t.tempo, t.music_score, t.kind, f.vector, "
            "g.model, g.probabilities, g.embedding FROM tracks t JOIN features f "
            "ON f.track_id = t.id LEFT JOIN track_tags g ON g.track_id = t.id "
            "WHERE t.status = 'analysed' AND f.version = ?", (FEATURE_VERSION,))}
    n = len(entries)
    pulse = FEATURE_NAMES.index("pulse_clarity")
    features = np.zeros((n, N_FEATURES), np.float32)
    analysed = np.zeros(n, bool)
    durations, tempos, scores = np.zeros(n), np.zeros(n), np.full(n, -1.0)
    kinds, probs, embeds, model = [""] * n, [None] * n, [None] * n, ""
    for i, entry in enumerate(entries):
        found = rows.get(entry["abs"])
        entry["track"] = int(found[0]) if found else None
        if found is None:
            continue
        analysed[i] = True
        durations[i], tempos[i], scores[i], kinds[i] = found[1], found[2], found[3], found[4]
        features[i] = np.frombuffer(found[5], np.float32)
        if found[7]:
            probs[i] = np.frombuffer(found[7], np.float32)
            embeds[i] = np.frombuffer(found[8], np.float32)
            model = found[6]
    stability = scores - PULSE_WEIGHT * features[:, pulse]

    def stack(parts: list, width: int) -> np.ndarray:
        return np.stack([p if p is not None else np.full(width, np.nan, np.float32)
                         for p in parts]) if n else np.zeros((0, width))

    width_p = next((len(p) for p in probs if p is not None), 50)
    width_e = next((len(e) for e in embeds if e is not None), 200)
    return RealData(entries, analysed, features, stability, durations, tempos, scores, kinds,
                    stack(probs, width_p), stack(embeds, width_e), model, library)
