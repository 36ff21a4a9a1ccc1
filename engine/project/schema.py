"""Sizes and ranges of a `.segue` file, checked once when it is read (and before it is written).

:func:`loads` parses the JSON text: integers longer than :data:`MAX_INT_DIGITS` digits become a
:class:`LongInteger` marker (never an ``int``: Python refuses to convert more than 4,300 digits
and a 5,000-digit number is no Segue value anyway), and ``NaN``/``Infinity``/``1e999`` become
non-finite floats that :func:`check` refuses at their field. :func:`check` then walks the data
(without recursion) and raises :class:`~engine.project.model.ProjectFormatError` naming the first
field that is out of range or too large::

    composer.settings.tempo: must be a number from 20 to 400 (got nan)

Types are left to :func:`engine.project.model.project_from_dict`: a rule here skips a value of
the wrong type so that the type checker's message ("must be an integer, not 'x'") is the one
shown. The caps are far above anything Segue writes (a 2,000-segment chain, 100,000 notes, 10,000
lyric lines) and keep opening a hostile file quick.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.project.model import ProjectFormatError

MAX_DEPTH = 16  # the deepest real value is commentary.samples[k].z[i] (4 levels)
MAX_INT_DIGITS = 20  # 2**64 has 20 digits
MAX_STRING = 100_000  # characters in any one string (a commentary sample's text)
MAX_ITEMS = 100_000  # items in any one list or object
MAX_SEGMENTS = 2_000  # segments in a chain (`compose` makes up to 1,000, plus a phrase)
MAX_NOTES = 100_000
MAX_LYRIC_LINES = 10_000
MAX_TAGS = 1_000
MAX_SAMPLES = 1_000
MAX_BEATS = 100_000.0  # where a note may start or end
MAX_SEED = 2**63 - 1
MAX_QT_INT = 2**31 - 1  # what a spin box in the window can show
METERS = ("2/4", "4/4", "2/2", "3/4", "6/8", "9/8", "3/2", "6/4")
MODES = ("min", "max")
TONALITIES = ("major", "minor")
MAX_PHRASE_BLOCKS = 8  # blocks of the user's phrase (engine.dshl.phrase keeps at most 8)
MAX_PHRASE_NOTES = 4_096


class LongInteger:
    """An integer in the JSON text with too many digits to be a Segue value (kept as text)."""

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


def _parse_int(text: str) -> int | LongInteger:
    return LongInteger(text) if len(text) > MAX_INT_DIGITS + 1 else int(text)


def _parse_constant(name: str) -> float:
    """``NaN``, ``Infinity`` and ``-Infinity`` (not JSON): kept as floats, refused by :func:`check`."""
    return float(name.replace("Infinity", "inf"))


def loads(text: str) -> Any:
    """Parse project JSON; over-long integers become :class:`LongInteger` (see module docstring).

    Raises ``json.JSONDecodeError`` for bad JSON and ``RecursionError`` for absurd nesting.
    """
    return json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)


# -- the walk: depth, sizes, numbers anywhere ------------------------------------------------------
def _children(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}" if path else str(key), item
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield f"{path}[{k}]", item


def _walk(data: Any) -> Iterator[tuple[str, Any]]:
    """Every value in ``data`` with its path, parents first; refuse deep nesting and huge sizes."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProjectFormatError(f"{path}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, (dict, list)):
            if len(value) > MAX_ITEMS:
                raise ProjectFormatError(f"{path or 'the project'}: too many items "
                                         f"({len(value)}; the limit is {MAX_ITEMS})")
            if isinstance(value, dict):
                for key in value:
                    if len(key) > 200:
                        raise ProjectFormatError(f"{path or 'the project'}: a field name of "
                                                 f"{len(key)} characters (the limit is 200)")
            stack.extend((p, v, depth + 1) for p, v in reversed(list(_children(value, path))))
        yield path, value


def _scan(data: Any) -> str | None:
    """Refuse over-long integers and strings wherever they are; return the first non-finite
    number's problem (raised after the field rules, which word it better where they apply)."""
    not_finite = None
    for path, value in _walk(data):
        where = path or "the project"
        if isinstance(value, LongInteger):
            raise ProjectFormatError(f"{where}: {value!r} (the limit is {MAX_INT_DIGITS})")
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise ProjectFormatError(f"{where}: a text of {len(value)} characters "
                                     f"(the limit is {MAX_STRING})")
        if not_finite is None and isinstance(value, float) and not math.isfinite(value):
            not_finite = f"{where}: must be a finite number (got {value})"
    return not_finite


