"""A lead sheet of a chain: title, key, meter, tempo, the melody, chord symbols over it and the
duet's lines under it, written as MusicXML by music21 and, when MuseScore is installed, as a PDF.

music21 (BSD-3, cuthbertLab) builds the score and writes the MusicXML; it is imported only when a
lead sheet is made (:func:`load_music21`). The melody is already on the chain's 16th grid
(:class:`~engine.music.syllables.Melody`); rests fill its gaps (one per beat at most), notes are
cut and tied at bar lines and where a chord changes under them (so every chord symbol stands over
a note or rest), and each bar is beamed by the time signature and given its accidentals against
the key. Lyrics come from :func:`engine.music.syllables.lay_syllables`: one syllable per note,
hyphenated within a word (MusicXML ``syllabic``), a held syllable leaves the following notes bare
(a melisma), and a repeat of the melody sings under the same notes as verse 2, 3…

The PDF is MuseScore's (``mscore3``/``musescore3`` on the PATH, run headless with
``QT_QPA_PLATFORM=offscreen``). Every problem is a :class:`~engine.errors.UserFacingError` naming
the file; nothing half-written is left behind (files are written atomically).
"""

from __future__ import annotations

import bisect
import contextlib
import io
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.atomic import atomic_path, atomic_write_bytes
from engine.errors import UserFacingError
from engine.logsetup import get_logger
from engine.music.syllables import GRID, Melody, Setting, lay_syllables

MUSESCORE_NAMES = ("mscore3", "musescore3", "mscore", "musescore")
MUSESCORE_HINT = "PDF needs MuseScore 3: apt install musescore3"
MUSESCORE_TIMEOUT = 120.0  # seconds; a one-page lead sheet takes well under one
KINDS = {"": "major", "m": "minor", "7": "dominant-seventh", "m7": "minor-seventh",
         "maj7": "major-seventh", "dim": "diminished", "aug": "augmented", "6": "major-sixth",
         "sus4": "suspended-fourth"}  # engine.music.chords.QUALITIES → MusicXML <kind>
_EPS = 1e-6


@dataclass(frozen=True)
class LeadSheet:
    """What a lead sheet shows: ``title``, the ``melody`` (with its key, meter and tempo),
    ``chords`` as ``(start, end, name)`` in quarter beats (names as
    :func:`engine.music.chords.chord_name` gives them) and the duet's ``lines`` (empty: no
    lyrics), credited to ``lyricist``."""

    title: str
    melody: Melody
    chords: tuple[tuple[float, float, str], ...] = ()
    lines: tuple[str, ...] = ()
    lyricist: str = ""


@dataclass(frozen=True)
class LeadSheetResult:
    """What :func:`write_leadsheet` wrote: the MusicXML (and PDF) path and what it holds."""

    musicxml: Path
    pdf: Path | None
    bars: int
    notes: int
    chords: int
    syllables: int
    verses: int


def load_music21() -> None:
    """Import music21 once; what it says on import (an optional package it misses, such as
    matplotlib, which the desktop bundle leaves out) goes to the log, not the terminal."""
    if "music21" in sys.modules:
        return
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        import music21  # noqa: F401
    if said.getvalue().strip():
        get_logger("leadsheet").info("music21: %s", " ".join(said.getvalue().split()))


def chord_changes(chords: Sequence[tuple[float, float, str]], total: float
                  ) -> list[tuple[float, str]]:
    """``(offset, name)`` where a chord symbol is printed: where the chord changes (spans split
    at block boundaries are one chord), on the grid, before ``total`` beats."""
    changes: list[tuple[float, str]] = []
    last_name, last_end = "", -1.0
    for start, end, name in sorted(chords):
        at = round(start / GRID) * GRID
        if not name or at >= total - _EPS:
            continue
        if name == last_name and start <= last_end + _EPS:  # the same chord goes on
            last_end = max(last_end, end)
            continue
        if changes and abs(changes[-1][0] - at) < _EPS:
            changes.pop()  # two chords on one onset: the later span wins
        changes.append((at, name))
        last_name, last_end = name, end
    return changes


