"""Text from a user's files made safe to print on a terminal.

A tune title, lyric line, file name or output label can hold ESC sequences (``ESC]0;…BEL``
retitles the terminal, ``ESC[2J`` clears it), carriage returns or bidirectional overrides.
Everything Segue prints that came from a file goes through :func:`printable`; an error line
(``segue: error: …``) goes through :func:`one_line`, which also shows a file name's undecodable
bytes as the shell does (``\\xff``).
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                          "\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (ESC, BEL, CR, newlines, C1),
    bidirectional overrides and lone surrogates are shown as escapes (``\\x1b``, ``\\u202e``).
    """
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return _UNPRINTABLE.sub(escape, str(text))


def printable_lines(text: str) -> str:
    """Like :func:`printable`, but keeps line breaks (for multi-line output such as a duet)."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def one_line(text: str) -> str:
    """Make ``text`` printable on one line: escape newlines, control characters (ESC, BEL, C1,
    bidirectional overrides) and undecodable file-name bytes."""
    text = _escape_controls(text)
    try:  # a file name's undecodable bytes come back as \xff, as the shell shows them
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _escape_controls(text: str) -> str:
    """Control characters as escapes; a file name's undecodable bytes are left for one_line."""
    return "".join(ch if 0xDC80 <= ord(ch) <= 0xDCFF else printable(ch) for ch in text)
