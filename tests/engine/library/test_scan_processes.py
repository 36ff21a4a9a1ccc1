"""Scan processes: one scan per library at a time, and no analysis worker outlives a killed scan."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main
from engine.library.scan.lock import scan_lock
from engine.library.service import scan
from engine.library.storage.errors import ScanRunning

from .conftest import CLIPS

REPO = Path(__file__).resolve().parents[3]
CHILD = """
import sys
from engine.library.service import scan
def report(fraction, message):
    print(message, flush=True)
scan(sys.argv[1], progress=report, workers=2)
print("FINISHED", flush=True)
"""


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_second_scan_is_refused_while_the_lock_is_held(segue_home: Path, music: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = segue_home / "library.sqlite"
    with scan_lock(db):
        with pytest.raises(ScanRunning, match=f"already running \\(process {os.getpid()}\\)"):
            scan(music, workers=1)
        assert main(["library", "scan", str(music)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "already running" in err and str(db) in err
    assert scan(music, workers=1).added == 4  # released: the next scan runs


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_a_scan_leaves_no_worker_and_no_stale_lock(segue_home: Path,
                                                               tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        shutil.copyfile(CLIPS / "vibeace.ogg", folder / f"take {i:02d}.ogg")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], cwd=REPO,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        for line in child.stdout:
            workers = {p for p in children_of(child.pid) if alive(p)}
            if line.startswith("Analysed 2/") or time.monotonic() > deadline:
                break
        with pytest.raises(ScanRunning):  # a second scan while the first runs
            scan(folder, workers=1)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert len(workers) >= 2, "the scan ran its pool"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if alive(p)], "analysis workers outlived the scan"
    with scan_lock(segue_home / "library.sqlite"):  # the dead scan's lock is not stale
        pass