def chord_symbol(name: str) -> Any:
    """The music21 ChordSymbol of an engine chord name (``"Bbm7"``), None if it is not one."""
    load_music21()
    from music21 import harmony

    from engine.music.chords import NOTE_NAMES

    for root in sorted(NOTE_NAMES, key=len, reverse=True):
        if name.startswith(root) and name[len(root):] in KINDS:
            # root and kind are what MusicXML's <harmony> holds; spelling out the chord's pitches
            # (music21 does when given the kind) costs milliseconds a symbol and is not written
            symbol = harmony.ChordSymbol(root=root.replace("b", "-"), updatePitches=False)
            symbol.chordKind = KINDS[name[len(root):]]
            symbol.quarterLength = 0
            return symbol
    return None


def _key(name: str) -> Any:
    """music21's Key for an engine key name (``"Em"``, ``"Bb"``); C major if unreadable."""
    from music21 import key

    from engine.music.transpose import MAJOR_KEY_NAMES, MINOR_KEY_NAMES, parse_key

    try:
        tonic, minor = parse_key(name)
    except ValueError:
        return key.Key("C")
    tonic_name = (MINOR_KEY_NAMES[tonic][:-1] if minor else MAJOR_KEY_NAMES[tonic])
    return key.Key(tonic_name.replace("b", "-"), "minor" if minor else "major")


def spelling(signature: Any) -> dict[int, str]:
    """Pitch class → note name in music21's spelling (``"B-"``) for a music21 Key: the major
    (harmonic minor) scale's own names, else sharps in a sharp key and flats in a flat one."""
    load_music21()
    from music21 import scale

    sharps = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    flats = ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B")
    names = dict(enumerate(sharps if signature.sharps >= 0 else flats))
    kind = scale.HarmonicMinorScale if signature.mode == "minor" else scale.MajorScale
    for degree in kind(signature.tonic).pitches[:7]:
        names[degree.pitchClass] = degree.name
    return names


def _pitch(midi: int, names: dict[int, str]) -> Any:
    """A music21 Pitch of ``midi`` spelled by ``names`` (no written natural: the key decides)."""
    from music21 import pitch

    spelled = pitch.Pitch(names[midi % 12])
    spelled.octave = midi // 12 - 1
    spelled.octave += (midi - spelled.midi) // 12  # B# and C- sit in the octave next door
    if spelled.accidental is not None and spelled.accidental.name == "natural":
        spelled.accidental = None
    return spelled


def _metronome(melody: Melody) -> Any:
    """A tempo mark in the meter's pulse (a dotted quarter in 6/8 and 9/8, a half in 2/2),
    shown in whole beats per minute; the exact tempo is what it sounds."""
    from music21 import duration, tempo

    from engine.music.meters import known_meter, pulse_steps

    pulse = pulse_steps(known_meter(melody.meter)) * GRID  # quarter beats in one pulse
    mark = tempo.MetronomeMark(number=max(1, round(melody.tempo / pulse)),
                               referent=duration.Duration(pulse))
    mark.numberSounding = melody.tempo / pulse
    mark.placement = "above"
    return mark


def _events(melody: Melody, total: float, cuts: Sequence[float], pulse: float
            ) -> list[tuple[float, float, int | None, int | None]]:
    """``(start, end, pitch, note index)`` covering 0..total: the notes and the rests (pitch
    None) between them, cut at the sorted ``cuts`` (bar lines, chord changes; a cut note's index
    is on its first piece); rests are cut at each ``pulse`` too, so none hides a beat."""
    spans: list[tuple[float, float, int | None, int | None]] = []
    now = 0.0
    for index, note in enumerate(melody.notes):
        if note.start >= total - _EPS:
            break
        if note.start > now + _EPS:
            spans.append((now, note.start, None, None))
        spans.append((note.start, min(note.end, total), note.pitch, index))
        now = min(note.end, total)
    if now < total - _EPS:
        spans.append((now, total, None, None))
    events = []
    for start, end, pitch, index in spans:
        inside = cuts[bisect.bisect_right(cuts, start + _EPS):bisect.bisect_left(cuts, end - _EPS)]
        if pitch is None:
            beats = [k * pulse for k in range(math.floor(start / pulse + _EPS) + 1,
                                              math.ceil(end / pulse - _EPS))]
            inside = sorted(set(inside) | set(beats))
        for k, (a, b) in enumerate(zip([start, *inside], [*inside, end], strict=True)):
            events.append((a, b, pitch, index if k == 0 else None))
    return events


