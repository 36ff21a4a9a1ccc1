"""Saved and imported playlists: list, open, rename, delete and re-export them.

Playlists are stored in the library (``playlists`` + ``playlist_entries``) by ``segue playlist
--name``, the panel's Save, and ``segue library import``. Every function opens the library itself
(one session per call), so the panel can run them on its job lanes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select

from engine.errors import UserFacingError
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.library.playlists.files import Entry, write_playlist
from engine.library.playlists.items import PlaylistItem
from engine.library.playlists.lookup import prefer_kept
from engine.library.storage import models as m
from engine.library.storage.db import Library
from engine.library.storage.errors import user_errors

MAX_NAME = 200


@dataclass
class SavedPlaylist:
    """A playlist stored in the library."""

    id: int
    name: str
    tracks: int
    created_at: float


def _name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise UserFacingError("a playlist needs a name")
    if len(name) > MAX_NAME:
        raise UserFacingError(f"a playlist name has at most {MAX_NAME} characters")
    return name


@user_errors
def list_playlists(library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                   cancelled: CancelledFn = never_cancelled) -> list[SavedPlaylist]:
    """Every saved or imported playlist, newest first, with its number of tracks."""
    with Library(library_path) as library, library.transaction() as session:
        counts = (select(m.PlaylistEntry.playlist_id, func.count().label("n"))
                  .group_by(m.PlaylistEntry.playlist_id).subquery())
        query = (select(m.Playlist.id, m.Playlist.name, func.coalesce(counts.c.n, 0),
                        m.Playlist.created_at)
                 .outerjoin(counts, counts.c.playlist_id == m.Playlist.id)
                 .order_by(m.Playlist.created_at.desc(), m.Playlist.id.desc()))
        return [SavedPlaylist(int(i), n, int(c), float(t)) for i, n, c, t in session.execute(query)]


def _get(session, playlist_id: int) -> m.Playlist:  # noqa: ANN001
    playlist = session.get(m.Playlist, int(playlist_id))
    if playlist is None:
        raise UserFacingError(f"no saved playlist with id {playlist_id}")
    return playlist


@user_errors
def playlist_items(playlist_id: int, library_path: str | Path | None = None,
                   progress: ProgressFn = no_progress,
                   cancelled: CancelledFn = never_cancelled) -> list[PlaylistItem]:
    """The tracks of a saved playlist, in order (each recording once; a hidden copy — a demo
    clip whose audio the user has — stands as the kept track: :func:`prefer_kept`)."""
    with Library(library_path) as library, library.transaction() as session:
        _get(session, playlist_id)
        query = (select(m.Track.id, m.Track.path, m.Track.artist, m.Track.title,
                        m.Track.duration)
                 .join(m.PlaylistEntry, m.PlaylistEntry.track_id == m.Track.id)
                 .where(m.PlaylistEntry.playlist_id == int(playlist_id))
                 .order_by(m.PlaylistEntry.position))
        items = [PlaylistItem(int(i), p, a or "", t or "", 0.0, float(d or 0.0))
                 for i, p, a, t, d in session.execute(query)]
    return prefer_kept(items, library_path)


@user_errors
def save_items(name: str, track_ids: list[int], library_path: str | Path | None = None,
               progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled, rules_json: str = "{}") -> int:
    """Save tracks (by id, in order) as a new playlist called ``name``; return its id.

    ``rules_json``: the rules it was built with (JSON), kept with it."""
    with Library(library_path) as library, library.transaction() as session:
        playlist = m.Playlist(name=_name(name), created_at=time.time(), rules_json=rules_json)
        session.add(playlist)
        session.flush()
        for position, track_id in enumerate(track_ids):
            session.add(m.PlaylistEntry(playlist_id=playlist.id, position=position,
                                        track_id=int(track_id)))
        return int(playlist.id)


@user_errors
def rename_playlist(playlist_id: int, name: str, library_path: str | Path | None = None,
                    progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> str:
    """Rename a saved playlist; return the new name."""
    with Library(library_path) as library, library.transaction() as session:
        playlist = _get(session, playlist_id)
        playlist.name = _name(name)
        return playlist.name


@user_errors
def delete_playlist(playlist_id: int, library_path: str | Path | None = None,
                    progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> None:
    """Delete a saved playlist (its tracks stay in the library)."""
    with Library(library_path) as library, library.transaction() as session:
        _get(session, playlist_id)
        session.execute(delete(m.PlaylistEntry)
                        .where(m.PlaylistEntry.playlist_id == int(playlist_id)))
        session.execute(delete(m.Playlist).where(m.Playlist.id == int(playlist_id)))


@user_errors
def export_playlist(playlist_id: int, out: str | Path, library_path: str | Path | None = None,
                    progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> Path:
    """Write a saved playlist to ``out`` (.m3u8 or .xspf)."""
    items = playlist_items(playlist_id, library_path=library_path)
    return write_playlist(out, [Entry(i.path, i.title, i.artist, i.duration) for i in items])
