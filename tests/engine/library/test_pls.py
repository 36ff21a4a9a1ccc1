"""PLS playlists (issue 26, item 6): read as PLS, not as M3U; written and read back; refused
when a `.pls` is not one."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import UserFacingError
from engine.library.playlists.files import Entry, read_playlist, write_playlist

PLS = """[playlist]\r
NumberOfEntries=4\r
File2=sub/Café — 東京.mp3\r
Title2=Artist B - Song B\r
Length2=-1\r
File1=first song.ogg\r
Title1=Song A\r
Length1=215\r
file3=file://{absolute}\r
File4=http://radio.example/stream\r
Title4=A stream\r
Version=2\r
"""


def test_a_pls_playlist_is_read_in_order_with_relative_paths(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    absolute = tmp_path / "elsewhere" / "x%20y.flac"
    source = lists / "mine.pls"
    source.write_bytes(PLS.format(absolute=absolute.as_posix().replace(" ", "%20"))
                       .encode("utf-8"))
    entries = read_playlist(source)
    assert [e.path for e in entries] == [str(lists / "first song.ogg"),
                                         str(lists / "sub" / "Café — 東京.mp3"),
                                         str(tmp_path / "elsewhere" / "x y.flac"),
                                         "http://radio.example/stream"]
    assert [(e.artist, e.title) for e in entries] == [("", "Song A"), ("Artist B", "Song B"),
                                                      ("", ""), ("", "A stream")]
    assert [e.duration for e in entries] == [215.0, 0.0, 0.0, 0.0]


def test_pls_round_trip_and_content_sniffing(tmp_path: Path) -> None:
    music = tmp_path / "music"
    entries = [Entry(str(music / "a b.ogg"), "Title", "Ärtist", 61.0),
               Entry(str(music / "new\nline.mp3"), "", "", 0.0)]
    target = write_playlist(tmp_path / "out" / "list.pls", entries)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("[playlist]\nFile1=../music/a b.ogg\nTitle1=Ärtist - Title\n")
    assert "NumberOfEntries=2" in text and str(tmp_path) not in text.split("File2")[0]
    back = read_playlist(target)
    assert [e.path for e in back] == [e.path for e in entries]
    assert [(e.artist, e.title, e.duration) for e in back] == [("Ärtist", "Title", 61.0),
                                                                ("", "", 0.0)]
    misnamed = target.with_suffix(".m3u")  # PLS content under another name is still PLS
    misnamed.write_bytes(target.read_bytes())
    assert [e.path for e in read_playlist(misnamed)] == [e.path for e in entries]


@pytest.mark.parametrize("content", ["", "#EXTM3U\nsong.mp3\n", "File1=song.mp3\n"])
def test_a_pls_without_its_header_is_refused(tmp_path: Path, content: str) -> None:
    source = tmp_path / "bad.pls"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(UserFacingError, match=r"bad\.pls: not a PLS playlist"):
        read_playlist(source)


def test_hostile_pls_lines_do_not_break_the_reader(tmp_path: Path) -> None:
    source = tmp_path / "odd.pls"
    source.write_text("[playlist]\nFile999999999999=skipped.mp3\nLength1=nan\nFile1=a.mp3\n"
                      "Length2=1e999\nFile2=b.mp3\nTitle3=no file\nnot a line\n",
                      encoding="utf-8")
    entries = read_playlist(source)
    assert [Path(e.path).name for e in entries] == ["a.mp3", "b.mp3"]
    assert [e.duration for e in entries] == [0.0, 0.0]
