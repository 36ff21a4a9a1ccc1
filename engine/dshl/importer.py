"""Import a user's folder of tunes as a collection the composer can draw from.

Files are read with the same pipeline as the Nottingham corpus (any key: a minor tune is moved to
A minor, i.e. shares C major's notes, and keeps its mode); melody-only tunes are valid (their
chord features stay 0). Tunes are stored per meter family (``NAME.npz`` for 2/4, 4/4 and 2/2;
``NAME@triple.npz`` for 3/4, 6/8, 9/8, 3/2 and 6/4), each with the vocabulary of that family's
model. The
collection stores segment features only; codes come from the active model on loading.
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
    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.corpus import build_corpus, load_grids, music_files
    from engine.music.segments import meter_family
    from engine.music.tune import ImportProblem

    folder = Path(folder)
    store.check_collection_name(name)  # a name, never a path (BadName is a ValueError)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    if not NAME_PATTERN.match(name) or name == store.BUNDLED:
        raise ValueError(f"invalid collection name {name!r}: use letters, digits, '-', '_' or "
                         f"'.', and not {store.BUNDLED!r}")
    files = music_files(folder)
    grids, skipped = load_grids(files, major_only=False,
                                progress=scaled_progress(progress, 0.0, 0.9), cancelled=cancelled)
    tunes = segments = 0
    first_path = None
    for family in store.FAMILY_DIRS:
        mine = [g for g in grids if meter_family(g.meter) == family]
        target = store.collection_file(name, family)
        if not mine:
            target.unlink(missing_ok=True)  # a re-import without such tunes drops the old file
            continue
        try:
            vocab = store.load_model(family=family).vocab
        except CheckpointError as exc:
            skipped.extend((g.name, f"no {family}-meter model to index {g.meter} tunes: {exc}")
                           for g in mine)
            continue
        try:
            corpus = build_corpus(mine, vocab=vocab)
        except ImportProblem as exc:
            skipped.append((f"{family} tunes", str(exc)))
            continue
        skipped.extend(corpus.skipped)
        corpus.save(target)
        tunes, segments = tunes + len(corpus.tunes), segments + len(corpus)
        first_path = first_path or target
    store.clear_cache()
    if not tunes:
        extra = [] if files else [(str(folder), "no MIDI or ABC files found")]
        return ImportReport(name, 0, 0, skipped + extra, None)
    from engine.dshl.style_calibrate import calibrate_imported

    progress(0.9, "calibrating the sampler on the collection's own tunes")
    calibrate_imported(name)
    progress(1.0, f"imported {tunes} tunes")
    return ImportReport(name, tunes, segments, skipped, first_path)
