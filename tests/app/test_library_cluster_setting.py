"""The Library setting "Cluster…": the panel's scans analyse on that Dask scheduler."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from app.jobs import JobRunner
from app.panels.library import LibraryPanel
from app.widgets import library_dialogs as dialogs
from engine.errors import UserFacingError

CLIPS = Path(__file__).resolve().parents[1] / "data" / "library"
WAIT = 60_000


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


def test_scans_use_the_cluster_in_the_settings(qtbot, panel: LibraryPanel, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("trumpet.ogg", "vibeace.ogg"):
        shutil.copyfile(CLIPS / name, folder / name)
    with pytest.raises(UserFacingError, match="not a Dask scheduler address"):
        dialogs.set_cluster_address("no port here")
    assert dialogs.cluster_address() == ""
    cluster = LocalCluster(n_workers=1, processes=False, threads_per_worker=1, protocol="tcp",
                           dashboard_address=None, silence_logs=50)
    try:
        assert dialogs.set_cluster_address(cluster.scheduler_address.removeprefix("tcp://")) \
            == cluster.scheduler_address
        job = panel.add_folder(folder)
        qtbot.waitUntil(lambda: job.done and panel.scan_job is None and not panel.jobs,
                        timeout=WAIT)
        assert "analyse_remote" in cluster.scheduler.task_prefixes
    finally:
        cluster.close()
    assert panel.model.rowCount() == 2
    dialogs.set_cluster_address("")
    assert dialogs.cluster_address() == ""
