"""`segue library cluster-check tcp://HOST:8786`: the workers of a Dask scheduler, and what they see.

:func:`library_folders` gives the outermost folders holding the library's tracks (the folders the
workers should see); :func:`cluster_check` connects (:class:`.cluster.ClusterAnalysis`, bounded
as a scan's connection is) and reports every worker — threads, memory, which folders it sees,
whether its Segue computes what this one does — with the totals.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from engine.library.scan.cluster import ClusterAnalysis


def library_folders(library_path: str | Path | None = None) -> list[str]:
    """The outermost folders holding the library's tracks (what the workers should see)."""
    from sqlalchemy import select

    from engine import paths
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    db = Path(library_path) if library_path is not None else paths.db_path()
    if not db.is_file():
        return []
    with Library(db) as library, library.transaction() as session:
        parents = sorted({os.path.dirname(p) for p in session.scalars(select(m.Track.path))})
    roots: list[str] = []
    for folder in parents:
        if not roots or not folder.startswith(roots[-1].rstrip(os.sep) + os.sep):
            roots.append(folder)
    return roots


def cluster_check(address: str, folders: list[str]) -> dict[str, object]:
    """What `segue library cluster-check` prints: each worker, and the totals."""
    with ClusterAnalysis(address) as cluster:
        workers = cluster.workers(folders)
    return {
        "scheduler": address,
        "workers": [asdict(w) for w in workers],
        "threads": sum(w.threads for w in workers),
        "memory_mb": round(sum(w.memory_mb for w in workers), 1),
        "folders": {f: sum(w.sees.get(f, False) for w in workers) for f in folders},
    }