# -- field rules ----------------------------------------------------------------------------------
def _number(value: float) -> str:
    """``2147483647`` as such, ``0.01`` and ``1e+308`` as ``:g`` shows them."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Number:
    """A number (``integer=True``: a whole number) from ``low`` to ``high``; ``None`` if allowed."""

    low: float
    high: float
    integer: bool = False
    optional: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks the rule (None if it keeps it or has the wrong type)."""
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None  # the type checker's business
        if self.integer and not isinstance(value, int):
            return None
        if math.isfinite(value) and self.low <= value <= self.high:
            return None
        kind = "an integer" if self.integer else "a number"
        return (f"must be {kind} from {_number(self.low)} to {_number(self.high)} "
                f"(got {_shown(value)})")


@dataclass(frozen=True)
class Text:
    """A string of at most ``longest`` characters, or one of ``choices``."""

    longest: int = 1_000
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks the rule (None if it keeps it or has the wrong type)."""
        if not isinstance(value, str):
            return None
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)} (got {_shown(value)})"
        if len(value) > self.longest:
            return f"is too long ({len(value)} characters; the limit is {self.longest})"
        return None


@dataclass(frozen=True)
class Items:
    """A list of at most ``most`` items."""

    most: int

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks the rule (None if it keeps it or has the wrong type)."""
        if isinstance(value, list) and len(value) > self.most:
            return f"has {len(value)} items (the limit is {self.most})"
        return None


def _key(value: Any) -> str | None:
    from engine.music.transpose import parse_key

    if not isinstance(value, str):
        return None
    try:
        parse_key(value[:16])
    except ValueError:
        return f"is not a key such as C, F#m or Bb (got {_shown(value)})"
    return None if len(value) <= 16 else "is not a key (too long)"


