"""File names that are not valid UTF-8: stored losslessly, shown and printed safely.

On POSIX a file name is bytes. Python decodes undecodable bytes to lone surrogates
(``surrogateescape``), which SQLite, JSON output, logs and Qt cannot take. The library stores such
a path with each surrogate written as NUL + two hex digits (NUL can never occur in a POSIX path,
so the form is unambiguous and the round trip is exact); :func:`display` gives the text to show,
with U+FFFD replacement characters where bytes were not UTF-8.
"""

from __future__ import annotations

import os
import re

_ESCAPED = re.compile(r"\x00([0-9a-f]{2})|\x00u([0-9a-f]{4})")


def _is_clean(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_db(path: str) -> str:
    """The stored form of ``path`` (unchanged unless it holds undecodable bytes)."""
    if _is_clean(path):
        return path
    out = []
    for char in path:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape)
            out.append(f"\x00{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:  # any other lone surrogate
            out.append(f"\x00u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def from_db(text: str) -> str:
    """The file-system path (``surrogateescape`` str) of a stored path."""
    if "\x00" not in text:
        return text

    def undo(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return chr(0xDC00 + int(match.group(1), 16))
        return chr(int(match.group(2), 16))

    return _ESCAPED.sub(undo, text)


def display(path: str | os.PathLike[str]) -> str:
    """``path`` as printable text: undecodable bytes become U+FFFD."""
    text = os.fspath(path)
    if _is_clean(text):
        return text
    return os.fsencode(text).decode("utf-8", "replace") if os.name != "nt" else \
        text.encode("utf-8", "replace").decode("utf-8")


def native(path: str | os.PathLike[str]) -> str | bytes:
    """``path`` as libraries that encode strictly (libsndfile) can open it: bytes on POSIX."""
    text = os.fspath(path)
    if os.name == "nt" or _is_clean(text):
        return text
    return os.fsencode(text)
