"""A music folder holding things that are not files (issue 26, item 3).

A FIFO named ``a.flac`` used to hang ``segue library scan`` for ever (the quick content hash
opened it and waited for a writer), holding the scan lock so that every later scan was refused.
Only regular files are opened now: the others are skipped, from their ``stat`` alone, with the
reason in the scan report. Each scan runs in a real process with a deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "tests" / "data" / "library" / "trumpet.ogg"
DEADLINE = 180.0  # seconds; a scan of one short clip takes a few (more on a loaded machine)


def scan(folder: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``segue library scan FOLDER`` in a child process, killed (test failed) at the deadline."""
    env = {**os.environ, "SEGUE_HOME": str(home), "PYTHONPATH": str(REPO)}
    try:
        return subprocess.run([sys.executable, "-m", "engine.cli", "library", "scan", str(folder),
                               "--workers", "1", *extra], cwd=REPO, env=env, text=True,
                              capture_output=True, timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scan of {folder} did not finish within {DEADLINE:.0f} s")


@pytest.fixture
def hostile_music(tmp_path: Path) -> Path:
    """A real clip beside a FIFO named like audio and a link to a device named like audio."""
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIP, folder / "real.ogg")
    os.mkfifo(folder / "a.flac")
    (folder / "zero.mp3").symlink_to("/dev/zero")  # a device behind a link: never read
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_device_are_skipped_and_the_next_scan_runs(hostile_music: Path,
                                                           tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = scan(hostile_music, home, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["added"] == 1 and report["analysed"] == 1
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(reasons) == {"a.flac", "zero.mp3"}
    assert reasons["a.flac"].startswith("not a regular file (a FIFO")
    assert reasons["zero.mp3"].startswith("not a regular file (a character device")

    second = scan(hostile_music, home)  # the lock was released; the FIFO is still not opened
    assert second.returncode == 0, second.stderr
    assert "0 added" in second.stdout and "2 skipped" in second.stdout
    assert "skipped" in second.stdout and "a.flac: not a regular file (a FIFO" in second.stdout


def test_a_regular_file_that_replaces_the_fifo_is_analysed(hostile_music: Path,
                                                          tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert scan(hostile_music, home, "--json").returncode == 0
    (hostile_music / "a.flac").unlink()
    (hostile_music / "zero.mp3").unlink()
    shutil.copyfile(CLIP, hostile_music / "a.flac")
    again = scan(hostile_music, home, "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["updated"] == 1 and report["analysed"] == 1 and report["skipped"] == []


def test_analyse_one_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    """A file replaced by a FIFO between the reconcile and its analysis is not opened either."""
    import threading

    from engine.library.analysis.track import analyse_one

    fifo = tmp_path / "late.ogg"
    os.mkfifo(fifo)
    answer: list[dict[str, object]] = []
    worker = threading.Thread(target=lambda: answer.append(analyse_one(str(fifo))), daemon=True)
    worker.start()
    worker.join(10.0)
    if worker.is_alive():  # it opened the FIFO and waits for a writer: be one, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10.0)
        pytest.fail("analyse_one opened a FIFO and blocked")
    assert str(answer[0]["reason"]).startswith("not a regular file (a FIFO")
