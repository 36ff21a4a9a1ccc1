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
from tests.app.library_panel_fixture import library_panel, wait_idle
from tests.engine.library.fake_audio import SlowStream

CLIPS = Path(__file__).resolve().parents[1] / "data" / "library"
WAIT = 60_000


@pytest.fixture()
def panel(qtbot, monkeypatch: pytest.MonkeyPatch) -> Iterator[LibraryPanel]:
    yield from library_panel(qtbot, monkeypatch, demo_delay_ms=60_000, timeout=WAIT)


@pytest.fixture()
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "my music é"
    folder.mkdir()
    for name in ("robin.ogg", "trumpet.ogg", "speech.flac", "vibeace.ogg"):
        shutil.copyfile(CLIPS / name, folder / name)
    return folder


def idle(qtbot, panel: LibraryPanel) -> None:
    wait_idle(qtbot, panel, WAIT)


def scan(qtbot, panel: LibraryPanel, folder: Path) -> None:
    job = panel.add_folder(folder)
    assert job is not None
    assert not panel.progress.isHidden() and not panel.cancel_button.isHidden()
    assert not panel.add_button.isEnabled()
    qtbot.waitUntil(lambda: job.done, timeout=WAIT)  # finished may come before a waitSignal
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
    kinds = {Path(r.path).name: panel.model.index(i, 6).data() for i, r in
             enumerate(panel.model.track(i) for i in range(panel.model.rowCount()))}
    assert kinds["speech.flac"] in ("speech", "other") and kinds["vibeace.ogg"] == "music"
    panel.builder.length.setValue(3)
    panel.builder.no_repeat_artist.setValue(1)
    panel.builder.build_button.click()
    idle(qtbot, panel)
    assert panel.builder.result.count() == 2  # the speech clip is left out
    assert all("speech" not in i.path for i in panel.builder.items)
    panel.builder.non_music.setChecked(True)  # unless asked for
    panel.builder.build_button.click()
    idle(qtbot, panel)
    assert panel.builder.result.count() == 3
    assert panel.builder.export_button.isEnabled()
    target = tmp_path / "lists" / "out list.xspf"
    job = panel.export_playlist_to(target)
    qtbot.waitSignal(job.finished, timeout=WAIT).wait()
    text = target.read_text(encoding="utf-8")
    assert "<location>../my%20music%20%C3%A9/" in text

    messages: list[str] = []
    panel.status_message.connect(messages.append)
    job = panel.import_playlist_file(target)
    qtbot.waitSignal(job.finished, timeout=WAIT).wait()
    idle(qtbot, panel)
    assert "Imported 3 tracks (0 not in the library)." in messages

    panel.builder.path_mode.setChecked(True)
    assert not panel.builder.build_button.isEnabled()  # a path needs two seeds


