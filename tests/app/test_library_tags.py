"""pytest-qt: the tagger's tags in the Library (table column, filter, details, the builder's Tag
filter), one row per recording, and Remove demo tracks — on real clips in a real library."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.panels.library import LibraryPanel
from app.widgets.library_table import COLUMNS
from engine.library.scan import duplicates
from tests.app.library_panel_fixture import library_panel, wait_idle

CLIPS = Path(__file__).resolve().parents[1] / "data" / "library"
WAIT = 120_000


@pytest.fixture()
def panel(qtbot, monkeypatch: pytest.MonkeyPatch) -> Iterator[LibraryPanel]:
    yield from library_panel(qtbot, monkeypatch, demo_delay_ms=600_000, timeout=WAIT)


def idle(qtbot, panel: LibraryPanel) -> None:
    wait_idle(qtbot, panel, WAIT)


def scan(qtbot, panel: LibraryPanel, folder: Path) -> None:
    job = panel.add_folder(folder)
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=WAIT)
    idle(qtbot, panel)


def column(name: str) -> int:
    return [c[0] for c in COLUMNS].index(name)


def test_tags_column_filter_details_and_tag_rule(qtbot, panel: LibraryPanel,
                                                 tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("trumpet.ogg", "vibeace.ogg", "speech.flac"):
        shutil.copyfile(CLIPS / name, folder / name)
    scan(qtbot, panel, folder)  # with the tagger: every clip is longer than a second
    rows = panel.model.rows
    assert all(r.tags for r in rows), [(r.path, r.tags) for r in rows]
    tags_col = column("Tags")
    shown = [panel.model.index(i, tags_col).data() for i in range(panel.model.rowCount())]
    assert all(shown)
    some_tag = next(iter(rows[0].tags))
    tip = panel.model.index(0, tags_col).data(Qt.ItemDataRole.ToolTipRole)
    assert "The music tagger heard" in tip
    panel.filter_edit.setText(some_tag.upper())  # the filter searches the tags too
    assert 1 <= panel.model.rowCount() <= 3
    assert all(some_tag in panel.model.track(i).tags for i in range(panel.model.rowCount()))
    panel.filter_edit.clear()

    panel.table.selectRow(0)
    html = panel.details.toHtml()
    track = panel.model.track(0)
    assert next(iter(track.tags)) in html and "Tags" in html

    assert some_tag in panel.builder.tag_words.stringList()
    panel.builder.tags.setText(f" {some_tag} ,")
    assert panel.builder.rules().tags == (some_tag,)


def test_one_row_per_recording_and_remove_demo_tracks(qtbot, panel: LibraryPanel,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUE_TAGGER", "off")
    demo_dir, mine = tmp_path / "assets-audio", tmp_path / "mine"
    demo_dir.mkdir()
    mine.mkdir()
    for name in ("trumpet.ogg", "vibeace.ogg"):
        shutil.copyfile(CLIPS / name, demo_dir / name)
    shutil.copyfile(CLIPS / "vibeace.ogg", mine / "My Vibe.ogg")
    monkeypatch.setattr(duplicates, "demo_folder", lambda: demo_dir)
    panel.start_demo_scan()
    idle(qtbot, panel)
    assert panel.model.rowCount() == 2 and not panel.remove_demo_button.isHidden()
    scan(qtbot, panel, mine)
    names = sorted(Path(panel.model.track(i).path).name for i in range(panel.model.rowCount()))
    assert names == ["My Vibe.ogg", "trumpet.ogg"]  # the demo copy is folded into the user's
    assert "1 copy of the same audio shown once" in panel.summary.text()

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (
        asked.append(a[2]), QMessageBox.StandardButton.No)[1])
    panel.remove_demo_button.click()
    assert asked and "2 bundled demo tracks" in asked[0]
    idle(qtbot, panel)
    assert panel.model.rowCount() == 2  # "No": nothing removed
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    panel.remove_demo_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    idle(qtbot, panel)
    assert Path(panel.model.track(0).path).name == "My Vibe.ogg"
    assert panel.remove_demo_button.isHidden()
