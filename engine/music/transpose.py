"""Key names, tonic pitch classes and the shift that takes a key to C major (or A minor)."""

from __future__ import annotations

PITCH_CLASSES = {
    "C": 0, "B#": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "Fb": 4, "F": 5,
    "E#": 5, "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
    "Cb": 11,
}
MAJOR_KEY_NAMES = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
MINOR_KEY_NAMES = ["Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]


def parse_key(name: str) -> tuple[int, bool]:
    """Parse ``"D"``, ``"F#m"``, ``"Bb major"``, ``"a minor"`` into (tonic pitch class, is_minor)."""
    text = name.strip().replace(" major", "").replace(" minor", "m").replace("min", "m")
    minor = text.endswith("m") and text[:-1] != ""
    root = text[:-1] if minor else text
    root = root[:1].upper() + root[1:]
    if root not in PITCH_CLASSES:
        raise ValueError(f"unknown key {name!r}")
    return PITCH_CLASSES[root], minor


def shift_to_c(key: str) -> int:
    """Semitones that take ``key`` to C major (a minor key goes to A minor), in -6..5."""
    tonic, minor = parse_key(key)
    major_tonic = (tonic + 3) % 12 if minor else tonic
    return _nearest(-major_tonic)


def shift_from_c(key: str) -> int:
    """Semitones that take C major to the major ``key`` (or a minor key's relative major), -6..5."""
    return -shift_to_c(key)


def key_signature_name(key: str) -> str:
    """The key as a MIDI key signature names it: ``"D"`` → ``"D Major"``, ``"Dm"`` → ``"D Minor"``."""
    tonic, minor = parse_key(key)
    if minor:
        return f"{MINOR_KEY_NAMES[tonic][:-1]} Minor"
    return f"{MAJOR_KEY_NAMES[tonic]} Major"


def canonical_key(key: str) -> str:
    """Return the major key name used for output (a minor key maps to its relative major)."""
    tonic, minor = parse_key(key)
    return MAJOR_KEY_NAMES[(tonic + 3) % 12 if minor else tonic]


def transposed_key(key: str, semitones: int) -> str:
    """``key`` moved by ``semitones`` in its own mode: ``"D"`` +2 → ``"E"``, ``"Em"`` −1 → ``"Ebm"``."""
    tonic, minor = parse_key(key)
    return (MINOR_KEY_NAMES if minor else MAJOR_KEY_NAMES)[(tonic + semitones) % 12]


def key_interval(old: str, new: str) -> int:
    """The shortest move from key ``old`` to key ``new`` in semitones (−6..5; a tritone goes
    down). A ValueError says so when the two keys are not of the same mode (D to Em)."""
    (a, a_minor), (b, b_minor) = parse_key(old), parse_key(new)
    if a_minor != b_minor:
        raise ValueError(f"{new} is {'minor' if b_minor else 'major'} and the chain is in {old}: "
                         "transposing keeps the mode (Compose to write in the other mode)")
    return _nearest(b - a)


def _nearest(semitones: int) -> int:
    """Fold a shift into -6..5 (the smallest move, preferring down on a tritone)."""
    value = semitones % 12
    return value - 12 if value >= 6 else value
