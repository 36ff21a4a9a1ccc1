"""Lyrics from real tagged files (ID3 USLT, FLAC/Ogg LYRICS, MP4 ©lyr) and sidecars; sentiment."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engine.library.analysis.lyrics import analyse_lyrics, read_lyrics, sentiment, strip_lrc

SONG = "Sunshine on the water\nI love the morning light"
TONE = (0.2 * np.sin(np.arange(22050) * 2 * np.pi * 440 / 22050)).astype(np.float32)


def _audio(path: Path, fmt: str, subtype: str | None = None) -> Path:
    sf.write(path, TONE, 22050, format=fmt, subtype=subtype)
    return path


def test_id3_uslt_in_mp3(tmp_path: Path) -> None:
    from mutagen.id3 import ID3, USLT

    path = _audio(tmp_path / "a.mp3", "MP3", "MPEG_LAYER_III")
    tags = ID3()
    tags.add(USLT(encoding=3, lang="eng", desc="", text=SONG))
    tags.save(path)
    assert read_lyrics(path) == (SONG, "id3")


@pytest.mark.parametrize(("name", "fmt", "subtype", "cls"), [
    ("a.flac", "FLAC", None, "mutagen.flac.FLAC"),
    ("a.ogg", "OGG", "VORBIS", "mutagen.oggvorbis.OggVorbis"),
])
def test_vorbis_lyrics_in_flac_and_ogg(tmp_path: Path, name: str, fmt: str,
                                       subtype: str | None, cls: str) -> None:
    import importlib

    module, _, klass = cls.rpartition(".")
    path = _audio(tmp_path / name, fmt, subtype)
    audio = getattr(importlib.import_module(module), klass)(path)
    audio["LYRICS"] = [SONG]
    audio.save()
    assert read_lyrics(path) == (SONG, "vorbis")


def _minimal_m4a(path: Path) -> Path:
    """An MP4 container mutagen can tag (ftyp, moov with mvhd and a sound track, empty mdat).

    No AAC encoder is available here, so the file holds no audio samples: enough for tags.
    """
    def atom(name: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), name) + payload

    mvhd = atom(b"mvhd", b"\0" * 4 + struct.pack(">IIII", 0, 0, 1000, 0) + b"\0" * 80)
    mdhd = atom(b"mdhd", b"\0" * 4 + struct.pack(">IIII", 0, 0, 44100, 0) + b"\0" * 4)
    hdlr = atom(b"hdlr", b"\0" * 8 + b"soun" + b"\0" * 13)
    trak = atom(b"trak", atom(b"mdia", mdhd + hdlr))
    path.write_bytes(atom(b"ftyp", b"M4A \0\0\0\0M4A mp42isom") + atom(b"moov", mvhd + trak)
                     + atom(b"mdat", b""))
    return path


def test_mp4_lyr_atom(tmp_path: Path) -> None:
    from mutagen.mp4 import MP4

    path = _minimal_m4a(tmp_path / "a.m4a")
    audio = MP4(path)
    audio["\xa9lyr"] = [SONG]
    audio.save()
    assert read_lyrics(path) == (SONG, "mp4")


def test_lrc_sidecar_loses_timestamps_and_headers(tmp_path: Path) -> None:
    path = _audio(tmp_path / "b.flac", "FLAC")
    path.with_suffix(".lrc").write_text(
        "[ar:Someone]\n[ti:Sunshine]\n[00:01.00]Sunshine on the water\n"
        "[00:04.50][01:10.00]I <00:05.00>love the morning light\n", encoding="utf-8")
    assert read_lyrics(path) == (SONG, "lrc")
    assert strip_lrc("[length: 03:20]\n[00:12.3]la") == "la"


def test_txt_sidecar_but_not_an_attribution_note(tmp_path: Path) -> None:
    path = _audio(tmp_path / "c.flac", "FLAC")
    path.with_suffix(".txt").write_text(SONG + "\n", encoding="utf-8")
    assert read_lyrics(path) == (SONG, "txt")
    demo = Path(__file__).resolve().parents[3] / "assets" / "audio"
    clip = tmp_path / "Kevin_MacLeod_-_Vibe_Ace.ogg"
    shutil.copyfile(demo / clip.name, clip)
    shutil.copyfile(demo / "Kevin_MacLeod_-_Vibe_Ace.txt", clip.with_suffix(".txt"))
    assert read_lyrics(clip) == ("", "")  # "licensed under a Creative Commons..." is no song


def test_tags_win_over_sidecars(tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = _audio(tmp_path / "d.flac", "FLAC")
    path.with_suffix(".txt").write_text("other words\n", encoding="utf-8")
    audio = FLAC(path)
    audio["LYRICS"] = [SONG]
    audio.save()
    assert read_lyrics(path)[1] == "vorbis"


def test_sentiment_of_known_sentences() -> None:
    happy = sentiment("I love you, this is a wonderful, happy day!")
    sad = sentiment("I hate this awful, terrible, miserable night.")
    assert happy is not None and happy["compound"] > 0.5
    assert sad is not None and sad["compound"] < -0.5
    assert sentiment("   \n  ") is None  # the mask, never a zero score


def test_no_lyrics_is_a_mask(tmp_path: Path) -> None:
    path = _audio(tmp_path / "e.flac", "FLAC")
    assert analyse_lyrics(path) == {"lyrics": None, "lyrics_source": "", "sentiment": None}
    assert read_lyrics(tmp_path / "missing.mp3") == ("", "")