def _elements(melody: Melody, total: float, cuts: Sequence[float], lyrics: dict[int, list[Any]],
              names: dict[int, str]) -> list[tuple[float, Any]]:
    """``(start, Note or Rest)`` covering the bars, cut at ``cuts`` (bar lines and chord changes)
    with the pieces of a note tied, each note's lyrics on its first piece."""
    from music21 import note, tie

    from engine.music.meters import known_meter, pulse_steps

    pulse = pulse_steps(known_meter(melody.meter)) * GRID
    out: list[tuple[float, Any]] = []
    previous: Any = None
    for start, end, pitch, index in _events(melody, total, cuts, pulse):
        if pitch is None:
            out.append((start, note.Rest(quarterLength=end - start)))
            previous = None
            continue
        element = note.Note(_pitch(pitch, names), quarterLength=end - start)
        if index is None and previous is not None:  # the rest of a note cut at a bar or chord
            previous.tie = tie.Tie("start" if previous.tie is None else "continue")
            element.tie = tie.Tie("stop")
        element.lyrics = lyrics.get(index, []) if index is not None else []
        out.append((start, element))
        previous = element
    return out


def _notate(bar: Any, signature: Any, time_signature: Any, before: Any) -> None:
    """Beam one bar by its time signature and set its accidentals (the key's, the bar's)."""
    from music21 import beam

    notes = list(bar.notesAndRests)
    try:
        beams = time_signature.getBeams(notes, measureStartOffset=0.0)
    except Exception:  # noqa: BLE001 - music21 cannot beam it: the bar stays unbeamed
        beams = [None] * len(notes)
    for element, beamed in zip(notes, beams, strict=True):
        element.beams = beamed or beam.Beams()
    past = [n.pitch for n in before.notes] if before is not None else None
    last = before.notes.last() if before is not None else None
    tied = {last.pitch.nameWithOctave} if last is not None and last.tie is not None and \
        last.tie.type != "stop" else set()
    bar.makeAccidentals(pitchPastMeasure=past, useKeySignature=signature, tiePitchSet=tied,
                        searchKeySignatureByContext=False, inPlace=True)


