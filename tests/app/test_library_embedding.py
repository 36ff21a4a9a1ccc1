"""pytest-qt: the playlist builder's embedding setting, "more like" steering and cluster rule."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.jobs import JobRunner
from app.panels.library import LibraryPanel
from app.widgets.library_playlist import PlaylistBuilder
from engine.library.embeddings.choices import DEFAULT, in_use

CLIPS = Path(__file__).resolve().parents[1] / "data" / "library"
WAIT = 60_000


def test_embedding_setting_persists_and_the_cli_reads_it(qtbot) -> None:
    builder = PlaylistBuilder()
    qtbot.addWidget(builder)
    controls = builder.similarity
    assert controls.current_embedding() == DEFAULT and in_use() == DEFAULT
    controls.embedding.setCurrentIndex(controls.embedding.findData("spectrogram"))
    assert in_use() == "spectrogram"  # what `segue playlist` uses without --embedding
    again = PlaylistBuilder()
    qtbot.addWidget(again)
    assert again.similarity.current_embedding() == "spectrogram"

    assert not controls.alpha.isEnabled()
    controls.more_like.setText("Vibe Ace")
    assert controls.alpha.isEnabled()
    controls.alpha.setValue(0.8)
    controls.same_cluster.setChecked(True)
    rules = builder.rules()
    assert (rules.embedding, rules.steer_to, rules.steer_alpha, rules.same_cluster) == (
        "spectrogram", "Vibe Ace", pytest.approx(0.8), True)
    controls.more_like.clear()
    assert builder.rules().steer_to is None and not controls.alpha.isEnabled()


@pytest.fixture()
def panel(qtbot, monkeypatch: pytest.MonkeyPatch) -> Iterator[LibraryPanel]:
    monkeypatch.setattr("app.panels.library.DEMO_DELAY_MS", 60_000)
    runner = JobRunner()
    widget = LibraryPanel(runner)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: not widget.first_load.isActive() and not widget.jobs, timeout=WAIT)
    yield widget
    widget.shutdown()
    runner.shutdown()


def test_panel_builds_a_steered_playlist_in_the_spectrogram_space(qtbot, panel: LibraryPanel,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("trumpet.ogg", "vibeace.ogg", "robin.ogg"):
        shutil.copyfile(CLIPS / name, folder / name)
    job = panel.add_folder(folder)
    qtbot.waitUntil(lambda: job.done, timeout=WAIT)
    qtbot.waitUntil(lambda: not panel.jobs and panel.model.rowCount() == 3, timeout=WAIT)
    row = next(i for i in range(3) if panel.model.track(i).path.endswith("robin.ogg"))
    panel.table.selectRow(row)
    builder = panel.builder
    builder.similarity.embedding.setCurrentIndex(builder.similarity.embedding.findData(
        "spectrogram"))
    builder.similarity.more_like.setText("trumpet.ogg")
    builder.similarity.alpha.setValue(1.0)
    builder.non_music.setChecked(True)  # the robin may pass for non-music: keep it simple
    builder.length.setValue(2)
    builder.build_button.click()
    qtbot.waitUntil(lambda: not panel.jobs and bool(builder.items), timeout=WAIT)
    assert builder.items[0].path.endswith("trumpet.ogg")  # alpha 1: the query is B itself
    assert builder.items[0].distance == pytest.approx(0.0, abs=1e-2)
