"""The selected track's details: what the scan found (kind, tags and their probabilities, tempo,
length), where the file is, and the other files that hold the same audio."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser, QWidget

from engine.library.storage.fspath import display

if TYPE_CHECKING:  # pragma: no cover - the service module loads numpy
    from engine.library.service import TrackRow

KIND_WORDS = {"music": "music", "speech": "speech (left out of playlists unless asked for)",
              "other": "sound effect or field recording (left out of playlists unless asked for)"}


class TrackDetails(QTextBrowser):
    """Read-only rich text about one track (or a hint when none is selected)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.show_track(None)

    def show_track(self, row: TrackRow | None) -> None:
        """Describe ``row`` (None: ask for a selection)."""
        if row is None:
            self.setHtml("<p>Select a track in the table to see what the scan heard.</p>")
            return
        e = html.escape
        name = " – ".join(x for x in (row.artist, row.title) if x) or display(row.path)
        lines = [f"<h3>{e(name)}</h3>"]
        facts = [("Album", row.album), ("Genre (file tag)", row.genre),
                 ("Length", f"{int(row.duration // 60)}:{int(row.duration % 60):02d}"
                  if row.duration else ""),
                 ("Tempo", f"{row.tempo:.0f} BPM" if row.tempo else ""),
                 ("Kind", KIND_WORDS.get(row.kind, row.kind) if row.kind else
                  ("" if row.status != "analysed" else
                   ("music" if row.is_music else "non-music"))),
                 ("Status", row.status + (f": {row.skip_reason}" if row.skip_reason else ""))]
        lines.append("<table>" + "".join(
            f"<tr><td><b>{e(k)}</b>&nbsp;</td><td>{e(v)}</td></tr>" for k, v in facts if v)
            + "</table>")
        if row.tags:
            bars = "".join(
                f"<tr><td>{e(t)}&nbsp;</td><td>{'█' * max(1, round(p * 20))} {p:.2f}</td></tr>"
                for t, p in row.tags.items())
            lines.append(f"<p><b>Tags</b> (the music tagger, probability)</p><table>{bars}</table>")
        elif row.status == "analysed":
            lines.append("<p><b>Tags</b>: none (too short or silent to tag, or analysed by an "
                         "older Segue: scan the folder again)</p>")
        lines.append(f"<p><b>File</b><br>{e(display(row.path))}</p>")
        if row.demo:
            lines.append("<p>A bundled demo clip.</p>")
        if row.copies:
            lines.append("<p><b>The same audio is also at</b><br>"
                         + "<br>".join(e(display(c)) for c in row.copies)
                         + "<br>(shown, played and exported as this file)</p>")
        self.setHtml("".join(lines))
