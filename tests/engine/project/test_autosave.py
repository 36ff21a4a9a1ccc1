"""Autosave sessions: a live session is never offered, a dead one (lock released) is, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.project import autosave
from engine.project.model import Project, project_to_dict
from tests.conftest import REPO


def test_live_sessions_are_left_alone_and_clean_exit_leaves_nothing(tmp_path: Path) -> None:
    first, second = autosave.Session(tmp_path), autosave.Session(tmp_path)
    first.write(project_to_dict(Project()), "/music/a.segue")
    second.write(project_to_dict(Project()), None)
    assert autosave.claim_orphans(tmp_path) == []  # two Segues at once: neither steals
    first.close()
    second.close()
    assert list(autosave.autosave_dir(tmp_path).iterdir()) == []


def test_a_dead_session_is_offered_once_and_can_be_discarded(tmp_path: Path) -> None:
    crashed = autosave.Session(tmp_path)
    project = Project()
    project.lyrics.seed = 77
    crashed.write(project_to_dict(project), "/music/song.segue")
    crashed.abandon()  # what a crash does: the lock goes, the files stay
    orphans = autosave.claim_orphans(tmp_path)
    assert len(orphans) == 1 and orphans[0].project_path == "/music/song.segue"
    assert orphans[0].pid == os.getpid() and orphans[0].read().lyrics.seed == 77
    assert autosave.claim_orphans(tmp_path) == []  # claimed: a second launch does not get it
    orphans[0].release()
    again = autosave.claim_orphans(tmp_path)
    assert len(again) == 1  # released untouched: offered again later
    again[0].discard()
    assert autosave.claim_orphans(tmp_path) == []
    assert list(autosave.autosave_dir(tmp_path).iterdir()) == []


def test_kill_9_releases_the_lock_and_a_reused_pid_cannot_hold_it(tmp_path: Path) -> None:
    code = ("import sys, time; from pathlib import Path; from engine.project import autosave; "
            "from engine.project.model import Project, project_to_dict; "
            "s = autosave.Session(Path(sys.argv[1])); s.write(project_to_dict(Project()), None); "
            "print('ready', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert child.stdout.readline().strip() == "ready"
        assert autosave.claim_orphans(tmp_path) == []  # alive: not an orphan
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    deadline = time.monotonic() + 10
    orphans: list = []
    while not orphans and time.monotonic() < deadline:
        orphans = autosave.claim_orphans(tmp_path)
    assert len(orphans) == 1 and orphans[0].pid == child.pid
    orphans[0].discard()


def test_a_lock_without_autosave_is_cleaned_up(tmp_path: Path) -> None:
    session = autosave.Session(tmp_path)
    session.abandon()  # crashed before its first autosave
    assert autosave.claim_orphans(tmp_path) == []
    assert not session.lock_path.exists()
