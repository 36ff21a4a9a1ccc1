"""Take the AppStream screenshots of the four panels (docs/images/panel-*.png) under Xvfb.

    SEGUE_HOME=$(mktemp -d) xvfb-run -s "-screen 0 1280x800x24" python packaging/screenshots.py

Opens the real main window at 1280×800, composes a tune and writes a duet through the panels' own
actions, waits for the demo library scan, then grabs the X screen with ImageMagick's
``import -window root`` for each tab. Needs xvfb, imagemagick (``import``) and a fresh SEGUE_HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANELS = ("composer", "lyrics", "commentary", "library")


def wait(app, seconds: float, until=None) -> None:  # noqa: ANN001 - a QApplication and a predicate
    """Run the event loop for ``seconds`` or until ``until()`` is true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.05)


def main(out_dir: Path = ROOT / "docs" / "images") -> int:
    """Open Segue, fill each panel, save one screenshot per panel; return an exit code."""
    from PySide6.QtWidgets import QApplication

    from app import icons
    from app.main_window import MainWindow
    from engine.library.storage.db import Library
    from engine.paths import prepare_home

    home = prepare_home()
    with Library():  # create the library up front, so the panel's first jobs find it migrated
        pass
    app = QApplication(["segue"])
    app.setApplicationName("Segue")
    app.setWindowIcon(icons.get("segue"))
    window = MainWindow(home)
    window.setGeometry(0, 0, 1280, 800)
    window.show()
    wait(app, 2)
    composer, lyrics = window.panel("composer_panel"), window.panel("lyrics_panel")
    window.tabs.setCurrentIndex(1)  # the Lyrics panel lists its artists when first shown
    wait(app, 600, until=lambda: lyrics.artist_a.count() > 1)
    if lyrics.write() is None:
        print("screenshots: no lyric artists to write a duet with", file=sys.stderr)
        os._exit(1)
    composer.compose()
    commentary = window.panel("commentary_panel")
    window.tabs.setCurrentIndex(2)  # the Commentary panel loads its models when first shown
    wait(app, 600, until=lambda: commentary.generate_button.isEnabled())
    commentary.tags.setText("folk, acoustic guitar, mellow")
    commentary.generate()
    library = window.panel("library_panel")
    wait(app, 600, until=lambda: getattr(library, "table", None) is not None
         and library.table.model().rowCount() >= 5 and bool(lyrics.lines) and composer.state is not None
         and commentary.table.rowCount() > 0)
    wait(app, 2)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(PANELS):
        window.tabs.setCurrentIndex(index)
        wait(app, 1.5)
        target = out_dir / f"panel-{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print(f"screenshot: {target}")
    window.close()
    os._exit(0)  # do not wait for the demo scan's worker processes


if __name__ == "__main__":
    sys.exit(main())
