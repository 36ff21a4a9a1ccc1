"""Find tracks from what a person types, and keep each recording once.

:func:`find_seed` gives the one catalogue row a seed names (an id, or the first stage of
:func:`find_rows` that matches a single recording; ``LookupError`` naming the matches when it is
ambiguous). :func:`find_rows` gives the catalogue rows matching ``text`` in stages, most precise
first: the path (resolved), a unique end of a path, an exact title (or "artist - title"), a part
of one.
Case is folded (``str.casefold``), dashes and spaces normalised. A DB-backed catalogue asks the
library with SQL (a 100k-track library is never loaded for this); an in-memory one scans its
columns. Only tracks in the catalogue (with a vector under its embedding) count.
:func:`rows_with_tags` gives the rows showing a tagger tag (``--tag``); :func:`prefer_kept`
replaces hidden copies by the track they copy (the user's file over a demo clip) for exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.library.playlists.items import PlaylistItem
from engine.library.storage.fspath import display

if TYPE_CHECKING:  # pragma: no cover
    from engine.library.playlists.catalogue import Catalogue


def fold(text: str | None) -> str:
    """Case-folded, dash-normalised, single-spaced text."""
    return " ".join((text or "").casefold().replace("–", "-").split())


def _names(title: str, artist: str) -> list[str]:
    names = [fold(title)]
    if artist:
        names.append(fold(f"{artist} - {title}"))
    return names


def find_seed(catalogue: Catalogue, seed: str | int) -> int:
    """Row of a track given by id, path (absolute, relative to cwd, or a unique end of a
    path), title, or "artist - title" (case-insensitive; a unique part of it will do).

    Raises ``LookupError`` naming the matches when the seed is ambiguous.
    """
    text = str(seed).strip()
    if text.isdigit() and catalogue.row_for(int(text)) is not None:
        return catalogue.row_for(int(text))
    stages = find_rows(catalogue, text)
    for matches in stages:
        if len(matches) > 1:  # a hidden copy and the file it copies are one recording
            catalogue.prefetch(matches[:64])
            matches = list(dict.fromkeys(catalogue.kept(r) for r in matches))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise LookupError(_ambiguous(catalogue, text, matches))
    raise LookupError(f"no analysed track matches '{text}' (give an id, a path, a title or "
                      "\"artist - title\")")


def _ambiguous(catalogue: Catalogue, text: str, rows: list[int]) -> str:
    catalogue.prefetch(rows[:8])
    shown = "; ".join(
        f"{catalogue.ids[r]}: {' – '.join(x for x in (catalogue.artists[r], catalogue.titles[r]) if x)}"
        f" ({display(catalogue.paths[r])})" for r in rows[:8])
    more = f"; and {len(rows) - 8} more" if len(rows) > 8 else ""
    return f"'{text}' matches {len(rows)} tracks: {shown}{more}; give the id or the path"


def find_rows(catalogue: Catalogue, text: str) -> Iterator[list[int]]:
    """Stages of matching rows, computed one at a time (a later stage is only asked for when the
    earlier ones matched nothing): the resolved path, an end of a path, an exact title (or
    "artist - title"), a part of one."""
    resolved = str(Path(text).expanduser().resolve())
    key = fold(text)
    if catalogue.source is None:
        paths = list(catalogue.paths)
        yield [r for r, p in enumerate(paths) if p == resolved]
        yield [r for r, p in enumerate(paths) if p.endswith(text)]
        titled = [(r, _names(t, a)) for r, (t, a) in
                  enumerate(zip(catalogue.titles, catalogue.artists, strict=True))]
    else:
        reader = catalogue.source.reader()

        def rows(ids: list[int]) -> list[int]:
            return sorted(r for r in map(catalogue.row_for, ids) if r is not None)

        yield rows([r[0] for r in reader.execute("SELECT id FROM tracks WHERE path = ?",
                                                  (reader.stored(resolved),))])
        stored = reader.stored(text)
        yield rows([r[0] for r in reader.execute(
            "SELECT id FROM tracks WHERE length(path) >= ? "
            "AND substr(path, -?) = ?", (len(stored), len(stored), stored))]) if stored else []
        titled = _titled(catalogue, key) if key else []
    yield [r for r, names in titled if key in names]
    yield [r for r, names in titled if any(key in n for n in names)]


# Text that folds like SQLite's LIKE compares: printable ASCII without runs of spaces. Anything
# else (accents, "ß", tabs, double spaces) is folded in Python, so no match is ever missed.
_NEEDS_FOLDING = ("{c} GLOB '*[^ -~]*' OR {c} GLOB '*  *'")


def _titled(catalogue: Catalogue, key: str) -> list[tuple[int, list[str]]]:
    """Rows whose folded title or "artist - title" contains ``key``.

    SQL does the work: for an ASCII key, ``LIKE`` (case-insensitive for ASCII) finds the
    candidates among plain-ASCII names and every name that needs real case folding is folded in
    Python; any other key folds every name through a registered ``casefold`` function. Either way
    the library is never loaded row by row into Python.
    """
    reader = catalogue.source.reader()
    both = "artist || ' - ' || title"
    if key.isascii() and key.isprintable():
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        loose = " OR ".join(_NEEDS_FOLDING.format(c=c) for c in ("title", f"({both})"))
        found = reader.execute(
            "SELECT id, title, artist FROM tracks WHERE "
            f"(title LIKE :p ESCAPE '\\' OR (artist != '' AND ({both}) LIKE :p ESCAPE '\\') "
            f"OR {loose})", {"p": pattern}).fetchall()
    else:
        reader.connection.create_function("segue_fold", 1, fold, deterministic=True)
        found = reader.execute(
            "SELECT id, title, artist FROM tracks WHERE "
            "(instr(segue_fold(title), ?) > 0 OR "
            f"(artist != '' AND instr(segue_fold({both}), ?) > 0))", (key, key)).fetchall()
    titled = []
    for track_id, title, artist in found:
        row, names = catalogue.row_for(track_id), _names(title, artist)
        if row is not None and any(key in n for n in names):
            titled.append((row, names))
    return sorted(titled)


def rows_with_tags(catalogue: Catalogue, tags: Iterable[str]) -> np.ndarray:
    """Rows whose shown tagger tags include any of ``tags`` (case-folded), sorted.

    Raises ``LookupError`` naming the tags the library does show when none matches.
    """
    wanted = {fold(t) for t in tags if fold(t)}
    if catalogue.source is None:
        rows = [r for r, shown in enumerate(catalogue.tags) if wanted & {fold(t) for t in shown}]
        known = {t for shown in catalogue.tags for t in shown}
    else:
        from engine.library.analysis.tagging import parse_top

        reader = catalogue.source.reader()
        rows, known = [], set()
        for track_id, top in reader.execute("SELECT track_id, top FROM track_tags WHERE top != ''"):
            shown = parse_top(top)
            known |= shown.keys()
            row = catalogue.row_for(track_id)
            if row is not None and wanted & {fold(t) for t in shown}:
                rows.append(row)
    if not rows:
        names = ", ".join(sorted(known, key=str.casefold)[:40]) or "none yet (scan a folder)"
        raise LookupError(f"no track is tagged {' or '.join(sorted(wanted))} (tags shown in "
                          f"this library: {names})")
    return np.asarray(sorted(rows), np.int64)


def prefer_kept(items: list[PlaylistItem], library_path: str | Path | None = None
                ) -> list[PlaylistItem]:
    """``items`` with every hidden copy replaced by the track it copies (the user's file wins
    over a bundled demo clip of the same audio), each recording once, order kept."""
    from engine.library.storage.reader import Reader

    if not items:
        return []
    with Reader(library_path) as reader:
        links = dict(reader.by_ids("SELECT id, same_as FROM tracks WHERE id IN ({ids}) "
                                   "AND same_as IS NOT NULL", [i.id for i in items]))
        kept = {int(row[0]): row for row in reader.by_ids(
            "SELECT id, path, artist, title, duration FROM tracks WHERE id IN ({ids})",
            set(links.values()))}
    out, seen = [], set()
    for item in items:
        target = links.get(item.id)
        if target is not None and target in kept:
            _, path, artist, title, duration = kept[target]
            item = PlaylistItem(target, Reader.path_of(path), artist or "", title or "",
                                item.distance, float(duration or 0.0))
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out
