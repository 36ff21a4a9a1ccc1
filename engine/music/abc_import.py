"""A small ABC reader for single-voice folk tunes (the Nottingham files' dialect).

It handles headers (X, T, M, L, K), notes with accidentals, octave marks and lengths, rests,
broken rhythm (``>``/``<``), ties, tuplets, chord symbols in quotes, and skips grace notes,
decorations and inline fields. Repeats are played once: segments are de-duplicated anyway. Each
tune in a file becomes a :class:`Tune`; a tune that cannot be read is skipped with a reason.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from engine import safe_io
from engine.music.chords import NOTE_NAMES, QUALITIES
from engine.music.midi_import import SUPPORTED_METERS
from engine.music.segments import METER_NAMES
from engine.music.transpose import PITCH_CLASSES
from engine.music.tune import ImportProblem, Note, Tune

_SHARPS = "FCGDAEB"
_MAJOR_SHARPS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7,
                 "F": -1, "Bb": -2, "Eb": -3, "Ab": -4, "Db": -5, "Gb": -6, "Cb": -7}
_MODE_OFFSET = {"": 0, "maj": 0, "m": -3, "min": -3, "mix": -1, "dor": -2, "aeo": -3, "phr": -4,
                "lyd": 1, "loc": -5, "ion": 0}
_BASE = {"C": 60, "D": 62, "E": 64, "F": 65, "G": 67, "A": 69, "B": 71}
_TOKEN = re.compile(
    r'"(?P<chord>[^"]*)"|!(?:[^!]*)!|\+[^+]*\+|\{[^}]*\}|\[[A-Za-z]:[^\]]*\]|'
    r'\((?P<tuplet>\d)|(?P<note>(?P<acc>\^\^|\^|__|_|=)?(?P<letter>[A-Ga-gzx])(?P<oct>[\',]*)'
    r'(?P<len>\d*/*\d*))(?P<broken>[<>]*)|(?P<bar>\|)')


def read_abc(path: str | Path) -> list[Tune]:
    """Read every usable tune of an ABC file; raise ImportProblem if none can be read."""
    return read_abc_report(path)[0]


def read_abc_report(path: str | Path) -> tuple[list[Tune], list[tuple[str, str]]]:
    """Read an ABC file: (usable tunes, [(tune label, reason)] for the tunes skipped).

    Raises ImportProblem when the file holds no usable tune at all.
    """
    safe_io.check_input_file(path, "ABC", safe_io.MAX_ABC_BYTES, ImportProblem)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ImportProblem(f"cannot read ABC file: {exc}") from exc
    chunks = re.split(r"(?m)^X:", text)[1:]
    if not chunks:
        raise ImportProblem("cannot parse ABC: no tune (no X: field)")
    tunes: list[Tune] = []
    problems: list[tuple[str, str]] = []
    for chunk in chunks:
        try:
            tunes.append(parse_tune("X:" + chunk, Path(path).stem))
        except ImportProblem as exc:
            label, _, reason = str(exc).partition(": ")
            problems.append((f"{Path(path).name}:{label}", reason or label))
    if not tunes:
        if len(problems) > 1:
            raise ImportProblem(f"no usable tune: all {len(problems)} skipped, the first for "
                                f"{problems[0][1]}")
        raise ImportProblem(problems[0][1] if problems else "no usable tune")
    return tunes, problems


def parse_tune(text: str, default_name: str = "tune") -> Tune:
    """Parse one ABC tune (from its X: line) into a Tune."""
    fields: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        line = line.split("%", 1)[0].rstrip()
        if re.match(r"^[A-Za-z]:", line) and "K" not in fields:
            fields.setdefault(line[0], line[2:].strip())
        elif "K" in fields and line and not re.match(r"^[A-Za-z]:", line):
            body.append(line)
    name = f"{default_name}-{fields.get('X', '?')} {fields.get('T', '')}".strip()
    if "K" not in fields:
        raise ImportProblem(f"{name}: cannot parse ABC (no K: field)")
    meter = fields.get("M", "4/4").replace("C|", "2/2").replace("C", "4/4")
    try:
        num, den = (int(v) for v in meter.split("/"))
    except ValueError as exc:
        raise ImportProblem(f"{name}: cannot parse meter {meter!r}") from exc
    if (num, den) not in SUPPORTED_METERS:
        raise ImportProblem(f"{name}: unsupported meter {num}/{den} (supported: {METER_NAMES})")
    unit = _fraction(fields.get("L", "1/8" if num / den >= 0.75 else "1/16"))
    key, accidentals = _key(fields["K"])
    bars: list[float] = []
    melody, chords = _notes(" ".join(body), unit * 4, accidentals, bars)
    if len(melody) < 4:
        raise ImportProblem(f"{name}: no melody")
    return Tune(name, melody, chords, key, [key], SUPPORTED_METERS[(num, den)], f"{num}/{den}",
                bar_lines=bars)


def _fraction(text: str) -> Fraction:
    """Parse ``1/8`` into a Fraction of a whole note."""
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ImportProblem(f"cannot parse note length {text!r}") from exc


def _key(text: str) -> tuple[str, dict[str, int]]:
    """Return (key name as ``D``/``Em``, accidentals per letter) for an ABC K: field."""
    match = re.match(r"^([A-Ga-g][#b]?)\s*([A-Za-z]*)", text.strip())
    if not match:
        raise ImportProblem(f"cannot parse key {text!r}")
    root = match.group(1)[0].upper() + match.group(1)[1:]
    mode = match.group(2).lower()[:3]
    mode = "m" if mode == "m" else mode
    if mode not in _MODE_OFFSET:
        mode = ""
    tonic = PITCH_CLASSES[root]
    relative_major = NOTE_NAMES[(tonic - {"": 0, "maj": 0, "ion": 0, "m": 9, "min": 9, "aeo": 9,
                                          "mix": 7, "dor": 2, "phr": 4, "lyd": 5, "loc": 11}[mode]) % 12]
    major = {"Eb": "Eb", "Ab": "Ab", "Bb": "Bb", "C#": "Db", "F#": "F#"}.get(relative_major, relative_major)
    count = _MAJOR_SHARPS.get(major, 0)
    acc = {letter: 1 for letter in _SHARPS[:count]} if count > 0 else {
        letter: -1 for letter in _SHARPS[::-1][: -count]}
    name = root + ("m" if mode in ("m", "min", "aeo") else "")
    return name, acc


def _notes(body: str, unit_beats: Fraction, key_acc: dict[str, int],
           bars: list[float] | None = None) -> tuple[list[Note], list[Note]]:
    """Turn the tune body into melody notes and chord-symbol notes (in beats).

    The time of every bar line is appended to ``bars`` (once per time).
    """
    bars = [] if bars is None else bars
    melody: list[Note] = []
    chord_marks: list[tuple[Fraction, str]] = []
    now = Fraction(0)
    bar_acc: dict[tuple[str, int], int] = {}
    tuplet_left, tuplet_scale = 0, Fraction(1)
    carry = Fraction(1)
    for m in _TOKEN.finditer(body):
        if m.group("bar"):
            bar_acc = {}
            if not bars or bars[-1] != float(now):
                bars.append(float(now))
        elif m.group("chord") is not None:
            chord_marks.append((now, m.group("chord")))
        elif m.group("tuplet"):
            n = int(m.group("tuplet"))
            tuplet_left, tuplet_scale = n, Fraction({2: 3, 3: 2, 4: 3}.get(n, n - 1), n)
        elif m.group("note"):
            length = _length(m.group("len")) * unit_beats * carry
            broken = m.group("broken")
            carry = Fraction(1)
            if broken:
                dots = Fraction(1, 2 ** len(broken))
                length, carry = (length * (2 - dots), dots) if broken[0] == ">" else (
                    length * dots, 2 - dots)
            if tuplet_left:
                length *= tuplet_scale
                tuplet_left -= 1
            letter = m.group("letter")
            if letter not in "zx":
                melody.append(Note(float(now), float(now + length),
                                   _pitch(m.group("acc"), letter, m.group("oct"), key_acc, bar_acc)))
            now += length
    return melody, _chord_notes(chord_marks, now)


def _length(text: str) -> Fraction:
    """ABC length suffix: ``2``, ``/``, ``/2``, ``3/2``, ``//``."""
    if not text:
        return Fraction(1)
    if "/" not in text:
        return Fraction(int(text))
    num, _, rest = text.partition("/")
    numerator = int(num) if num else 1
    slashes = 1 + rest.count("/")
    digits = rest.replace("/", "")
    return Fraction(numerator, int(digits) if digits else 2 ** slashes)


