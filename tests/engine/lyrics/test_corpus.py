"""Corpus loading: encodings, normalisation, rejection of bad files, song split."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.lyrics.corpus import (
    CorpusError,
    load_corpus,
    load_songs,
    normalise,
    songs_to_text,
    split_songs,
)
from tests.engine.lyrics.helpers import SAMPLE


def test_sample_corpus_reports_size_and_songs() -> None:
    corpus = load_corpus(SAMPLE)
    assert corpus.song_count == 14
    assert corpus.size == len(corpus.text())
    assert "14 songs" in corpus.summary()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_encodings_decode_to_the_same_songs(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "song.txt"
    path.write_bytes("Caf\u00e9 line one\nline two\n\nsecond song\n".encode(encoding))
    assert load_songs(path) == ["Caf\u00e9 line one\nline two", "second song"]


def test_normalise_line_endings_quotes_and_controls() -> None:
    text = "\u201cHello\u201d \u2018you\u2019\r\nnext\x07 line  \r\rthird\u2014end"
    assert normalise(text) == "\"Hello\" 'you'\nnext line\n\nthird--end"


def test_many_blank_lines_collapse_to_one_song_break(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one\n\n\n\n\ntwo\n", encoding="utf-8")
    assert load_songs(path) == ["one", "two"]


def test_empty_file_rejected_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="empty.txt: the file is empty"):
        load_corpus(path)


def test_binary_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "picture.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(CorpusError, match="picture.txt: looks like a binary file"):
        load_corpus(path)


def test_undecodable_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    with pytest.raises(CorpusError, match="latin.txt: not UTF-8"):
        load_corpus(path)


def test_missing_path_rejected(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="nope.txt: no such file"):
        load_corpus(tmp_path / "nope.txt")


def test_folder_loads_its_text_files_in_order(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("bee\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("ay\n\nay two\n", encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    corpus = load_corpus([tmp_path])
    assert corpus.songs == ["ay", "ay two", "bee"]
    assert [p.name for p in corpus.sources] == ["a.txt", "b.txt"]


def test_split_holds_out_the_last_tenth_of_songs() -> None:
    songs = [f"song {i}" for i in range(25)]
    train, val = split_songs(songs)
    assert train == songs[:22] and val == songs[22:]
    assert songs_to_text(val) == "song 22\n\nsong 23\n\nsong 24\n\n"


def test_split_needs_two_songs() -> None:
    with pytest.raises(CorpusError, match="at least two songs"):
        split_songs(["only one"])
