"""Start a composition from the user's own phrase: find the segment closest to a MIDI phrase.

``segue compose --start-midi`` uses the closest segment to the phrase's first 4 beats;
:func:`engine.dshl.chain.continue_phrase` (``--continue``) matches up to 4 windows.
"""

from __future__ import annotations

from pathlib import Path


def closest_segment(path: str | Path, collection: str = "nottingham") -> int:
    """Id of the segment of ``collection`` whose features differ least from the phrase's start."""
    from engine.dshl.chain import phrase_segments

    return phrase_segments(path, collection, max_blocks=1)[0]
