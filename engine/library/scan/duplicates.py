"""The same audio twice in a library: which copy is kept, which one is hidden (``same_as``).

After every scan that changed something, :func:`link_duplicates` finds the tracks that are the
same recording (Chromaprint fingerprints within a few seconds' duration:
:func:`engine.library.analysis.fingerprint.same_audio_pairs`) and, in each group, keeps one: the
user's own file before a bundled demo clip (``demo``), then the earliest added. The others get
``same_as`` = the kept track's id: the table shows one row (the copies in its tooltip and
details), playlists never take a hidden copy, a seed given as one stands for the kept track, and
exports name the kept file. :func:`mark_demo` flags the tracks under the bundled demo folder
(:func:`demo_folder`); :data:`DEMO_MARKER` is the file in ``SEGUE_HOME`` that says the demo
library was scanned once (:mod:`engine.library.demo`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import text

from engine import paths
from engine.library.analysis.fingerprint import same_audio_pairs
from engine.library.storage.db import Library

DEMO_MARKER = ".demo-library-scanned"  # in SEGUE_HOME once the demo library was scanned


def demo_folder() -> Path:
    """The bundled demo library (``assets/audio``)."""
    return paths.assets_dir() / "audio"


def mark_demo(library: Library, folder: Path | None = None) -> int:
    """Flag the tracks under the demo folder (``demo`` true); return how many there are."""
    folder = (folder or demo_folder()).resolve()
    prefix = str(folder).rstrip("/") + "/"
    with library.transaction() as session:
        session.execute(text("UPDATE tracks SET demo = 1 WHERE substr(path, 1, :n) = :prefix"),
                        {"n": len(prefix), "prefix": prefix})
        return int(session.execute(text("SELECT count(*) FROM tracks WHERE demo = 1")).scalar())


def link_duplicates(library: Library) -> int:
    """Recompute ``same_as`` for every analysed track; return the number of hidden copies."""
    with library.transaction() as session:
        rows = session.execute(text(
            "SELECT id, duration, fingerprint, demo, added_at FROM tracks "
            "WHERE status = 'analysed' AND length(fingerprint) > 0 ORDER BY id")).all()
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    durations = np.asarray([r[1] for r in rows], np.float64)
    for i, j in same_audio_pairs([bytes(r[2]) for r in rows], durations):
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for index in range(len(rows)):
        groups.setdefault(root(index), []).append(index)
    links: dict[int, int] = {}
    for members in groups.values():
        if len(members) > 1:
            kept = min(members, key=lambda k: (bool(rows[k][3]), rows[k][4], rows[k][0]))
            links.update({rows[k][0]: rows[kept][0] for k in members if k != kept})
    with library.transaction() as session:
        session.execute(text("UPDATE tracks SET same_as = NULL WHERE same_as IS NOT NULL"))
        if links:
            session.execute(text("UPDATE tracks SET same_as = :kept WHERE id = :id"),
                            [{"id": i, "kept": k} for i, k in links.items()])
    return len(links)
