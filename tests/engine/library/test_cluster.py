"""Scan analysis on a real Dask LocalCluster (2 worker processes): same results, faults, cancel."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from distributed import Client, LocalCluster
from sqlalchemy import select

from engine.cli import main
from engine.jobs import Cancelled
from engine.library.scan.cluster import ClusterAnalysis, ClusterLost, analyse_remote
from engine.library.scan.scanner import scan_folder
from engine.library.service import scan
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS


def start_cluster(workers: int = 2) -> LocalCluster:
    return LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                        dashboard_address=None, silence_logs=50)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    local = start_cluster()
    yield local
    local.close()


def copies(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        shutil.copyfile(CLIPS / "trumpet.ogg", folder / f"take {i:02d}.ogg")
    return folder


def snapshot(db: Path) -> dict[str, tuple]:
    """Everything a scan stores per track (row fields, feature vector, embedding)."""
    library = Library(db)
    with library.transaction() as session:
        out = {}
        for track in session.scalars(select(m.Track)):
            feature = session.get(m.Feature, track.id)
            embedding = session.get(m.Embedding, track.id)
            out[os.path.basename(track.path)] = (
                track.status, track.skip_reason, track.title, track.artist, track.duration,
                track.tempo, track.music_score, track.fingerprint,
                feature.vector if feature else None, embedding.vector if embedding else None)
    library.close()
    return out


def statuses(db: Path) -> list[str]:
    library = Library(db)
    with library.transaction() as session:
        found = [t.status for t in session.scalars(select(m.Track))]
    assert library.integrity_check() == "ok"
    library.close()
    return found


def test_cluster_scan_stores_what_a_local_scan_stores(cluster: LocalCluster, music: Path,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (music / "broken.flac").write_bytes(b"fLaC garbage")
    monkeypatch.setattr("engine.library.scan.scanner.SMALL_SCAN", 1)  # the local pool, as big scans
    scan(music, library_path=tmp_path / "local.sqlite", workers=2)
    scan(music, library_path=tmp_path / "shared.sqlite", cluster=cluster.scheduler_address)
    with ClusterAnalysis(cluster.scheduler_address, send_audio=True) as backend:
        scan_folder(Library(tmp_path / "sent.sqlite"), music, backend=backend)  # no embeddings
    local = snapshot(tmp_path / "local.sqlite")
    assert len(local) == 5 and local["broken.flac"][0] == m.SKIPPED
    assert sum(row[0] == m.ANALYSED and row[9] is not None for row in local.values()) == 4
    assert snapshot(tmp_path / "shared.sqlite") == local
    assert {k: v[:9] for k, v in snapshot(tmp_path / "sent.sqlite").items()} == \
        {k: v[:9] for k, v in local.items()}


def test_a_worker_that_cannot_see_the_file_asks_for_its_bytes(tmp_path: Path) -> None:
    clip = tmp_path / "vibe ace.ogg"
    shutil.copyfile(CLIPS / "vibeace.ogg", clip)
    assert analyse_remote(str(tmp_path / "elsewhere.ogg"), 10) == {
        "path": str(tmp_path / "elsewhere.ogg"), "need_bytes": True}
    assert analyse_remote(str(clip), clip.stat().st_size + 1)["need_bytes"]  # another file
    sent = analyse_remote("/nowhere/vibe ace.ogg", -1, clip.read_bytes())
    here = analyse_remote(str(clip), clip.stat().st_size)
    assert sent["path"] == "/nowhere/vibe ace.ogg"
    measured = ("path", "tag_seconds")  # where it ran and how long the tagger took
    assert {k: v for k, v in sent.items() if k not in measured} == \
        {k: v for k, v in here.items() if k not in measured}


def test_worker_killed_mid_scan_loses_nothing(cluster: LocalCluster, tmp_path: Path) -> None:
    folder = copies(tmp_path / "many", 14)
    db = tmp_path / "killed.sqlite"
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
    killed: list[int] = []

    def report(fraction: float, message: str) -> None:
        if message.startswith("Analysed 2/") and not killed:
            victim = max(pids.values())
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    with ClusterAnalysis(cluster.scheduler_address) as backend:
        result = scan_folder(Library(db), folder, report, backend=backend)
    assert killed and result.analysed == 14 and not result.skipped
    assert statuses(db) == [m.ANALYSED] * 14


def test_cancel_stops_cluster_work_within_a_second(cluster: LocalCluster, tmp_path: Path) -> None:
    folder = copies(tmp_path / "cancelled", 14)
    db = tmp_path / "cancelled.sqlite"
    asked: list[float] = []

    def report(fraction: float, message: str) -> None:
        if message.startswith("Analysed 2/") and not asked:
            asked.append(time.monotonic())

    with ClusterAnalysis(cluster.scheduler_address) as backend, pytest.raises(Cancelled):
        scan_folder(Library(db), folder, report, cancelled=lambda: bool(asked), backend=backend)
    assert time.monotonic() - asked[0] < 1.0
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        deadline = asked[0] + 1.0
        while client.processing() and any(client.processing().values()) \
                and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        assert time.monotonic() < deadline, client.processing()
    done = statuses(db)
    assert 2 <= done.count(m.ANALYSED) < 14 and done.count(m.PENDING) == 14 - done.count(m.ANALYSED)


def test_a_file_that_kills_its_worker_twice_is_skipped_with_the_reason(
        cluster: LocalCluster) -> None:
    with ClusterAnalysis(cluster.scheduler_address) as backend:
        backend.limit_failures()
        crash = backend.client.submit(os._exit, 70, pure=False)  # as a segfaulting decoder would
        item = backend._result(crash, "/music/poison.ogg", distributed)
    assert item == {"path": "/music/poison.ogg",
                    "reason": "crashed an analysis worker 2 times (cluster)"}


def test_cluster_check_reports_workers_and_what_they_see(
        cluster: LocalCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=30)  # the ones killed above are back
    code = main(["library", "cluster-check", cluster.scheduler_address, "--folder", str(tmp_path),
                 "--folder", str(tmp_path / "absent"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and len(report["workers"]) == 2 and report["threads"] == 2
    assert report["folders"] == {str(tmp_path): 2, str(tmp_path / "absent"): 0}
    assert all(w["memory_mb"] > 0 and w["ok"] for w in report["workers"])


def test_scheduler_gone_mid_scan_keeps_results_and_the_next_scan_resumes(tmp_path: Path) -> None:
    folder = copies(tmp_path / "lost", 14)
    db = tmp_path / "lost.sqlite"
    doomed = start_cluster(1)

    def report(fraction: float, message: str) -> None:
        if message.startswith("Analysed 3/"):
            doomed.close()

    try:
        with ClusterAnalysis(doomed.scheduler_address) as backend, pytest.raises(ClusterLost):
            scan_folder(Library(db), folder, report, batch=2, backend=backend)
    finally:
        doomed.close()
    done = statuses(db)
    assert 2 <= done.count(m.ANALYSED) < 14 and done.count(m.PENDING) == 14 - done.count(m.ANALYSED)
    result = scan_folder(Library(db), folder, workers=1)
    assert result.resumed == done.count(m.PENDING) and result.analysed == result.resumed
    assert statuses(db) == [m.ANALYSED] * 14