def build_score(sheet: LeadSheet, setting: Setting | None = None) -> Any:
    """The lead sheet as a music21 Score: bars, ties, beams, accidentals, chord symbols, lyrics.

    Bars are built here, one at a time (music21's ``makeNotation`` looks up the time signature
    and clef through the whole part for every bar: quadratic in the bars).
    """
    load_music21()
    from music21 import bar, clef, instrument, metadata, meter, note, stream

    from engine.music.meters import known_meter

    melody = sheet.melody
    if not melody.notes:
        raise UserFacingError("the chain has no melody notes to write")
    total, size = melody.period, melody.bar_beats
    count = max(1, round(total / size))
    changes = chord_changes(sheet.chords, total)
    lyrics: dict[int, list[Any]] = {}
    for sung in setting.notes if setting is not None else ():
        if sung.text:
            lyrics.setdefault(sung.index, []).append(note.Lyric(
                sung.text, sung.verse, applyRaw=True, syllabic=sung.syllabic))
    signature = _key(melody.key)
    time_signature = meter.TimeSignature(known_meter(melody.meter))
    bars = [stream.Measure(number=k + 1) for k in range(count)]
    for element in (clef.TrebleClef(), signature, time_signature, _metronome(melody)):
        bars[0].insert(0, element)
    cuts = sorted({at for at, _ in changes} | {k * size for k in range(1, count)})
    for start, element in _elements(melody, total, cuts, lyrics, spelling(signature)):
        k = min(count - 1, int((start + _EPS) // size))
        offset = start - k * size
        complex_ = element.duration.type == "complex"  # 1¼ beats → a quarter tied to a 16th
        for piece in element.splitAtDurations() if complex_ else (element,):
            bars[k].insert(offset, piece)
            offset += piece.quarterLength
    for k, measure in enumerate(bars):
        _notate(measure, signature, time_signature, bars[k - 1] if k else None)
    for at, name in changes:  # after the accidentals: a chord's pitches are not the melody's
        symbol = chord_symbol(name)
        if symbol is not None:
            k = min(count - 1, int((at + _EPS) // size))
            bars[k].insert(at - k * size, symbol)
    bars[-1].rightBarline = bar.Barline("final")
    part = stream.Part()
    voice = instrument.Vocalist() if lyrics else instrument.Instrument()
    voice.partName = "Voice" if lyrics else "Melody"
    part.insert(0, voice)
    for k, measure in enumerate(bars):
        part.insert(k * size, measure)
    score = stream.Score()
    info = metadata.Metadata()
    info.title, info.composer = sheet.title, "Segue"
    if sheet.lyricist and lyrics:
        info.lyricist = sheet.lyricist
    score.insert(0, info)
    score.insert(0, part)
    return score


def find_musescore() -> str | None:
    """The MuseScore command on the PATH (``mscore3``, ``musescore3``, …), None if none."""
    for name in MUSESCORE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def musicxml_to_pdf(musicxml: str | Path, pdf: str | Path,
                    timeout: float = MUSESCORE_TIMEOUT) -> Path:
    """Have MuseScore engrave ``musicxml`` as ``pdf`` (headless; written atomically)."""
    command = find_musescore()
    if command is None:
        raise UserFacingError(f"{pdf}: {MUSESCORE_HINT}")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with atomic_path(pdf) as tmp:
        made = tmp.with_name(tmp.name + ".pdf")  # MuseScore picks the format by the suffix
        try:
            done = subprocess.run([command, "-o", str(made), str(musicxml)], env=env,
                                  capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            ok = made.is_file() and made.read_bytes()[:5] == b"%PDF-"
            if not ok:
                said = (done.stderr or done.stdout).strip().splitlines()
                reason = said[-1] if said else f"exit code {done.returncode}"
                raise UserFacingError(f"{pdf}: MuseScore made no PDF ({reason})")
            os.replace(made, tmp)
        except subprocess.TimeoutExpired as exc:
            raise UserFacingError(f"{pdf}: MuseScore did not finish within {timeout:g} s"
                                  ) from exc
        except OSError as exc:
            raise UserFacingError(f"{pdf}: cannot run {command}: {exc.strerror or exc}") from exc
        finally:
            made.unlink(missing_ok=True)
    return Path(pdf)


def write_leadsheet(sheet: LeadSheet, out: str | Path, pdf: str | Path | None = None
                    ) -> LeadSheetResult:
    """Write ``sheet`` as MusicXML to ``out`` (and engrave ``pdf`` when given); atomically."""
    load_music21()
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    out = Path(out)
    if out.suffix.lower() == ".mxl":
        raise UserFacingError(f"{out}: Segue writes uncompressed MusicXML: name it .musicxml")
    if not sheet.melody.notes:
        raise UserFacingError(f"{out}: the chain has no melody notes to write")
    try:
        setting = lay_syllables(sheet.lines, sheet.melody) if sheet.lines else None
    except ValueError:  # the duet has no words: a lead sheet without lyrics
        setting = None
    score = build_score(sheet, setting)
    exporter = GeneralObjectExporter(score)
    exporter.makeNotation = False  # done: rests fill every bar already
    data = exporter.parse()
    try:
        atomic_write_bytes(out, data)
    except UserFacingError:
        raise
    except OSError as exc:
        raise UserFacingError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    made = musicxml_to_pdf(out, pdf) if pdf is not None else None
    part = score.parts[0]
    return LeadSheetResult(
        musicxml=out, pdf=made, bars=len(part.getElementsByClass("Measure")),
        notes=len(sheet.melody.notes), chords=len(chord_changes(sheet.chords,
                                                                 sheet.melody.period)),
        syllables=setting.syllables if setting else 0,
        verses=setting.repeats if setting else 0)
