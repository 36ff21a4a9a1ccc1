"""Projects holding a chain record with its notes and no installed collection (no model needed)."""

from __future__ import annotations

from pathlib import Path

from engine.music.chords import chord_pitches
from engine.music.meters import block_beats
from engine.project.files import save_project
from engine.project.leadsheet import melody_of_record
from engine.project.model import (
    Chain,
    ComposerSection,
    LyricLine,
    LyricsSection,
    Note,
    Project,
    Segment,
)

RHYTHM = (0.5, 0.5, 1.0, 0.25, 0.25, 0.5, 1.0, 1.5, 0.5, 0.75, 0.25)  # quarter beats, cycled
SCALE = (62, 64, 66, 67, 69, 71, 73, 74, 76, 74, 71, 69)
CHORDS = ("D", "G", "A7", "Bm", "Em", "F#m", "Gmaj7", "Bbm7")
LINES = ("O my luve is like a red red rose", "That's newly sprung in June",
         "O my luve is like the melody", "That's sweetly played in tune")


def chain_record(meter: str = "4/4", blocks: int = 4, key: str = "D", tempo: float = 100.0,
                 phrase: bool = False, collection: str = "reels-not-installed") -> Chain:
    """A saved chain of ``blocks`` blocks in ``meter``: a melody with a rest and a note held over
    a block boundary, and two chords per block (the first block "your phrase" if ``phrase``)."""
    size = block_beats(meter)
    total = blocks * size
    notes: list[Note] = []
    now, k = 0.0, 0
    while now < total:
        length = min(RHYTHM[k % len(RHYTHM)], total - now)
        if k % 13 == 6:  # a rest
            now += length
        else:
            notes.append(Note(now, now + length, SCALE[k % len(SCALE)], 96, "melody"))
            now += length
        k += 1
    for b in range(blocks):
        for half in (0, 1):
            start = b * size + half * size / 2
            name = CHORDS[(2 * b + half) % len(CHORDS)]
            notes += [Note(start, start + size / 2, p, 64, "chords") for p in chord_pitches(name)]
    segments = [Segment(id=10 + b, tune=f"Tune {b}", position=b) for b in range(blocks)]
    phrase_notes: list[Note] = []
    if phrase:
        segments[0] = Segment(id=-1, tune="your phrase", position=0)
        phrase_notes = [n for n in notes if n.start < size]
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    return Chain(collection=collection, key=key, meter=meter, tempo=tempo, segments=segments,
                 notes=notes, phrase="my-phrase.mid" if phrase else "",
                 phrase_blocks=1 if phrase else 0, phrase_notes=phrase_notes)


def project(record: Chain | None, lines: tuple[str, ...] = LINES, sung: bool = True) -> Project:
    """A project with ``record`` and the duet ``lines``, set to that chain when ``sung``."""
    sung_to = melody_of_record(record).fingerprint() if (record is not None and sung) else ""
    lyrics = LyricsSection(artist_a="robert_burns", artist_b="emily_dickinson", sung_to=sung_to,
                           lines=[LyricLine(("Robert Burns", "Emily Dickinson")[k % 2], text, k % 2)
                                  for k, text in enumerate(lines)])
    return Project(composer=ComposerSection(chain=record), lyrics=lyrics)


def project_file(folder: Path, record: Chain | None, name: str = "song", **options) -> Path:
    """Save :func:`project` as ``folder/name.segue``."""
    return save_project(project(record, **options), folder / f"{name}.segue")
