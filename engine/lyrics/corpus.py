"""Lyric corpora: load text files or folders, normalise them, split songs for validation.

A corpus file holds one lyric line per line and a blank line between songs. Loading normalises
line endings, typographic quotes and dashes, strips control characters, and rejects empty, binary
or undecodable files with a message naming the file. The training stream of a corpus is its songs
joined as ``song + "\\n\\n"``, so a blank line always means "a new song starts".
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from engine import safe_io

TEXT_SUFFIXES = (".txt", ".lyrics", ".lrc", ".text")

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-",
        "\u2026": "...", "\u00a0": " ", "\t": " ",
    }
)
_BLANK_RUN = re.compile(r"\n{3,}")
_SPACE_RUN = re.compile(r" {2,}")


class CorpusError(ValueError):
    """A corpus file that cannot be used (missing, empty, binary or not decodable)."""


@dataclass
class Corpus:
    """Normalised songs (each a string of lines joined by ``\\n``) and where they came from."""

    songs: list[str]
    sources: list[Path] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of characters in the training stream."""
        return sum(len(song) + 2 for song in self.songs)

    @property
    def song_count(self) -> int:
        """Number of songs."""
        return len(self.songs)

    def text(self) -> str:
        """The whole corpus as one stream: every song followed by a blank line."""
        return songs_to_text(self.songs)

    def summary(self) -> str:
        """One line for the user: size and song count."""
        return f"{self.size / 1000:.0f} KB of text, {self.song_count} songs from {len(self.sources)} file(s)"


def songs_to_text(songs: list[str]) -> str:
    """Join songs into a stream in which a blank line separates songs."""
    return "".join(song + "\n\n" for song in songs)


def normalise(text: str) -> str:
    """Normalise line endings, quotes, dashes and spacing; drop control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    lines = [_SPACE_RUN.sub(" ", line).rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip("\n")
    return _BLANK_RUN.sub("\n\n", text)


def decode_bytes(data: bytes, name: str) -> str:
    """Decode file bytes as UTF-8 (with or without BOM) or BOM-marked UTF-16; else raise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{name}: broken UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:65536]:
        raise CorpusError(f"{name}: looks like a binary file, not lyrics text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{name}: not UTF-8 text (bad byte at position {exc.start}); save it as UTF-8 and retry"
        ) from exc


def _looks_binary(text: str) -> bool:
    """Tell whether decoded text is mostly control characters (a binary file that decoded)."""
    sample = text[:65536]
    if not sample:
        return False
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls / len(sample) > 0.05


def load_songs(path: str | Path) -> list[str]:
    """Load one text file and return its normalised songs; raise CorpusError naming the file."""
    path = Path(path)
    safe_io.check_input_file(path, "lyrics", safe_io.MAX_LYRICS_BYTES, CorpusError)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty")
    text = decode_bytes(data, str(path))
    if _looks_binary(text):
        raise CorpusError(f"{path}: looks like a binary file, not lyrics text")
    text = normalise(text)
    if not text.strip():
        raise CorpusError(f"{path}: no lyric lines left after removing blank and control characters")
    return [song for song in text.split("\n\n") if song.strip()]


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Turn files and folders into a sorted list of text files (folders: their text files)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            if not found:
                raise CorpusError(f"{path}: the folder holds no .txt lyric files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder")
    return files


def load_corpus(paths: list[str | Path] | str | Path) -> Corpus:
    """Load one or more files or folders into a :class:`Corpus`."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = expand_paths(list(paths))
    if not files:
        raise CorpusError("no lyric files given")
    songs: list[str] = []
    for file in files:
        songs.extend(load_songs(file))
    return Corpus(songs=songs, sources=files)


def split_songs(songs: list[str], val_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """Split by song: the last ``val_fraction`` of songs (at least one) is the validation set."""
    if len(songs) < 2:
        raise CorpusError("need at least two songs (separated by a blank line) to hold one out")
    n_val = max(1, math.ceil(len(songs) * val_fraction))
    n_val = min(n_val, len(songs) - 1)
    return songs[:-n_val], songs[-n_val:]
