"""pytest-qt drives the Library & Playlists panel offscreen on real clips."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from app.jobs import JobRunner
from app.panels.library import LibraryPanel
from app.widgets.library_table import TrackTableModel
from engine.library.service import TrackRow

CLIPS = Path(__file__).resolve().parents[1] / "data" / "library"
WAIT = 60_000


@pytest.fixture()
def panel(qtbot, monkeypatch: pytest.MonkeyPatch) -> Iterator[LibraryPanel]:
    monkeypatch.setattr("app.panels.library.DEMO_DELAY_MS", 60_000)
    runner = JobRunner()
    widget = LibraryPanel(runner)
    qtbot.addWidget(widget)
    idle(qtbot, widget)
    yield widget
    widget.shutdown()
    runner.shutdown()


@pytest.fixture()
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "my music é"
    folder.mkdir()
    for name in ("robin.ogg", "trumpet.ogg", "speech.flac", "vibeace.ogg"):
        shutil.copyfile(CLIPS / name, folder / name)
    return folder


def idle(qtbot, panel: LibraryPanel) -> None:
    qtbot.waitUntil(lambda: not panel.first_load.isActive() and not panel.jobs, timeout=WAIT)


def scan(qtbot, panel: LibraryPanel, folder: Path) -> None:
    job = panel.add_folder(folder)
    assert job is not None
    assert not panel.progress.isHidden() and not panel.cancel_button.isHidden()
    assert not panel.add_button.isEnabled()
    qtbot.waitSignal(job.finished, timeout=WAIT).wait()
    idle(qtbot, panel)


def test_add_folder_fills_table_and_map(qtbot, panel: LibraryPanel, music: Path) -> None:
    assert panel.title == "Library & Playlists" and panel.objectName() == "library_panel"
    assert panel.model.rowCount() == 0
    (music / "broken.ogg").write_bytes(b"OggS broken")
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    scan(qtbot, panel, music)
    assert panel.model.rowCount() == 5
    assert panel.progress.isHidden() and panel.add_button.isEnabled()
    assert any(m.startswith("Scan done: 5 added") and "1 skipped" in m for m in messages)
    assert "4 analysed, 1 skipped" in panel.summary.text()
    assert panel.map.points is not None and len(panel.map.points.ids) == 4

    panel.filter_edit.setText("TRUMPET")
    assert panel.model.rowCount() == 1
    panel.filter_edit.clear()
    panel.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # length, numerically
    lengths = [panel.model.index(r, 4).data(Qt.ItemDataRole.UserRole) for r in range(5)]
    assert lengths == sorted(lengths, reverse=True)


def test_cancel_scan(qtbot, panel: LibraryPanel, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        shutil.copyfile(CLIPS / "trumpet.ogg", folder / f"t{i}.ogg")
    job = panel.add_folder(folder)
    assert panel.add_folder(folder) is None  # one scan at a time
    with qtbot.waitSignal(job.cancelled, timeout=WAIT):
        panel.cancel_button.click()
    idle(qtbot, panel)
    assert panel.progress.isHidden()
    analysed = sum(r.status == "analysed" for r in panel.model.rows)
    assert analysed < 40


def test_playlist_build_and_export(qtbot, panel: LibraryPanel, music: Path,
                                   tmp_path: Path) -> None:
    scan(qtbot, panel, music)
    assert not panel.builder.build_button.isEnabled()
    panel.table.selectRow(0)
    assert panel.builder.build_button.isEnabled() and len(panel.builder.seeds) == 1
    panel.builder.length.setValue(3)
    panel.builder.no_repeat_artist.setValue(1)
    panel.builder.build_button.click()
    idle(qtbot, panel)
    assert panel.builder.result.count() == 3
    assert panel.builder.export_button.isEnabled()
    target = tmp_path / "lists" / "out list.xspf"
    job = panel.export_playlist_to(target)
    qtbot.waitSignal(job.finished, timeout=WAIT).wait()
    text = target.read_text(encoding="utf-8")
    assert "<location>../my%20music%20%C3%A9/" in text

    job = panel.import_playlist_file(target)
    qtbot.waitSignal(job.finished, timeout=WAIT).wait()

    panel.builder.path_mode.setChecked(True)
    assert not panel.builder.build_button.isEnabled()  # a path needs two seeds


@pytest.mark.parametrize("audio", [True, False])
def test_map_click_plays_or_explains(qtbot, panel: LibraryPanel, music: Path,
                                     monkeypatch: pytest.MonkeyPatch, audio: bool) -> None:
    from engine.library.preview import PreviewError

    played: list[str] = []

    def fake_preview(path: str, progress=None, cancelled=None) -> str:  # noqa: ANN001
        if not audio:
            raise PreviewError("No audio output device: cannot play the preview.")
        played.append(path)
        return f"Playing {Path(path).name}"

    monkeypatch.setattr("engine.library.service.preview", fake_preview)
    scan(qtbot, panel, music)
    panel.map.resize(400, 300)
    screen = panel.map._screen()
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    with qtbot.waitSignal(panel.map.point_clicked, timeout=WAIT):
        qtbot.mouseClick(panel.map, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(screen[0][0]), int(screen[0][1])))
    qtbot.waitUntil(lambda: bool(messages), timeout=WAIT)
    if audio:
        assert played == [panel.map.points.paths[0]]
        assert messages[0] == f"Playing {Path(played[0]).name}"
    else:
        assert messages[0] == "Preview: No audio output device: cannot play the preview."
    panel.colour_by.setCurrentText("cluster")
    idle(qtbot, panel)
    assert all(label.startswith("cluster") for label in panel.map.points.labels)


def test_demo_library_on_first_launch(qtbot, panel: LibraryPanel, segue_home: Path) -> None:
    panel.start_demo_scan()
    idle(qtbot, panel)
    rows = panel.model.rows
    assert len(rows) == 10 and all(r.status == "analysed" for r in rows)
    assert {r.genre for r in rows} >= {"music", "speech"}
    assert (segue_home / ".demo-library-scanned").is_file()
    panel.start_demo_scan()  # second launch: nothing to do
    idle(qtbot, panel)
    assert len(panel.model.rows) == 10


def test_table_model_is_fluid_with_100k_rows(qtbot) -> None:
    model = TrackTableModel()
    rows = [TrackRow(i, f"Song {i}", f"Artist {i % 997}", f"Album {i % 3001}", "rock",
                     120.0 + i % 300, 90.0 + i % 60, "analysed", f"/music/{i}.flac")
            for i in range(100_000)]
    started = time.perf_counter()
    model.set_rows(rows)
    model.sort(4, Qt.SortOrder.DescendingOrder)
    model.set_filter("artist 42")
    elapsed = time.perf_counter() - started
    assert model.rowCount() == sum("artist 42" in r.artist.lower() for r in rows)
    durations = [model.track(r).duration for r in range(model.rowCount())]
    assert durations == sorted(durations, reverse=True)
    assert model.index(0, 0).data() == model.track(0).title
    assert elapsed < 2.0, f"100k rows took {elapsed:.1f} s to load, sort and filter"


def test_spotify_button_without_credentials_explains(qtbot, panel: LibraryPanel,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIPY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.spotify_button.click()
    idle(qtbot, panel)
    assert messages and "not configured" in messages[-1]
