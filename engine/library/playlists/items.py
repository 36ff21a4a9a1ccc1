"""One track of a built playlist: what a query returns, an export writes and a saved playlist opens.

:class:`PlaylistItem` is made by the rules (:mod:`.build`), re-pointed at the kept copy of a
recording (:func:`.lookup.prefer_kept`) and read back from a saved playlist (:mod:`.saved`).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.library.storage.fspath import display


@dataclass
class PlaylistItem:
    """One track of a playlist and its distance to the seeds (or to the path)."""

    id: int
    path: str
    artist: str
    title: str
    distance: float
    duration: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The ``--json`` form."""
        return {"id": self.id, "path": display(self.path), "artist": self.artist,
                "title": self.title,
                "distance": round(float(self.distance), 6)}
