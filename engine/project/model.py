"""The `.segue` project as dataclasses, and the strict conversion from and to plain JSON data.

A project holds three sections: the Composer (its settings and the chain: collection, segment ids,
locks, the notes of edited blocks, key, meter, tempo, instruments, the model that measured it and
the rendered notes), the Lyrics (artists, duet settings, lines with their writers and locks, the
chain they were sung to) and the Commentary (tags and kept samples, round-tripped as they are).
:func:`project_from_dict` checks every field's type and raises :class:`ProjectFormatError` with the
field's path (``composer.chain.segments[2].id``); missing optional fields take their defaults, so a
project written by an older Segue still opens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.dshl.settings import TONALITIES, ComposerSettings, key_tonality
from engine.errors import UserFacingError

FORMAT = "segue-project"
FORMAT_VERSION = 1


class ProjectFormatError(UserFacingError):
    """A project file that is not valid JSON, of a newer format, or has a field of the wrong type."""


@dataclass
class ModelStamp:
    """Which composer model measured the chain: kind, checkpoint format version, file fingerprint."""

    kind: str = "dshl"
    format_version: int = 0
    fingerprint: str = ""


@dataclass
class Segment:
    """One block of the chain: the segment id in its collection, where it comes from, its lock."""

    id: int
    tune: str = ""
    position: int = 0
    distance: int = 0
    score: float = 0.0
    ends_tune: bool = False
    locked: bool = False
    fit: int | None = None  # 0-100, how smoothly it joins its predecessor (None: an opening)
    # an edited block: the user's own notes (beats from the block's start), which sound instead
    # of the segment's; None for a generated block (engine.dshl.edits)
    user_notes: list[Note] | None = None


@dataclass
class Note:
    """One rendered note, in beats from the chain's start (kept so a project plays without models)."""

    start: float
    end: float
    pitch: int
    velocity: int
    track: str


@dataclass
class Chain:
    """A composed chain and everything needed to rebuild, play and export it."""

    collection: str = "nottingham"
    model: ModelStamp = field(default_factory=ModelStamp)
    key: str = "C"
    meter: str = "4/4"
    phrase: str = ""  # the user's MIDI phrase the chain continues, if any
    tempo: float = 120.0
    seed: int | None = None
    mode: str = "min"
    reuse_limit: int | None = 2
    prefer_ending: bool = True
    melody_program: int = 73
    chord_program: int = 0
    segments: list[Segment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # the user's phrase: the first ``phrase_blocks`` segments (id -1) are its notes, as played
    phrase_blocks: int = 0
    phrase_notes: list[Note] = field(default_factory=list)
    pitch_offset: int = 0  # octaves (in semitones) the segments sound above the key's own move



# ComposerSettings (the Composer's controls) is engine.dshl.settings's: one record for the panel,
# the command line and the file.


@dataclass
class ComposerSection:
    """The Composer's part of a project."""

    settings: ComposerSettings = field(default_factory=ComposerSettings)
    chain: Chain | None = None


@dataclass
class LyricLine:
    """One line of the duet: writer's display name, text, voice (0 = A, 1 = B, 2 = you), lock."""

    artist: str
    text: str
    voice: int = 0
    locked: bool = False


@dataclass
class LyricsSection:
    """The Lyrics panel's part: the two artists (slugs), duet settings and the lines."""

    artist_a: str = ""
    artist_b: str = ""
    temperatures: list[float] = field(default_factory=lambda: [0.8, 0.8])
    pattern: str = "ABAB"
    lines_count: int = 8
    seed: int = 1
    continue_count: int = 4
    with_names: bool = True
    lines: list[LyricLine] = field(default_factory=list)
    rhyme: str = "ABAB"  # rhyme scheme of the constrained duet: ABAB, AABB, ABCB or none
    metre: str = "common"  # syllables per line: common, long, short or free
    # the chain melody the duet was last set to (engine.music.syllables.Melody.fingerprint; "" =
    # never): the lead sheet prints the lyrics only under that chain
    sung_to: str = ""


@dataclass
class CommentarySection:
    """The Commentary panel's part: tags and kept samples (free-form objects, kept as they are)."""

    tags: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Project:
    """A whole project. ``segue_version`` records which Segue wrote it (informational)."""

    composer: ComposerSection = field(default_factory=ComposerSection)
    lyrics: LyricsSection = field(default_factory=LyricsSection)
    commentary: CommentarySection = field(default_factory=CommentarySection)
    segue_version: str = ""
    format_version: int = FORMAT_VERSION


def project_to_dict(project: Project) -> dict[str, Any]:
    """The project as plain JSON data (notes as compact ``[start, end, pitch, velocity, track]``)."""
    data = asdict(project)
    data = {"format": FORMAT, **data, "format_version": FORMAT_VERSION}
    chain = data["composer"]["chain"]
    if chain is not None:
        for name in ("notes", "phrase_notes"):
            chain[name] = [[n["start"], n["end"], n["pitch"], n["velocity"], n["track"]]
                           for n in chain[name]]
        for segment in chain["segments"]:  # only an edited block has notes of its own
            own = segment.pop("user_notes")
            if own is not None:
                segment["user_notes"] = [[n["start"], n["end"], n["pitch"], n["velocity"],
                                          n["track"]] for n in own]
    return data


# -- strict reading ----------------------------------------------------------------------------
_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
               list: "a list", dict: "an object"}


