"""Optional Spotify enrichment (online only): artist genres through search, cached in the DB.

Credentials come from settings or the environment (``SPOTIPY_CLIENT_ID`` /
``SPOTIPY_CLIENT_SECRET``) and live only in memory: they are never logged (spotipy's own debug
log, which prints request headers, is silenced) and never stored; the token is cached in memory,
not in a ``.cache`` file. Offline, rate-limited (429) or refused (401/403) calls end the run with
a status message; the library stays fully usable. Audio features are tried only on request and
treated as unavailable when the API refuses them (closed to new apps since November 2024).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.library.playlists.build import normalise
from engine.library.storage import models as m
from engine.library.storage.db import Library
from engine.logsetup import get_logger

log = get_logger(__name__)

API_URL = "https://api.spotify.com/v1/"
TOKEN_URL = "https://accounts.spotify.com/api/token"


@dataclass
class SpotifySettings:
    """Where and how to reach Spotify. The secret is hidden from ``repr``."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    api_url: str = API_URL
    token_url: str = TOKEN_URL
    timeout: float = 5.0
    max_lookups: int = 500

    @property
    def configured(self) -> bool:
        """True when both the client id and secret are set."""
        return bool(self.client_id and self.client_secret)


def settings_from_env() -> SpotifySettings:
    """Read the credentials from ``SPOTIPY_CLIENT_ID`` / ``SPOTIPY_CLIENT_SECRET``."""
    return SpotifySettings(os.environ.get("SPOTIPY_CLIENT_ID", ""),
                           os.environ.get("SPOTIPY_CLIENT_SECRET", ""))


@dataclass
class EnrichReport:
    """What an enrichment run did, and why it stopped."""

    status: str  # "done", "not configured", "offline", "rate-limited", "refused", "cancelled"
    looked_up: int = 0
    from_cache: int = 0
    tracks_tagged: int = 0
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON)."""
        return {"status": self.status, "looked_up": self.looked_up,
                "from_cache": self.from_cache, "tracks_tagged": self.tracks_tagged,
                "message": self.message}


class SpotifyUnavailable(Exception):
    """A call failed in a way that ends the run: ``status`` says how."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def make_client(settings: SpotifySettings) -> Any:
    """A spotipy client on ``settings`` (no retries that sleep, in-memory token cache)."""
    import spotipy
    from spotipy.cache_handler import MemoryCacheHandler
    from spotipy.oauth2 import SpotifyClientCredentials

    logging.getLogger("spotipy").setLevel(logging.WARNING)  # its debug log prints auth headers
    auth = SpotifyClientCredentials(settings.client_id, settings.client_secret,
                                    requests_timeout=settings.timeout,
                                    cache_handler=MemoryCacheHandler())
    auth.OAUTH_TOKEN_URL = settings.token_url
    client = spotipy.Spotify(auth_manager=auth, requests_timeout=settings.timeout, retries=0,
                             status_retries=0)
    client.prefix = settings.api_url
    return client


def _call(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a spotipy call; turn its failures into :class:`SpotifyUnavailable` (secret-free)."""
    import requests
    from spotipy.exceptions import SpotifyException
    from spotipy.oauth2 import SpotifyOauthError

    try:
        return func(*args, **kwargs)
    except SpotifyException as exc:
        if exc.http_status == 429:
            raise SpotifyUnavailable("rate-limited", "Spotify is rate-limiting us") from None
        if exc.http_status in (401, 403):
            raise SpotifyUnavailable("refused", f"Spotify refused the call ({exc.http_status})"
                                     ) from None
        raise SpotifyUnavailable("offline", f"Spotify error {exc.http_status}") from None
    except SpotifyOauthError:
        raise SpotifyUnavailable("refused", "Spotify refused the credentials") from None
    except (requests.RequestException, OSError) as exc:
        raise SpotifyUnavailable("offline", f"Spotify unreachable ({type(exc).__name__})"
                                 ) from None


def artist_genres(client: Any, name: str) -> list[str]:
    """Genres of the best search match for artist ``name`` ([] if none)."""
    answer = _call(client.search, q=f"artist:{name}", type="artist", limit=1)
    items = (answer or {}).get("artists", {}).get("items", [])
    return list(items[0].get("genres", [])) if items else []


def audio_features(client: Any, track_ids: list[str]) -> list[dict] | None:
    """Spotify audio features for ``track_ids``, or None where the API no longer permits them."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return _call(client.audio_features, track_ids)
    except SpotifyUnavailable as exc:
        if exc.status == "refused":
            return None
        raise


def enrich_library(settings: SpotifySettings, library_path: str | Path | None = None,
                   progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
                   client: Any = None) -> EnrichReport:
    """Fill empty track genres from Spotify artist genres (cached); never raises on network."""
    if not settings.configured and client is None:
        return EnrichReport("not configured", message="Spotify is not configured: set "
                            "SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET (optional).")
    report = EnrichReport("done")
    with Library(library_path) as library:
        with library.transaction() as session:
            artists = sorted({a for a in session.scalars(
                select(m.Track.artist).where(m.Track.genre == "", m.Track.artist != ""))})
        genres_of: dict[str, list[str]] = {}
        try:
            client = client or make_client(settings)
            for done, artist in enumerate(artists[: settings.max_lookups], 1):
                check_cancelled(cancelled)
                key = f"artist:{normalise(artist)}"
                with library.transaction() as session:
                    cached = session.get(m.SpotifyCache, key)
                    if cached is not None:
                        genres_of[artist] = json.loads(cached.value_json)
                        report.from_cache += 1
                        continue
                genres = artist_genres(client, artist)
                report.looked_up += 1
                genres_of[artist] = genres
                with library.transaction() as session:
                    session.merge(m.SpotifyCache(key=key, value_json=json.dumps(genres),
                                                 fetched_at=time.time()))
                progress(done / max(1, len(artists)), f"Spotify: {artist}")
        except SpotifyUnavailable as exc:
            report.status, report.message = exc.status, str(exc)
            log.info("Spotify enrichment stopped: %s", exc)
        except Exception as exc:  # noqa: BLE001 - enrichment is optional: never break the caller
            if type(exc).__name__ == "Cancelled":
                report.status = "cancelled"
            else:
                report.status, report.message = "offline", f"Spotify failed ({type(exc).__name__})"
        with library.transaction() as session:
            for track in session.scalars(select(m.Track).where(m.Track.genre == "")):
                genres = genres_of.get(track.artist)
                if genres:
                    track.genre = genres[0]
                    report.tracks_tagged += 1
    if not report.message:
        report.message = (f"Spotify: {report.looked_up} artists looked up, "
                          f"{report.from_cache} from cache, {report.tracks_tagged} tracks tagged")
    return report