def _pitch(acc: str | None, letter: str, octave: str, key_acc, bar_acc) -> int:
    """MIDI pitch of an ABC note given key and bar accidentals."""
    upper = letter.upper()
    pitch = _BASE[upper] + (12 if letter.islower() else 0)
    pitch += 12 * octave.count("'") - 12 * octave.count(",")
    if acc:
        shift = {"^": 1, "^^": 2, "_": -1, "__": -2, "=": 0}[acc]
        bar_acc[(upper, pitch)] = shift
    else:
        shift = bar_acc.get((upper, pitch), key_acc.get(upper, 0))
    return pitch + shift


def _chord_notes(marks: list[tuple[Fraction, str]], end: Fraction) -> list[Note]:
    """Chord symbols → block-chord notes held until the next symbol."""
    notes: list[Note] = []
    for k, (start, symbol) in enumerate(marks):
        stop = marks[k + 1][0] if k + 1 < len(marks) else end
        match = re.match(r"^([A-G][#b]?)([a-z0-9]*)", symbol)
        if not match or stop <= start:
            continue
        root = PITCH_CLASSES.get(match.group(1))
        quality = {"d": "dim", "a": "aug", "min": "m"}.get(match.group(2), match.group(2))
        if root is None or quality not in QUALITIES:
            continue
        for interval in QUALITIES[quality]:
            notes.append(Note(float(start), float(stop), 48 + root + interval))
    return notes