def _check(value: Any, kind: type, where: str, optional: bool = False) -> Any:
    """Return ``value`` if it has type ``kind`` (ints pass as floats); raise with ``where`` if not."""
    if value is None and optional:
        return None
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ProjectFormatError(f"{where} must be {_TYPE_NAMES[kind]}"
                                 f"{' or null' if optional else ''}, not {shown}")
    return value


def _object(data: Any, where: str) -> dict[str, Any]:
    return _check(data, dict, where)


def _fill(cls: type, data: Any, where: str, nested: dict[str, Any] | None = None) -> Any:
    """Build dataclass ``cls`` from ``data``, checking each known field against its default's type."""
    data = _object(data, where)
    nested = nested or {}
    defaults = cls()  # every class read this way has defaults for all fields
    values: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        if name not in data:
            continue
        value, path = data[name], f"{where}.{name}"
        if name in nested:
            values[name] = nested[name](value, path)
        elif isinstance(default, list):
            values[name] = _check(value, list, path)
        elif (cls, name) in _OPTIONAL:
            values[name] = _check(value, _OPTIONAL[(cls, name)], path, optional=True)
        else:
            values[name] = _check(value, type(default), path)
    return cls(**values)


_OPTIONAL = {(Chain, "seed"): int, (Chain, "reuse_limit"): int,
             (ComposerSettings, "reuse_limit"): int}


def _segment(data: Any, where: str) -> Segment:
    data = _object(data, where)
    if "id" not in data:
        raise ProjectFormatError(f"{where}.id is missing")
    seg = Segment(id=_check(data["id"], int, f"{where}.id"))
    for name in ("tune", "position", "distance", "score", "ends_tune", "locked"):
        if name in data:
            setattr(seg, name, _check(data[name], type(getattr(seg, name)), f"{where}.{name}"))
    seg.fit = _check(data.get("fit"), int, f"{where}.fit", optional=True)
    if data.get("user_notes") is not None:
        seg.user_notes = _items(_note, data["user_notes"], f"{where}.user_notes")
    return seg


def _note(data: Any, where: str) -> Note:
    items = _check(data, list, where)
    if len(items) != 5:
        raise ProjectFormatError(f"{where} must be [start, end, pitch, velocity, track]")
    start, end = _check(items[0], float, f"{where}[0]"), _check(items[1], float, f"{where}[1]")
    pitch, velocity = _check(items[2], int, f"{where}[2]"), _check(items[3], int, f"{where}[3]")
    if not (0 <= pitch <= 127 and 0 <= velocity <= 127 and end >= start):
        raise ProjectFormatError(f"{where} is not a playable note: {items!r}")
    return Note(start, end, pitch, velocity, _check(items[4], str, f"{where}[4]"))


def _items(reader, data: Any, where: str) -> list:
    return [reader(item, f"{where}[{k}]") for k, item in enumerate(_check(data, list, where))]


def _chain(data: Any, where: str) -> Chain | None:
    if data is None:
        return None
    chain = _fill(Chain, data, where, {
        "model": lambda d, w: _fill(ModelStamp, d, w),
        "segments": lambda d, w: _items(_segment, d, w),
        "notes": lambda d, w: _items(_note, d, w),
        "phrase_notes": lambda d, w: _items(_note, d, w),
    })
    if chain.tempo <= 0:
        raise ProjectFormatError(f"{where}.tempo must be positive, not {chain.tempo}")
    if chain.phrase_blocks > len(chain.segments) or any(
            s.id != -1 for s in chain.segments[:chain.phrase_blocks]):
        raise ProjectFormatError(f"{where}.phrase_blocks: {chain.phrase_blocks} blocks of your "
                                 "phrase, but the chain does not start with them (id -1)")
    return chain


