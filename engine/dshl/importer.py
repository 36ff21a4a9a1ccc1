"""Import a user's folder of tunes as a collection the composer can draw from.

Files are read with the same pipeline as the Nottingham corpus (any key: a minor tune is moved to
A minor, i.e. shares C major's notes); melody-only tunes are valid (their chord features stay
0). The collection stores segment features only; codes come from the active model on loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class ImportReport:
    """Outcome of importing a folder: segment/tune counts and skipped files with their reasons."""

    name: str
    tunes: int
    segments: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    path: Path | None = None


def import_folder(folder: str | Path, name: str, progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> ImportReport:
    """Read every MIDI/ABC file under ``folder`` and save collection ``name``."""
    from engine.dshl import store
    from engine.dshl.corpus import build_corpus, load_grids, music_files
    from engine.music.tune import ImportProblem

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    if not NAME_PATTERN.match(name) or name == store.BUNDLED:
        raise ValueError(f"invalid collection name {name!r}: use letters, digits, '-', '_' or "
                         f"'.', and not {store.BUNDLED!r}")
    loaded = store.load_model()
    files = music_files(folder)
    grids, skipped = load_grids(files, major_only=False,
                                progress=scaled_progress(progress, 0.0, 0.9), cancelled=cancelled)
    try:
        corpus = build_corpus(grids, vocab=loaded.vocab, skipped=skipped)
    except ImportProblem:
        extra = [] if files else [(str(folder), "no MIDI or ABC files found")]
        return ImportReport(name, 0, 0, skipped + extra, None)
    path = store.collection_file(name)
    corpus.save(path)
    store.clear_cache()
    progress(1.0, f"imported {len(corpus.tunes)} tunes")
    return ImportReport(name, len(corpus.tunes), len(corpus), corpus.skipped, path)
