"""M3U8/XSPF export with relative paths and odd characters, and M3U import."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.library.playlists.files import Entry, read_m3u, read_playlist, write_playlist

ODD = ["Sigur Rós/Ágætis byrjun/01 Intro.ogg", "AC_DC/It's a \"Long\" Way #1.flac",
       "with space/100% & more?.mp3"]


@pytest.mark.parametrize("suffix", [".m3u8", ".xspf"])
def test_round_trip_with_odd_paths(tmp_path: Path, suffix: str) -> None:
    music = tmp_path / "music"
    entries = [Entry(str(music / p), f"Title {i}", "Artist ü", 61.0 + i)
               for i, p in enumerate(ODD)]
    target = write_playlist(tmp_path / "lists" / f"my list{suffix}", entries)
    text = target.read_text(encoding="utf-8")
    assert str(tmp_path) not in text, "paths are relative to the playlist"
    back = read_playlist(target)
    assert [e.path for e in back] == [e.path for e in entries]
    assert [e.title for e in back] == [e.title for e in entries]
    assert [e.artist for e in back] == ["Artist ü"] * 3
    assert [round(e.duration) for e in back] == [61, 62, 63]


def test_m3u8_layout(tmp_path: Path) -> None:
    target = write_playlist(tmp_path / "a.m3u8", [Entry(str(tmp_path / "x y.ogg"), "T", "A", 5)])
    assert target.read_text(encoding="utf-8").splitlines() == ["#EXTM3U", "#EXTINF:5,A - T",
                                                                "x y.ogg"]


def test_import_plain_m3u_latin1_uris_and_absolute(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    content = ("# comment\r\nsub\\caf\xe9.mp3\r\n"
               f"file://{(tmp_path / 'uri%20song.ogg').as_posix()}\r\n/abs/song.flac\r\n")
    (tmp_path / "old.m3u").write_bytes(content.encode("latin-1"))
    paths = [e.path for e in read_m3u(tmp_path / "old.m3u")]
    assert paths == [str(tmp_path / "sub" / "café.mp3"), str(tmp_path / "uri song.ogg"),
                     "/abs/song.flac"]