def _settings(data: Any, where: str) -> ComposerSettings:
    """The Composer's settings; a missing ``tonality`` (an older Segue) follows the key."""
    settings = _fill(ComposerSettings, data, where)
    if "tonality" not in data:
        settings.tonality = key_tonality(settings.key)
    elif settings.tonality in TONALITIES and settings.tonality != key_tonality(settings.key):
        raise ProjectFormatError(f"{where}.tonality: {settings.tonality} does not match the key "
                                 f"{settings.key!r}")
    return settings


def _composer(data: Any, where: str) -> ComposerSection:
    """The Composer section. Settings written before ``tonality`` existed never held the meter:
    they take the chain's meter and key (see ``ComposerSettings.settle_legacy``)."""
    section = _fill(ComposerSection, data, where, {"settings": _settings, "chain": _chain})
    raw = data.get("settings") if isinstance(data, dict) else None
    if section.chain is not None and isinstance(raw, dict) and "tonality" not in raw:
        section.settings = section.settings.settle_legacy(section.chain.key, section.chain.meter)
    return section


def _line(data: Any, where: str) -> LyricLine:
    data = _object(data, where)
    line = LyricLine(artist=_check(data.get("artist", ""), str, f"{where}.artist"),
                     text=_check(data.get("text", ""), str, f"{where}.text"))
    line.voice = _check(data.get("voice", 0), int, f"{where}.voice")
    line.locked = _check(data.get("locked", False), bool, f"{where}.locked")
    return line


def _lyrics(data: Any, where: str) -> LyricsSection:
    section = _fill(LyricsSection, data, where, {"lines": lambda d, w: _items(_line, d, w)})
    temps = [_check(t, float, f"{where}.temperatures[{k}]")
             for k, t in enumerate(section.temperatures)]
    if len(temps) != 2:
        raise ProjectFormatError(f"{where}.temperatures must hold two numbers (A and B)")
    section.temperatures = temps
    return section


def _commentary(data: Any, where: str) -> CommentarySection:
    section = _fill(CommentarySection, data, where)
    section.tags = [_check(t, str, f"{where}.tags[{k}]") for k, t in enumerate(section.tags)]
    section.samples = [_object(s, f"{where}.samples[{k}]") for k, s in enumerate(section.samples)]
    return section


def check_version(data: Any) -> int:
    """Return the format version of project data; refuse foreign data and newer formats."""
    data = _check(data, dict, "the project")
    if data.get("format") != FORMAT:
        raise ProjectFormatError(f"not a Segue project (no \"format\": \"{FORMAT}\" field)")
    version = _check(data.get("format_version"), int, "format_version")
    if version > FORMAT_VERSION:
        raise ProjectFormatError(
            f"made by a newer Segue (project format {version}; this Segue reads up to "
            f"{FORMAT_VERSION}): update Segue to open it")
    if version < 1:
        raise ProjectFormatError(f"unknown project format version {version}")
    return version


def project_from_dict(data: Any) -> Project:
    """Build a :class:`Project` from JSON data; raise :class:`ProjectFormatError` naming the field."""
    version = check_version(data)
    composer = _composer(data.get("composer", {}), "composer")
    return Project(
        composer=composer,
        lyrics=_lyrics(data.get("lyrics", {}), "lyrics"),
        commentary=_commentary(data.get("commentary", {}), "commentary"),
        segue_version=_check(data.get("segue_version", ""), str, "segue_version"),
        format_version=version,
    )


def section_from_dict(name: str, data: Any) -> Any:
    """Read one section (``composer``, ``lyrics`` or ``commentary``) as panels hand it over."""
    readers = {
        "composer": lambda d: _composer(d, "composer"),
        "lyrics": lambda d: _lyrics(d, "lyrics"),
        "commentary": lambda d: _commentary(d, "commentary"),
    }
    return readers[name](data)


def section_to_dict(section: Any) -> dict[str, Any]:
    """One section as plain data (the same shape it has inside a project file)."""
    names = {ComposerSection: "composer", LyricsSection: "lyrics", CommentarySection: "commentary"}
    return project_to_dict(Project(**{names[type(section)]: section}))[names[type(section)]]
