"""Spotify enrichment through spotipy against a local stub HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from engine.library.scan.scanner import scan_folder
from engine.library.spotify import SpotifySettings, audio_features, enrich_library, make_client
from engine.library.storage import models as m
from engine.library.storage.db import Library

SECRET = "s3cr3t-never-in-logs"
GENRES = {"Trumpet Guy": ["jazz", "bebop"], "Bird": ["field recording"]}


class Stub(BaseHTTPRequestHandler):
    """Spotify's token and search endpoints; ``mode`` switches to 429/401/403 answers."""

    mode = "ok"
    calls: list[str] = []

    def _send(self, code: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if code == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Stub.calls.append("token")
        if Stub.mode == "bad-credentials":
            self._send(401, {"error": "invalid_client"})
        else:
            self._send(200, {"access_token": "tok", "token_type": "bearer", "expires_in": 3600})

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        Stub.calls.append(url.path)
        if Stub.mode == "rate-limited":
            self._send(429, {"error": {"status": 429, "message": "rate limit"}})
        elif url.path.rstrip("/").endswith("/audio-features"):
            self._send(403, {"error": {"status": 403, "message": "forbidden"}})
        elif url.path.endswith("/search"):
            name = parse_qs(url.query)["q"][0].removeprefix("artist:")
            items = [{"name": name, "genres": GENRES[name]}] if name in GENRES else []
            self._send(200, {"artists": {"items": items}})
        else:
            self._send(404, {"error": {"status": 404, "message": "no"}})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Stub.mode, Stub.calls = "ok", []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings(base: str) -> SpotifySettings:
    return SpotifySettings("client-id", SECRET, api_url=f"{base}/v1/", token_url=f"{base}/token",
                           timeout=3)


@pytest.fixture
def tagged(library: Library, music: Path) -> Library:
    scan_folder(library, music, workers=1)
    with library.transaction() as session:
        for track in session.scalars(select(m.Track)):
            track.artist = {"trumpet.ogg": "Trumpet Guy", "robin.ogg": "Bird"}.get(
                Path(track.path).name, "Unknown Reader")
    return library


def genres(library: Library) -> dict[str, str]:
    with library.transaction() as session:
        return {Path(t.path).name: t.genre for t in session.scalars(select(m.Track))}


def test_genres_are_filled_and_cached(tagged: Library, stub: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    report = enrich_library(settings(stub), tagged.path)
    assert report.status == "done" and report.looked_up == 3 and report.tracks_tagged == 2
    assert genres(tagged)["trumpet.ogg"] == "jazz"
    assert genres(tagged)["robin.ogg"] == "field recording"
    searches = Stub.calls.count("/v1/search")
    again = enrich_library(settings(stub), tagged.path)
    assert again.looked_up == 0 and again.from_cache == 1  # only the genre-less reader is left
    assert Stub.calls.count("/v1/search") == searches
    # the secret (or its Basic-auth form) never reaches a log or the database
    import base64

    basic = base64.b64encode(f"client-id:{SECRET}".encode()).decode()
    logged = caplog.text + repr(settings(stub))
    assert SECRET not in logged and basic not in logged
    raw = b"".join(p.read_bytes() for p in tagged.path.parent.glob("library.sqlite*"))
    assert SECRET.encode() not in raw and b"client-id" not in raw


def test_rate_limit_stops_cleanly(tagged: Library, stub: str) -> None:
    Stub.mode = "rate-limited"
    report = enrich_library(settings(stub), tagged.path)
    assert report.status == "rate-limited" and report.tracks_tagged == 0
    assert set(genres(tagged).values()) == {""}
    assert tagged.integrity_check() == "ok"


def test_refused_credentials(tagged: Library, stub: str) -> None:
    Stub.mode = "bad-credentials"
    report = enrich_library(settings(stub), tagged.path)
    assert report.status == "refused"
    assert SECRET not in report.message


def test_offline(tagged: Library) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = enrich_library(settings(f"http://127.0.0.1:{port}"), tagged.path)
    assert report.status == "offline"


def test_not_configured_makes_no_call(tagged: Library, stub: str) -> None:
    report = enrich_library(SpotifySettings(), tagged.path)
    assert report.status == "not configured" and Stub.calls == []


def test_audio_features_refused_means_unavailable(stub: str) -> None:
    assert audio_features(make_client(settings(stub)), ["abc"]) is None
