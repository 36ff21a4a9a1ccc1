"""The Lyrics panel's part of a project, to and from the duet engine's lines."""

from __future__ import annotations

from collections.abc import Sequence

from engine.lyrics.duet import DuetLine, normalise_pattern
from engine.project.model import LyricLine, LyricsSection, section_from_dict, section_to_dict


def lyrics_section(artists: Sequence[str], temperatures: Sequence[float], pattern: str,
                   lines_count: int, seed: int, continue_count: int, with_names: bool,
                   lines: Sequence[DuetLine], rhyme: str = "ABAB", metre: str = "common",
                   sung_to: str = "") -> dict:
    """The Lyrics section as plain data: the two artists' slugs, duet settings and the lines,
    and the fingerprint of the chain melody the duet was set to (``""``: none)."""
    section = LyricsSection(
        artist_a=artists[0] or "", artist_b=artists[1] or "",
        temperatures=[float(t) for t in temperatures], pattern=pattern, lines_count=lines_count,
        seed=seed, continue_count=continue_count, with_names=with_names, rhyme=rhyme, metre=metre,
        lines=[LyricLine(ln.artist, ln.text, ln.voice, ln.locked) for ln in lines],
        sung_to=sung_to)
    return section_to_dict(section)


def read_lyrics_section(data: dict) -> tuple[LyricsSection, list[DuetLine]]:
    """The checked section and its lines as the duet engine's :class:`DuetLine`."""
    section = section_from_dict("lyrics", data)
    try:
        section.pattern = normalise_pattern(section.pattern)
    except ValueError:
        section.pattern = "ABAB"
    lines = [DuetLine(ln.artist, ln.text, ln.voice, ln.locked) for ln in section.lines]
    return section, lines
