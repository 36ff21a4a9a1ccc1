"""Cluster scans send files in chunks (one task per chunk); a chunk that kills its workers is split
so only the guilty file is skipped (issue 28, "A writer that keeps up")."""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from distributed import LocalCluster
from sqlalchemy import select

from engine.library.scan.cluster import CHUNK_MAX, ClusterAnalysis, _take, chunk_size
from engine.library.scan.scanner import scan_folder
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS


def test_chunk_size_keeps_small_scans_parallel_and_caps_big_ones() -> None:
    assert chunk_size(14, 4) == 1  # a small scan: one file per task, every slot busy
    assert chunk_size(100, 4) == 12
    assert chunk_size(200_000, 400) == CHUNK_MAX == 16
    assert chunk_size(0, 0) == 1


def test_take_stops_at_files_sent_as_bytes_and_at_files_alone() -> None:
    queue = deque([("a", False), ("b", False), ("c", True), ("d", False), ("e", False)])
    assert _take(queue, 16, set()) == ["a", "b"]
    queue.popleft()  # "c" goes as bytes, on its own
    assert _take(queue, 16, {"e"}) == ["d"]
    assert _take(queue, 16, {"e"}) == ["e"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    local = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                         dashboard_address=None, silence_logs=50)
    yield local
    local.close()


def test_a_chunk_that_kills_two_workers_is_split_and_only_its_culprit_skipped(
        cluster: LocalCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "chunks"
    folder.mkdir()
    names = ["a.ogg", "b.ogg", "poison.ogg", "d.ogg", "e.ogg", "f.ogg"]
    for name in names:
        shutil.copyfile(CLIPS / "trumpet.ogg", folder / name)
    submitted: list[list[str]] = []
    real_submit = ClusterAnalysis._submit

    def submit(self: ClusterAnalysis, paths: list[str]) -> object:
        submitted.append([os.path.basename(p) for p in paths])
        if any(p.endswith("poison.ogg") for p in paths):  # as a segfaulting decoder would
            return self.client.submit(os._exit, 70, pure=False)
        return real_submit(self, paths)

    monkeypatch.setattr(ClusterAnalysis, "_submit", submit)
    monkeypatch.setattr("engine.library.scan.cluster.chunk_size", lambda files, slots: 3)
    db = tmp_path / "chunks.sqlite"
    with ClusterAnalysis(cluster.scheduler_address) as backend:
        result = scan_folder(Library(db), folder, backend=backend)
    assert result.analysed == 6
    assert submitted[:2] == [["a.ogg", "b.ogg", "d.ogg"], ["e.ogg", "f.ogg", "poison.ogg"]]
    for alone in ("e.ogg", "f.ogg", "poison.ogg"):  # each alone after its chunk lost two workers
        assert [alone] in submitted
    with Library(db) as library, library.transaction() as session:
        rows = {os.path.basename(t.path): (t.status, t.skip_reason)
                for t in session.scalars(select(m.Track))}
    assert rows.pop("poison.ogg") == (m.SKIPPED, "crashed an analysis worker 2 times (cluster)")
    assert set(rows.values()) == {(m.ANALYSED, "")}


def test_a_failed_chunk_asks_for_its_files_one_by_one(cluster: LocalCluster) -> None:
    with ClusterAnalysis(cluster.scheduler_address) as backend:
        backend.limit_failures()
        crash = backend.client.submit(os._exit, 70, pure=False)
        assert backend._result(crash, ["/music/a.ogg", "/music/b.ogg"], distributed) is None