@pytest.mark.parametrize("audio", [True, False])
def test_map_click_plays_or_explains(qtbot, panel: LibraryPanel, music: Path,
                                     monkeypatch: pytest.MonkeyPatch, audio: bool) -> None:
    from engine.library.preview import PreviewError

    played: list[str] = []

    def fake_preview(path: str) -> str:
        if not audio:
            raise PreviewError("No audio output device: cannot play the preview.")
        played.append(path)
        return f"Playing {Path(path).name}"

    monkeypatch.setattr("engine.library.preview.play_preview", fake_preview)
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
        # said in the status line, never as an error box (no device is not a failure)
        assert messages[0] == "Cannot play the preview: No audio output device: cannot play the " \
            "preview."
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    point = QPointF(float(screen[1][0]), float(screen[1][1]))
    QApplication.sendEvent(panel.map, QMouseEvent(
        QEvent.Type.MouseMove, point, panel.map.mapToGlobal(point), Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert panel.map.hovered == 1
    expected = " – ".join(x for x in (panel.map.points.artists[1], panel.map.points.titles[1]) if x)
    assert expected and panel.map.toolTip() == expected
    panel.colour_by.setCurrentText("cluster")
    idle(qtbot, panel)
    assert all(label.startswith("cluster") for label in panel.map.points.labels)


def test_demo_library_on_first_launch(qtbot, panel: LibraryPanel, segue_home: Path) -> None:
    panel.start_demo_scan()
    idle(qtbot, panel)
    rows = panel.model.rows
    assert len(rows) == 5 and all(r.status == "analysed" for r in rows)
    assert all(r.is_music for r in rows)  # music only, and the detector agrees
    assert "Vibe Ace" in {r.title for r in rows}
    assert (segue_home / ".demo-library-scanned").is_file()
    panel.start_demo_scan()  # second launch: nothing to do
    idle(qtbot, panel)
    assert len(panel.model.rows) == 5


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


def files(widget: LibraryPanel) -> int:
    """Files in the table: its rows and the copies of the same audio folded into them."""
    return sum(1 + len(r.copies) for r in widget.model.rows)


def test_relaunch_twice_on_one_home_and_add_a_folder_each_time(
        qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, segue_home: Path) -> None:
    monkeypatch.setattr("app.panels.library.DEMO_DELAY_MS", 1)  # the demo scan races the start-up
    for launch in range(3):
        folder = tmp_path / f"folder {launch}"
        folder.mkdir()
        shutil.copyfile(CLIPS / "trumpet.ogg", folder / f"take {launch}.ogg")
        runner = JobRunner()
        handed_over = runner.start

        def start_then_preempted(job, lane: str = "engine", handed_over=handed_over) -> None:  # noqa: ANN001
            handed_over(job, lane=lane)
            # the GUI thread loses the GIL right after handing the job over (as in a Qt call):
            # an already-scanned demo library's job finishes meanwhile
            time.sleep(0.3)

        runner.start = start_then_preempted
        widget = LibraryPanel(runner)
        qtbot.addWidget(widget)
        qtbot.waitUntil(lambda w=widget: not w.demo_timer.isActive() and w.scan_job is None
                        and not w.jobs, timeout=WAIT)
        assert widget.add_button.isEnabled() and widget.progress.isHidden()
        before = files(widget)
        scan(qtbot, widget, folder)  # asserts the button is disabled during the scan
        assert files(widget) == before + 1  # the same clip each time: one row, more copies
        assert widget.add_button.isEnabled() and widget.cancel_button.isHidden()
        widget.shutdown()
        runner.shutdown()
    assert (segue_home / ".demo-library-scanned").is_file()


def test_corrupt_library_is_offered_to_be_moved_aside(qtbot, monkeypatch: pytest.MonkeyPatch,
                                                      segue_home: Path, music: Path) -> None:
    monkeypatch.setattr("app.panels.library.DEMO_DELAY_MS", 60_000)
    segue_home.mkdir(parents=True, exist_ok=True)
    db = segue_home / "library.sqlite"
    db.write_bytes(b"not SQLite at all " * 200)
    runner = JobRunner()
    widget = LibraryPanel(runner)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.fresh_offer is not None, timeout=WAIT)
    assert str(db) in widget.fresh_offer.text() and "not a readable library" in \
        widget.fresh_offer.text()
    move = next(b for b in widget.fresh_offer.buttons() if "Move aside" in b.text())
    move.click()
    idle(qtbot, widget)
    kept = list(segue_home.glob("library.sqlite.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"not SQLite at all")
    scan(qtbot, widget, music)
    assert len(widget.model.rows) == 4
    widget.shutdown()
    runner.shutdown()


def test_transport_plays_the_built_playlist_and_space_never_presses_a_button(
        qtbot, panel: LibraryPanel, music: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from engine.library import player

    streams: list[SlowStream] = []

    def stream(**kwargs) -> SlowStream:  # noqa: ANN003
        streams.append(SlowStream(**kwargs))
        return streams[-1]

    device = types.SimpleNamespace(
        query_devices=lambda kind="output": {"max_output_channels": 2,
                                             "default_samplerate": 44100},
        OutputStream=stream)
    monkeypatch.setattr("engine.library.player._sounddevice", lambda: device)
    dialogs: list[str] = []
    monkeypatch.setattr("app.panels.library.QFileDialog.getExistingDirectory",
                        lambda *a, **k: dialogs.append("add folder") or "")
    scan(qtbot, panel, music)
    panel.table.selectRow(0)
    panel.builder.length.setValue(2)
    panel.builder.build_button.click()
    idle(qtbot, panel)
    assert len(panel.transport.queue) == 2 and panel.transport.play_button.isEnabled()

    panel.show()
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.add_button.setFocus()
    qtbot.keyClick(panel.add_button, Qt.Key.Key_Space)
    assert dialogs == []  # the focused button was not pressed
    qtbot.waitUntil(lambda: player.status().state == player.PLAYING and streams
                    and streams[-1].blocks > 2, timeout=WAIT)
    assert panel.transport.state == player.PLAYING
    assert panel.transport.now.text().startswith("Playing 1/2")
    qtbot.keyClick(panel.add_button, Qt.Key.Key_Space)  # pause
    qtbot.waitUntil(lambda: player.status().state == player.PAUSED, timeout=WAIT)
    paused_at = player.status().position
    assert paused_at > 0 and panel.transport.now.text().startswith("Paused 1/2")
    qtbot.keyClick(panel.add_button, Qt.Key.Key_Space)  # resume where it paused
    qtbot.waitUntil(lambda: player.status().state == player.PLAYING, timeout=WAIT)
    resumed = player.status()
    assert resumed.path == panel.transport.queue[0].path and resumed.position >= paused_at
    # the first track plays to its end, then the queue goes on to the second
    qtbot.waitUntil(lambda: panel.transport.index == 1, timeout=WAIT)
    assert panel.transport.now.text().startswith("Playing 2/2")
    panel.transport.stop_button.click()
    assert panel.transport.state == player.STOPPED and panel.transport.index == 0
    qtbot.waitUntil(lambda: player.status().state == player.STOPPED, timeout=WAIT)
    assert dialogs == []


def test_saved_and_imported_playlists_open_rename_delete_export(
        qtbot, panel: LibraryPanel, music: Path, tmp_path: Path) -> None:
    scan(qtbot, panel, music)
    panel.table.selectRow(0)
    panel.builder.length.setValue(2)
    panel.builder.build_button.click()
    idle(qtbot, panel)
    panel.save_built("Morning")
    idle(qtbot, panel)
    exported = tmp_path / "out" / "evening.xspf"
    panel.export_playlist_to(exported)
    idle(qtbot, panel)
    panel.import_playlist_file(exported)
    idle(qtbot, panel)
    names = sorted(p.name for p in panel.saved.playlists)
    assert names == ["Morning", "evening"] and panel.saved.list.count() == 2
    assert panel.side.currentWidget() is panel.saved

    panel.saved.list.setCurrentRow(0)
    chosen = panel.saved.selected_id()
    panel.saved.rename(chosen, "  Night   drive ")
    idle(qtbot, panel)
    assert "Night drive" in [p.name for p in panel.saved.playlists]
    panel.builder.result.clear()
    panel.saved.list.setCurrentRow([p.id for p in panel.saved.playlists].index(chosen))
    panel.saved.open_button.click()
    idle(qtbot, panel)
    assert panel.builder.result.count() == 2 and len(panel.transport.queue) == 2
    again = tmp_path / "again.m3u8"
    panel.saved.export(chosen, again)
    idle(qtbot, panel)
    assert again.read_text(encoding="utf-8").count("\n#EXTINF") == 2
    panel.saved.delete(chosen)
    idle(qtbot, panel)
    assert chosen not in [p.id for p in panel.saved.playlists]
    assert panel.saved.list.count() == 1


def test_file_dialogs_open_in_the_last_folder_used(qtbot, panel: LibraryPanel, music: Path,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def choose(parent, caption, folder):  # noqa: ANN001, ANN202 - the modal dialog's stand-in
        asked.append(folder)
        return str(music)

    monkeypatch.setattr("app.panels.library.QFileDialog.getExistingDirectory", choose)
    panel.open_file()
    idle(qtbot, panel)
    assert asked == [str(Path.home())]  # first time: home
    lists = tmp_path / "my lists"
    lists.mkdir()
    opened: list[str] = []
    monkeypatch.setattr("app.panels.library.QFileDialog.getOpenFileName",
                        lambda parent, caption, folder, kinds: (opened.append(folder) or "", ""))
    panel.choose_playlist_to_import()
    assert opened == [str(music)]  # where the folder dialog ended
    runner = JobRunner()
    again = LibraryPanel(runner)  # a relaunch remembers it too (settings.ini)
    qtbot.addWidget(again)
    again.shutdown()
    runner.shutdown()
    panel.open_file()
    assert asked[-1] == str(music)
    idle(qtbot, panel)
