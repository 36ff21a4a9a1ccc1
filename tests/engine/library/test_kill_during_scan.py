"""Killing the process mid-scan leaves a sound DB, and the next scan resumes where it stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from engine.library.scan.scanner import scan_folder
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS

REPO = Path(__file__).resolve().parents[3]


def start_scan_child(db: Path, folder: Path, batch: int) -> subprocess.Popen:
    """A child process scanning ``folder`` into the library ``db`` in batches of ``batch``,
    printing its progress lines (then FINISHED) on its stdout."""
    script = f"""
import sys
from engine.library.storage.db import Library
from engine.library.scan.scanner import scan_folder
def report(fraction, message):
    print(message, flush=True)
scan_folder(Library(sys.argv[1]), sys.argv[2], progress=report, workers=1, batch={batch})
print("FINISHED", flush=True)
"""
    return subprocess.Popen([sys.executable, "-c", script, str(db), str(folder)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def test_sigkill_mid_scan_then_resume(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(24):
        shutil.copyfile(CLIPS / "trumpet.ogg", folder / f"take {i:02d}.ogg")
    db = tmp_path / "killed.sqlite"
    child = start_scan_child(db, folder, batch=2)
    deadline = time.monotonic() + 60
    try:
        for line in child.stdout:
            if line.startswith("Analysed 6/") or time.monotonic() > deadline:
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    library = Library(db)
    assert library.integrity_check() == "ok"
    with library.transaction() as session:
        done = len(session.scalars(select(m.Track).where(m.Track.status == m.ANALYSED)).all())
        total = len(session.scalars(select(m.Track)).all())
    assert total == 24
    assert 6 <= done < 24

    result = scan_folder(library, folder, workers=1)
    assert result.added == 0
    assert result.resumed == 24 - done
    assert result.analysed == 24 - done
    with library.transaction() as session:
        statuses = set(session.scalars(select(m.Track.status)))
    library.close()
    assert statuses == {m.ANALYSED}
