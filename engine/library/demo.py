"""The bundled demo library: scanned once on first launch, removable in one action.

:func:`ensure_demo_library` scans ``assets/audio`` (five librosa example music clips) the first
time Segue runs, tags the tracks from the folder's ``MANIFEST.csv`` and leaves a marker in
``SEGUE_HOME`` so it never runs again. The demo tracks are flagged ``demo``; where one holds the
same audio as a file of the user's, the user's file is the one shown, played and exported
(:mod:`engine.library.scan.duplicates`). :func:`remove_demo` takes every demo track out of the
library (``segue library remove-demo``, the panel's *Remove demo tracks*); the marker stays, so
they do not come back, and adding the demo folder again restores them.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.library.scan import duplicates
from engine.library.scan.scanner import ScanResult
from engine.library.storage.errors import user_errors


@user_errors
def ensure_demo_library(progress: ProgressFn = no_progress,
                        cancelled: CancelledFn = never_cancelled,
                        library_path: str | Path | None = None) -> ScanResult | None:
    """On first launch, scan the demo clips and tag them from their MANIFEST; else do nothing."""
    from sqlalchemy import select

    from engine.library.service import scan
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    marker = paths.segue_home() / duplicates.DEMO_MARKER
    folder = duplicates.demo_folder()
    if marker.exists() or not folder.is_dir():
        return None
    result = scan(folder, progress, cancelled, library_path)
    manifest = folder / "MANIFEST.csv"
    if manifest.is_file():
        with open(manifest, encoding="utf-8") as handle:
            rows = {r["file"]: r for r in csv.DictReader(handle)}
        with Library(library_path) as library, library.transaction() as session:
            for track in session.scalars(select(m.Track)):
                row = rows.get(Path(track.path).name)
                if row and Path(track.path).parent == folder.resolve():
                    track.title = row["title"] or track.title
                    track.artist = track.artist or row["creator"]
                    if row["category"] != "music":  # "music" is a kind, not a genre
                        track.genre = track.genre or row["category"]
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"), encoding="utf-8")
    return result


@dataclass
class DemoRemoval:
    """What :func:`remove_demo` did (or, with ``dry_run``, would do)."""

    removed: int = 0
    paths: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        """The ``--json`` form."""
        from engine.library.storage.fspath import display

        return {"removed": self.removed, "paths": [display(p) for p in self.paths],
                "dry_run": self.dry_run}


@user_errors
def remove_demo(library_path: str | Path | None = None, dry_run: bool = False,
                progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> DemoRemoval:
    """Take every bundled demo track out of the library (their saved-playlist entries too).

    ``dry_run``: only say which. The demo marker is kept, so they are not scanned again at the
    next launch; adding ``assets/audio`` as a folder brings them back.
    """
    from sqlalchemy import delete, select

    from engine.library.scan.duplicates import mark_demo
    from engine.library.service import after_scan
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    with Library(library_path) as library:
        mark_demo(library)
        with library.transaction() as session:
            found = list(session.execute(select(m.Track.id, m.Track.path)
                                         .where(m.Track.demo.is_(True)).order_by(m.Track.path)))
        result = DemoRemoval(len(found), [p for _, p in found], dry_run)
        if dry_run or not found:
            return result
        ids = [i for i, _ in found]
        progress(0.1, f"Removing {len(ids)} demo tracks")
        with library.transaction() as session:
            session.execute(delete(m.PlaylistEntry).where(m.PlaylistEntry.track_id.in_(ids)))
            session.execute(delete(m.Track).where(m.Track.id.in_(ids)))
        marker = paths.segue_home() / duplicates.DEMO_MARKER
        if library_path is None and not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"), encoding="utf-8")
        after_scan(library, progress, cancelled)
    return result
