"""Read a MIDI file into a :class:`~engine.music.tune.Tune`: pick the melody and chord parts.

Nottingham files hold the melody on track 0 and the chords on track 1. Other files are read by
(track, channel) part: the melody is the highest mostly-monophonic part (reduced to its top line),
the chords the most polyphonic remaining part. Drums (channel 10) are ignored. Every problem is
raised as :class:`ImportProblem` with a reason a user can read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from engine import safe_io
from engine.music.segments import METER_NAMES, METERS
from engine.music.tune import ImportProblem, Note, Tune, check_length

SUPPORTED_METERS = {m: beats for m, (_, _, beats) in METERS.items()}  # meter -> quarter beats
DEFAULT_TEMPO = 500_000  # microseconds per beat (120 bpm) until the first tempo change
_MINOR_SUFFIX = "m"


def read_midi(path: str | Path) -> Tune:
    """Parse ``path`` into a Tune or raise ImportProblem (unparseable, no melody, bad meter, or
    longer than any tune: :func:`engine.music.tune.check_length`)."""
    import mido

    path = Path(path)
    safe_io.check_input_file(path, "MIDI", safe_io.MAX_MIDI_BYTES, ImportProblem)
    try:
        midi = mido.MidiFile(str(path), clip=True)
    except Exception as exc:  # mido raises many types (OSError, EOFError, ValueError, KeyError)
        raise ImportProblem(f"cannot parse MIDI: {type(exc).__name__}: {exc}") from exc
    if midi.type == 2:
        raise ImportProblem("MIDI type 2 (independent patterns) is not supported")
    tpb = midi.ticks_per_beat or 480
    parts: dict[tuple[int, int], list[Note]] = defaultdict(list)
    keys: list[str] = []
    meters: list[tuple[int, int]] = []
    tempos: list[tuple[float, int]] = []
    for track_index, track in enumerate(midi.tracks):
        _read_track(track, track_index, tpb, parts, keys, meters, tempos)
    return _build_tune(path.stem, parts, keys, meters, tempos)


@dataclass(frozen=True)
class MidiMeta:
    """A file's first key signature (mido's name, e.g. ``"Em"``), time signature (``"6/8"``)
    and tempo (BPM), each None when the file has none."""

    key: str | None
    meter: str | None
    tempo: float | None


def read_meta(path: str | Path) -> MidiMeta:
    """The key signature, time signature and tempo meta events of the MIDI file at ``path``
    (the first of each, in time order)."""
    import mido

    path = Path(path)
    safe_io.check_input_file(path, "MIDI", safe_io.MAX_MIDI_BYTES, ImportProblem)
    try:
        midi = mido.MidiFile(str(path), clip=True)
    except Exception as exc:  # mido raises many types
        raise ImportProblem(f"cannot parse MIDI: {type(exc).__name__}: {exc}") from exc
    found: dict[str, tuple[int, object]] = {}
    for track in midi.tracks:
        now = 0
        for msg in track:
            now += msg.time
            value = {"key_signature": lambda m: m.key,
                     "time_signature": lambda m: f"{m.numerator}/{m.denominator}",
                     "set_tempo": lambda m: round(mido.tempo2bpm(m.tempo), 3)}.get(msg.type)
            if value is not None and (msg.type not in found or now < found[msg.type][0]):
                found[msg.type] = (now, value(msg))
    get = {name: found[name][1] if name in found else None for name in
           ("key_signature", "time_signature", "set_tempo")}
    return MidiMeta(get["key_signature"], get["time_signature"], get["set_tempo"])


def _read_track(track, track_index: int, tpb: int, parts, keys: list[str], meters,
                tempos: list[tuple[float, int]]) -> None:
    """Collect the notes, key and time signatures and tempo changes (beat, µs per beat) of one
    track."""
    now = 0
    sounding: dict[tuple[int, int], list[int]] = defaultdict(list)
    for msg in track:
        now += msg.time
        if msg.type == "key_signature":
            keys.append(msg.key)
        elif msg.type == "time_signature":
            meters.append((now / tpb, msg.numerator, msg.denominator))
        elif msg.type == "set_tempo":
            tempos.append((now / tpb, msg.tempo))
        elif msg.type == "note_on" and msg.velocity > 0:
            sounding[(msg.channel, msg.note)].append(now)
        elif msg.type in ("note_off", "note_on"):
            starts = sounding.get((msg.channel, msg.note))
            if starts:
                start = starts.pop(0)
                if now > start and msg.channel != 9:
                    parts[(track_index, msg.channel)].append(Note(start / tpb, now / tpb, msg.note))


def _main_meter(meters, end: float) -> tuple[tuple[int, int], list[tuple[float, float, str]]]:
    """The meter that lasts longest, and the spans (start, end, reason) under any other meter."""
    events = sorted(meters) or [(0.0, 4, 4)]
    if events[0][0] > 0:
        events.insert(0, (0.0, 4, 4))
    spans = []
    for k, (start, num, den) in enumerate(events):
        stop = events[k + 1][0] if k + 1 < len(events) else max(end, start)
        if stop > start or k + 1 == len(events):
            spans.append((start, stop, (num, den)))
    length: dict[tuple[int, int], float] = defaultdict(float)
    for start, stop, meter in spans:
        length[meter] += stop - start
    supported = [m for m in length if m in METERS]
    if not supported:
        shown = ", ".join(f"{n}/{d}" for n, d in length)
        raise ImportProblem(f"unsupported meter {shown} (supported: {METER_NAMES})")
    main = max(supported, key=lambda m: length[m])
    irregular = [(a, b, f"meter change to {m[0]}/{m[1]}") for a, b, m in spans if m != main]
    return main, irregular


def seconds_at(beats: float, tempos: list[tuple[float, int]]) -> float:
    """Seconds from the start to ``beats`` under tempo changes (beat, µs per beat); 120 bpm
    until the first."""
    total, at, tempo = 0.0, 0.0, DEFAULT_TEMPO
    for start, value in sorted(tempos):
        if start >= beats:
            break
        total += (start - at) * tempo / 1e6
        at, tempo = start, value
    return total + (beats - at) * tempo / 1e6


def _build_tune(name: str, parts, keys: list[str], meters, tempos: list[tuple[float, int]]
                ) -> Tune:
    """Choose melody and chords among the parts and check the meter and the length."""
    end = max((n.end for notes in parts.values() for n in notes), default=0.0)
    main, irregular = _main_meter(meters, end)
    check_length(end, SUPPORTED_METERS[main], seconds_at(end, tempos))
    if not parts:
        raise ImportProblem("no notes (no melody)")
    scored = sorted(parts.items(), key=lambda kv: _polyphony(kv[1]))
    mono = [kv for kv in scored if _polyphony(kv[1]) < 0.5]
    if mono:
        melody_key = max(mono, key=lambda kv: _mean_pitch(kv[1]))[0]
    else:
        melody_key = max(scored, key=lambda kv: _mean_pitch(kv[1]))[0]
    melody = top_line(parts[melody_key])
    if len(melody) < 4:
        raise ImportProblem("no melody (fewer than 4 notes)")
    others = [kv for kv in scored if kv[0] != melody_key]
    chords: list[Note] = []
    if others:
        best = max(others, key=lambda kv: (_polyphony(kv[1]), len(kv[1])))
        if _polyphony(best[1]) >= 0.5:
            chords = sorted(best[1], key=lambda n: (n.start, n.pitch))
    key = keys[0] if keys else "C"
    return Tune(
        name=name, melody=melody, chords=chords, key=key, keys=list(dict.fromkeys(keys)) or [key],
        beats_per_bar=SUPPORTED_METERS[main], meter=f"{main[0]}/{main[1]}", irregular=irregular,
    )


def top_line(notes: list[Note]) -> list[Note]:
    """Reduce notes to a monophonic line: the highest note at each onset, cut at the next onset."""
    by_start: dict[float, Note] = {}
    for note in notes:
        held = by_start.get(note.start)
        if held is None or note.pitch > held.pitch:
            by_start[note.start] = note
    line = [by_start[s] for s in sorted(by_start)]
    out: list[Note] = []
    for i, note in enumerate(line):
        end = note.end
        if i + 1 < len(line):
            end = min(end, line[i + 1].start)
        if end > note.start:
            out.append(Note(note.start, end, note.pitch))
    return out


def _polyphony(notes: list[Note]) -> float:
    """Fraction of onsets shared with another note's onset (0 = monophonic, ~1 = block chords)."""
    if not notes:
        return 0.0
    counts: dict[float, int] = defaultdict(int)
    for note in notes:
        counts[round(note.start, 3)] += 1
    shared = sum(c for c in counts.values() if c > 1)
    return shared / len(notes)


def _mean_pitch(notes: list[Note]) -> float:
    """Mean MIDI pitch of ``notes``."""
    return sum(n.pitch for n in notes) / max(1, len(notes))


def is_major(key: str) -> bool:
    """Tell whether a mido key name (``"D"``, ``"Em"``) is a major key."""
    return not key.endswith(_MINOR_SUFFIX)
