"""Set a duet to a melody in memory: the syllables laid on melody notes, as a karaoke MIDI.

The melody (:class:`~engine.music.syllables.Melody`: a monophonic line on the chain's 16th grid
with its meter, tempo and key) comes from the Composer's chain in memory
(:func:`melody_of_state`), from a project's saved chain
(:func:`engine.project.leadsheet.melody_of_record`, so a project whose collection is not
installed can still be sung) or from a MIDI file (:func:`melody_of_file`, read once). The
syllables are laid on its notes by :func:`engine.music.syllables.lay_syllables` (its rules are
there); :func:`write_karaoke` writes the result as a MIDI with a tempo track and the melody with
a lyric meta-event at every sung note, karaoke style: a space ends a word and a carriage return
ends a line. No temporary file, no model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.atomic import atomic_path
from engine.music.syllables import Melody, Setting, lay_syllables, melody_line

if TYPE_CHECKING:  # annotations only: the chain types pull in the composer's API
    from engine.dshl.chain import ChainState

TICKS_PER_BEAT = 480


@dataclass
class MelodyFit:
    """What :func:`set_to_melody` did: notes sung, syllables placed, melody repeats, output path."""

    notes: int
    syllables: int
    repeats: int
    path: Path
    fingerprint: str = ""  # the melody's (see Melody.fingerprint)


# -- melodies -------------------------------------------------------------------------------
def melody_of_state(state: ChainState) -> Melody:
    """The melody of the Composer's chain in memory (its ``"melody"`` track)."""
    req = state.chain.request
    notes = melody_line((n.start_beats, n.end_beats, n.pitch) for n in state.notes
                        if n.track == "melody")
    return Melody(notes, req.meter, float(req.tempo), req.key, state.total_beats)


def melody_of_file(path: str | Path) -> Melody:
    """The melody of a MIDI file (the part :func:`~engine.music.midi_import.read_midi` picks),
    its meter, first tempo and key; the file is read once."""
    import mido

    from engine import safe_io
    from engine.music import midi_import
    from engine.music.tune import ImportProblem

    path = Path(path)
    safe_io.check_input_file(path, "MIDI", safe_io.MAX_MIDI_BYTES, ImportProblem)
    try:
        midi = mido.MidiFile(str(path), clip=True)
    except Exception as exc:  # mido raises many types (OSError, EOFError, ValueError, KeyError)
        raise ImportProblem(f"cannot parse MIDI: {type(exc).__name__}: {exc}") from exc
    parts: dict = defaultdict(list)
    keys: list[str] = []
    meters: list = []
    tempos: list[tuple[float, int]] = []
    for index, track in enumerate(midi.tracks):  # read_midi's reader, on the file read here
        midi_import._read_track(track, index, midi.ticks_per_beat or 480, parts, keys, meters,
                                tempos)
    tune = midi_import._build_tune(path.stem, parts, keys, meters, tempos)
    first = min(tempos, default=(0.0, midi_import.DEFAULT_TEMPO))[1]
    notes = melody_line((n.start, n.end, n.pitch) for n in tune.melody)
    return Melody(notes, tune.meter, 60_000_000 / first, tune.key, tune.length_beats)


# -- karaoke MIDI -------------------------------------------------------------------------------
def write_karaoke(setting: Setting, midi_out: str | Path, name: str = "Duet") -> Path:
    """Write ``setting`` as a Type-1 MIDI: a tempo/meter track and the melody with a lyric
    event at each sung note (UTF-8 text); atomically, returning the path."""
    import mido

    from engine.music.midi_export import midi_text

    melody, tpb = setting.melody, TICKS_PER_BEAT
    numerator, denominator = (int(v) for v in melody.meter.split("/"))
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for sung in setting.notes:
        note, offset = melody.notes[sung.index], melody.period * (sung.verse - 1)
        on, off = round((note.start + offset) * tpb), round((note.end + offset) * tpb)
        if sung.text:
            events.append((on, 0, mido.MetaMessage("lyrics", text=midi_text(sung.karaoke()))))
        events.append((on, 1, mido.Message("note_on", note=note.pitch, velocity=80)))
        events.append((max(off, on + 1), -1, mido.Message("note_off", note=note.pitch,
                                                          velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    out = mido.MidiFile(type=1, ticks_per_beat=tpb)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)))
    meta.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=midi_text(name)))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    out.tracks.extend([meta, track])
    with atomic_path(midi_out) as tmp:
        out.save(str(tmp))
    return Path(midi_out)


def sing(lines: Sequence[str], melody: Melody, midi_out: str | Path) -> MelodyFit:
    """Lay ``lines`` on ``melody`` (in memory) and write the karaoke MIDI to ``midi_out``."""
    setting = lay_syllables(lines, melody)
    path = write_karaoke(setting, midi_out)
    return MelodyFit(notes=len(melody.notes), syllables=setting.syllables,
                     repeats=setting.repeats, path=path, fingerprint=melody.fingerprint())


def set_to_melody(lines: list[str], midi_in: str | Path, midi_out: str | Path) -> MelodyFit:
    """Lay ``lines`` on the melody of ``midi_in`` and write a karaoke-style MIDI to ``midi_out``."""
    melody = melody_of_file(midi_in)
    if not melody.notes:
        raise ValueError(f"{midi_in}: no melody notes")
    return sing(lines, melody, midi_out)
