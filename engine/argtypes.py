"""Checked number types for the rooms' argparse options: finite, in range, with a clear message.

``type=number(low=0, low_open=True)`` rejects ``nan``, ``inf``, ``0`` and negatives before any work
starts, so a rejected run never touches a file (``--minutes 0`` is an error, not "no limit").
Rooms import this module, never ``engine/cli.py``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _bounds(low: float | None, high: float | None, low_open: bool) -> str:
    """Describe the allowed range for a message, e.g. "> 0", "between 1 and 500"."""
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}" if not low_open else f"> {low:g} and <= {high:g}"
    if low is not None:
        return f"> {low:g}" if low_open else f">= {low:g}"
    if high is not None:
        return f"<= {high:g}"
    return "finite"


def number(low: float | None = None, high: float | None = None,
           low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite float in [low, high] (or (low, high] with ``low_open``)."""
    wanted = _bounds(low, high, low_open)

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number (must be {wanted})")
        if (low is not None and (value < low or (low_open and value == low))) or (
                high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text} is out of range (must be {wanted})")
        return value

    parse.__name__ = "number"
    return parse


def integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""
    wanted = _bounds(low, high, False)

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text} is out of range (must be {wanted})")
        return value

    parse.__name__ = "integer"
    return parse