@dataclass(frozen=True)
class Check:
    """A rule given as a function: the problem with a value, or None."""

    function: Callable[[Any], str | None]

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks the rule (None if it keeps it)."""
        return self.function(value)


_PROGRAM = Number(0, 127, integer=True)
_CHAIN = "composer.chain."
RULES: dict[str, Any] = {
    "segue_version": Text(64),
    "composer.settings.segments": Number(1, MAX_SEGMENTS, integer=True),
    "composer.settings.seed": Number(0, MAX_SEED, integer=True),
    "composer.settings.key": Check(_key),
    "composer.settings.meter": Text(choices=METERS),
    "composer.settings.tonality": Text(choices=TONALITIES),
    "composer.settings.tempo": Number(20, 400),
    "composer.settings.mode": Text(choices=MODES),
    "composer.settings.reuse_limit": Number(0, MAX_SEGMENTS, integer=True, optional=True),
    "composer.settings.collection": Text(200),
    "composer.settings.melody_program": _PROGRAM,
    "composer.settings.chord_program": _PROGRAM,
    _CHAIN + "collection": Text(200),
    _CHAIN + "model.kind": Text(64),
    _CHAIN + "model.format_version": Number(0, 1_000_000, integer=True),
    _CHAIN + "model.fingerprint": Text(128),
    _CHAIN + "key": Check(_key),
    _CHAIN + "meter": Text(choices=METERS),
    _CHAIN + "phrase": Text(4_096),
    _CHAIN + "tempo": Number(20, 400),
    _CHAIN + "seed": Number(0, MAX_SEED, integer=True, optional=True),
    _CHAIN + "mode": Text(choices=MODES),
    _CHAIN + "reuse_limit": Number(0, MAX_SEGMENTS, integer=True, optional=True),
    _CHAIN + "melody_program": _PROGRAM,
    _CHAIN + "chord_program": _PROGRAM,
    _CHAIN + "segments": Items(MAX_SEGMENTS),
    _CHAIN + "segments[*].id": Number(-1, MAX_QT_INT, integer=True),  # -1: your phrase/edit
    _CHAIN + "segments[*].tune": Text(1_000),
    _CHAIN + "segments[*].position": Number(0, 10_000_000, integer=True),
    _CHAIN + "segments[*].distance": Number(0, 1_000_000, integer=True),
    _CHAIN + "segments[*].score": Number(-1e9, 1e9),
    _CHAIN + "segments[*].fit": Number(0, 100, integer=True, optional=True),
    _CHAIN + "segments[*].user_notes": Items(MAX_PHRASE_NOTES),  # an edited block's own notes
    _CHAIN + "segments[*].user_notes[*][0]": Number(0, MAX_BEATS),
    _CHAIN + "segments[*].user_notes[*][1]": Number(0, MAX_BEATS),
    _CHAIN + "segments[*].user_notes[*][4]": Text(32),
    _CHAIN + "pitch_offset": Number(-120, 120, integer=True),
    _CHAIN + "notes": Items(MAX_NOTES),
    _CHAIN + "notes[*][0]": Number(0, MAX_BEATS),
    _CHAIN + "notes[*][1]": Number(0, MAX_BEATS),
    _CHAIN + "notes[*][4]": Text(32),
    _CHAIN + "phrase_blocks": Number(0, MAX_PHRASE_BLOCKS, integer=True),
    _CHAIN + "phrase_notes": Items(MAX_PHRASE_NOTES),
    _CHAIN + "phrase_notes[*][0]": Number(0, MAX_BEATS),
    _CHAIN + "phrase_notes[*][1]": Number(0, MAX_BEATS),
    _CHAIN + "phrase_notes[*][4]": Text(32),
    "lyrics.artist_a": Text(200),
    "lyrics.artist_b": Text(200),
    "lyrics.temperatures[*]": Number(0.01, 10),
    "lyrics.pattern": Text(64),
    "lyrics.lines_count": Number(1, MAX_LYRIC_LINES, integer=True),
    "lyrics.seed": Number(0, MAX_QT_INT, integer=True),
    "lyrics.continue_count": Number(1, 1_000, integer=True),
    "lyrics.lines": Items(MAX_LYRIC_LINES),
    "lyrics.lines[*].artist": Text(200),
    "lyrics.lines[*].text": Text(10_000),
    "lyrics.lines[*].voice": Number(0, 2, integer=True),
    "lyrics.rhyme": Text(32),
    "lyrics.metre": Text(32),
    "lyrics.sung_to": Text(64),
    "commentary.tags": Items(MAX_TAGS),
    "commentary.tags[*]": Text(200),
    "commentary.samples": Items(MAX_SAMPLES),
}


def _steps(pattern: str) -> list[str]:
    """``"a.b[*].c"`` → ``["a", "b", "*", "c"]``; ``"n[*][0]"`` → ``["n", "*", "0"]``."""
    return [s for s in pattern.replace("[", ".").replace("]", "").split(".") if s]


def _values(data: Any, steps: list[str], path: str = "") -> Iterator[tuple[str, Any]]:
    """The values at ``steps`` (``*``: every list item; a number: one list item) with paths."""
    if not steps:
        yield path, data
        return
    step, rest = steps[0], steps[1:]
    if isinstance(data, dict) and step in data:
        yield from _values(data[step], rest, f"{path}.{step}" if path else step)
    elif isinstance(data, list) and step == "*":
        for k, item in enumerate(data):
            yield from _values(item, rest, f"{path}[{k}]")
    elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
        yield from _values(data[int(step)], rest, f"{path}[{step}]")


_COMPILED = [(_steps(pattern), rule) for pattern, rule in RULES.items()]


def check(data: Any) -> None:
    """Refuse project ``data`` that is too large, too deep or holds a value out of range.

    The message names the field (``composer.chain.segments[3].id: must be an integer from 0 to
    2147483647 (got -5)``); the caller puts the file's name in front.
    """
    not_finite = _scan(data)  # depth and sizes first: the rules below then stay cheap
    for steps, rule in _COMPILED:
        for path, value in _values(data, steps):
            problem = rule.problem(value)
            if problem:
                raise ProjectFormatError(f"{path}: {problem}")
    if not_finite:  # in a place no rule covers (a commentary sample's numbers)
        raise ProjectFormatError(not_finite)
