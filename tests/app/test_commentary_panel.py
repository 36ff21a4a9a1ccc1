"""pytest-qt drives the Commentary panel offscreen with tiny models and a real library DB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from app.jobs import JobRunner
from app.panels.commentary import CommentaryPanel
from engine.library.storage import models as m
from engine.library.storage.db import Library
from tests.app.jobwait import wait_job
from tests.commentary_models import tiny_models

WAIT = 60_000


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models(tmp_path_factory.mktemp("tiny-commentary"))


def _open(qtbot, runner: JobRunner, models: Path) -> CommentaryPanel:
    widget = CommentaryPanel(runner, models=models)
    qtbot.addWidget(widget)
    assert widget.tags.vocabulary() == []  # nothing loads before the panel is shown
    widget.show()
    qtbot.waitUntil(lambda: len(widget.tags.vocabulary()) > 0, timeout=WAIT)
    return widget


@pytest.fixture()
def runner() -> Iterator[JobRunner]:
    jobs = JobRunner()
    yield jobs
    jobs.shutdown()


def _wait(qtbot, job) -> None:
    wait_job(qtbot, job, timeout=WAIT)


def test_tags_to_samples_and_favourite_listed_after_reopening(qtbot, runner, models: Path,
                                                              tmp_path: Path) -> None:
    panel = _open(qtbot, runner, models)
    assert "steers toward" in panel.topic_label.text()
    tag = panel.tags.vocabulary()[0]
    panel.tags.setText(f"{tag}, xqzzy")
    panel.count.setValue(4)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    _wait(qtbot, panel.generate())
    assert panel.table.rowCount() == 4
    assert all(panel.table.item(r, c).text() for r in range(4) for c in range(2))
    assert any("Not understood: xqzzy" in msg for msg in messages)
    assert panel.understood.unknown() == ["xqzzy"]
    first = list(panel.table.pairs)

    panel.table.setCurrentCell(1, 1)
    _wait(qtbot, panel.regenerate_selected())
    assert panel.table.pairs[0] == first[0] and panel.table.pairs[1] != first[1]
    panel.undo_stack.undo()
    assert panel.table.pairs == first

    panel.table.clearSelection()
    panel.table.setRangeSelected(_range(0, 0), True)
    panel.table.setRangeSelected(_range(3, 3), True)
    assert panel.table.selected_rows() == [0, 3]
    _wait(qtbot, panel.interpolate_selected())
    assert panel.table.rowCount() == 6 and panel.table.pairs[0].vae == first[0].vae
    assert panel.table.pairs[-1].vae == first[3].vae

    panel.table.clearSelection()
    panel.table.setCurrentCell(5, 1)
    kept = panel.table.item(5, 1).text()
    _wait(qtbot, panel.keep_selected())
    qtbot.waitUntil(lambda: panel.favourites.count() == 1, timeout=WAIT)
    panel.copy()
    assert QGuiApplication.clipboard().text() == kept
    out = panel.export_to(tmp_path / "c.txt")
    assert kept in out.read_text(encoding="utf-8")
    state = panel.project_state()
    panel.shutdown()

    again = _open(qtbot, runner, models)
    qtbot.waitUntil(lambda: again.favourites.count() == 1, timeout=WAIT)
    assert again.favourites.item(0).text() == kept
    assert [s["text"] for s in state["samples"] if s.get("kept")] == [kept]
    assert again.apply_project_state(state) == []
    assert again.table.pairs == panel.table.pairs and again.tags.tags() == panel.tags.tags()
    assert again.kept == [kept] and again.project_state() == state
    assert again.apply_project_state({"tags": [], "samples": [{"odd": 1}]}) == [
        "commentary.samples[0]: not a sample, skipped"]


def _range(top: int, bottom: int):  # noqa: ANN202 - a QTableWidgetSelectionRange
    from PySide6.QtWidgets import QTableWidgetSelectionRange

    return QTableWidgetSelectionRange(top, 0, bottom, 0)


def test_track_tags_are_derived_and_editable(qtbot, runner, models: Path) -> None:
    from engine.commentary.service import load_commentator

    vocab = load_commentator(models).tag_vocabulary
    genre = "rock" if "rock" in vocab else vocab[0]
    with Library() as library, library.transaction() as session:  # before the panel reads it
        session.add(m.Track(path="/m/x.ogg", title="X", artist="Y", genre=genre, status=m.PENDING))
    panel = _open(qtbot, runner, models)
    qtbot.waitUntil(lambda: panel.track.count() == 2, timeout=WAIT)
    assert panel.track.itemText(1) == "Y – X"
    panel.track.setCurrentIndex(1)
    _wait(qtbot, panel.derive())
    assert panel.tags.tags() == [genre]
    assert "the genre tag (not analysed yet)" in panel.derived_label.text()
    assert panel.derived.isVisibleTo(panel) and panel.derived.checked_tags() == [genre]
    assert f"genre '{genre}'" in panel.derived.item(0).text()
    panel.derived.item(0).setCheckState(Qt.CheckState.Unchecked)  # drop a derived tag…
    assert panel.tags.tags() == []
    panel.derived.item(0).setCheckState(Qt.CheckState.Checked)    # …and take it back
    assert panel.tags.tags() == [genre]
    panel.tags.setText(panel.tags.text() + ", " + vocab[1][:2])  # the user types more
    panel.tags.insert_completion(vocab[1])
    assert panel.tags.tags() == [genre, vocab[1]]


def test_a_broken_model_folder_is_reported_not_fatal(qtbot, runner, tmp_path: Path) -> None:
    panel = CommentaryPanel(runner, models=tmp_path)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: "could not load" in panel.topic_label.text(), timeout=WAIT)
    assert "cvae.pt" in panel.topic_label.text()
    panel.tags.setText("rock")
    job = panel.generate()
    _wait(qtbot, job)
    qtbot.waitUntil(panel.generate_button.isEnabled, timeout=WAIT)  # re-enabled by a queued slot
    assert panel.table.rowCount() == 0


def test_a_tag_without_completions_leaves_generate_clickable(qtbot, runner, models: Path) -> None:
    """An empty completion popup used to cover Generate and swallow its first click."""
    panel = _open(qtbot, runner, models)
    panel.activateWindow()
    panel.tags.setFocus()
    fragment = panel.tags.vocabulary()[0][:2]
    QTest.keyClicks(panel.tags, fragment)
    assert panel.tags.popup_visible()  # completions for the fragment
    QTest.keyClicks(panel.tags, "xq")   # now nothing matches
    assert not panel.tags.popup_visible()
    clicked: list[bool] = []
    panel.generate_button.clicked.connect(lambda: clicked.append(True))
    window = panel.window().windowHandle()
    where = panel.generate_button.mapTo(panel.window(), panel.generate_button.rect().center())
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
    assert clicked == [True]  # the first click reaches the button
    qtbot.waitUntil(lambda: panel.table.rowCount() == panel.count.value(), timeout=WAIT)


def test_a_click_on_generate_while_completions_show_is_not_swallowed(qtbot, runner,
                                                                      models: Path) -> None:
    """Tried under Xvfb: with completions open, the first click on Generate only closed them."""
    panel = _open(qtbot, runner, models)
    panel.activateWindow()
    panel.tags.setFocus()
    QTest.keyClicks(panel.tags, panel.tags.vocabulary()[0][:2])
    assert panel.tags.popup_visible()  # a real popup with completions is open
    clicked: list[bool] = []
    panel.generate_button.clicked.connect(lambda: clicked.append(True))
    window = panel.window().windowHandle()
    where = panel.generate_button.mapTo(panel.window(), panel.generate_button.rect().center())
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
    qtbot.waitUntil(lambda: clicked == [True], timeout=5_000)  # the one click generates
    assert not panel.tags.popup_visible()
    qtbot.waitUntil(lambda: panel.table.rowCount() == panel.count.value(), timeout=WAIT)


def test_typed_tags_are_shown_as_understood(qtbot, runner, models: Path) -> None:
    panel = _open(qtbot, runner, models)
    tag = panel.tags.vocabulary()[0]
    panel.tags.setText(f"{tag.upper()}, xqzzy")
    qtbot.waitUntil(lambda: len(panel.understood.items) == 2, timeout=WAIT)
    assert [i["status"] for i in panel.understood.items] == ["known", "unknown"]
    assert "xqzzy: not understood" in panel.understood.text()
    panel.tags.setText("")
    qtbot.waitUntil(lambda: panel.understood.items == [], timeout=WAIT)
