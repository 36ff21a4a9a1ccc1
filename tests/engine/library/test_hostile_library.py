"""Issue 14, the library's part: odd names, moved files, injected lines, broken files, caps, locks.

Every case uses real files (a non-UTF-8 name made with ``os.fsencode``, a truncated database,
/dev/zero, a read-only bind mount and a full tmpfs where the kernel lets us) and the real CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.library.playlists.files import Entry, read_playlist, write_playlist
from engine.library.scan.scanner import ScanResult, analyse_pending, reconcile, scan_folder
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS

REPO = Path(__file__).resolve().parents[3]


def one_error_line(capsys: pytest.CaptureFixture[str], code: int, *names: str) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("segue: error: ")
    for name in names:
        assert name in err, err
    return err


def test_non_utf8_file_name_is_scanned_listed_and_exported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9 \xff.ogg"  # Latin-1 name from an old USB stick
    shutil.copyfile(CLIPS / "trumpet.ogg", raw)
    shutil.copyfile(CLIPS / "vibeace.ogg", folder / "vibe.ogg")
    assert main(["library", "scan", str(folder), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    with Library() as library, library.transaction() as session:
        paths = sorted(session.scalars(select(m.Track.path)))
        statuses = set(session.scalars(select(m.Track.status)))
    assert statuses == {m.ANALYSED}
    assert os.fsdecode(raw) in paths and os.path.exists(os.fsencode(paths[0]))  # lossless

    assert main(["library", "list"]) == 0
    out = capsys.readouterr().out
    assert "caf\ufffd \ufffd.ogg" in out  # shown with replacement characters

    target = tmp_path / "lists" / "mix.m3u8"
    assert main(["playlist", "--seed", "vibe.ogg", "--length", "1", "--out", str(target)]) == 0
    assert "caf\ufffd" in capsys.readouterr().out
    target.read_text(encoding="utf-8")  # still UTF-8
    assert [e.path for e in read_playlist(target)] == [os.fsdecode(raw)]
    xspf = write_playlist(tmp_path / "mix.xspf", [Entry(os.fsdecode(raw), "t")])
    assert [e.path for e in read_playlist(xspf)] == [os.fsdecode(raw)]


def test_file_moved_during_a_scan_is_analysed_by_the_next(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIPS / "trumpet.ogg", folder / "a.ogg")
    reconcile(library, folder, ScanResult())
    (folder / "a.ogg").rename(folder / "b.ogg")  # moved between reconcile and analysis
    analyse_pending(library, folder, ScanResult(), workers=1)
    result = scan_folder(library, folder, workers=1)
    assert result.moved == 1 and result.analysed == 1 and result.skipped == []
    with library.transaction() as session:
        track = session.scalars(select(m.Track)).one()
    assert (Path(track.path).name, track.status) == ("b.ogg", m.ANALYSED)


def test_skipped_row_that_moves_is_retried(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIPS / "trumpet.ogg", folder / "a.ogg")
    scan_folder(library, folder, workers=1)
    with library.transaction() as session:  # what older Segue left behind
        track = session.scalars(select(m.Track)).one()
        track.status, track.skip_reason = m.SKIPPED, "cannot read: No such file or directory"
    assert scan_folder(library, folder, workers=1).analysed == 1  # same size and mtime: retried
    with library.transaction() as session:
        session.scalars(select(m.Track)).one().status = m.SKIPPED
    (folder / "a.ogg").rename(folder / "c.ogg")
    result = scan_folder(library, folder, workers=1)
    assert result.moved == 1 and result.analysed == 1 and result.skipped == []


def test_m3u8_never_writes_a_name_with_a_newline_as_extra_entries(tmp_path: Path) -> None:
    evil = str(tmp_path / "music" / "a\n#EXTINF:1,Injected\nhttp://example.invalid/x.ogg")
    target = write_playlist(tmp_path / "list.m3u8",
                            [Entry(evil, "Title\nhttp://bad", "Artist\r\n#EXT", 10.0)])
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0] == "#EXTM3U"
    assert lines[1] == "#EXTINF:10,Artist  #EXT - Title http://bad"
    assert lines[2].startswith("file://") and "\n" not in lines[2]
    assert [e.path for e in read_playlist(target)] == [evil]


def test_library_commands_give_one_line_naming_the_file(
        tmp_path: Path, segue_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIPS / "trumpet.ogg", folder / "t.ogg")
    assert main(["library", "scan", str(folder), "--workers", "1"]) == 0
    capsys.readouterr()
    seed = ["playlist", "--seed", "t.ogg", "--include-seeds", "--length", "1", "--out"]
    one_error_line(capsys, main([*seed, str(tmp_path)]), str(tmp_path), "folder")
    one_error_line(capsys, main([*seed, "/proc/no/such/list.m3u8"]), "/proc/no/such/list.m3u8")
    for bad in (tmp_path / "none.m3u8", tmp_path, Path("/dev/zero")):
        one_error_line(capsys, main(["library", "import", str(bad)]), str(bad))
    malformed = tmp_path / "bad.xspf"
    malformed.write_text("<playlist><trackList><track>", encoding="utf-8")
    one_error_line(capsys, main(["library", "import", str(malformed)]), str(malformed), "XSPF")
    big = tmp_path / "huge.m3u"
    with open(big, "wb") as handle:
        handle.truncate(64 * 1024**2)  # sparse: 64 MB of NULs
    one_error_line(capsys, main(["library", "import", str(big)]), str(big), "too big")
    with pytest.raises(SystemExit) as stop:
        main(["library", "scan", str(folder), "--workers", "500"])
    assert stop.value.code == 2 and "CPU count" in capsys.readouterr().err

    db = segue_home / "library.sqlite"
    good = db.read_bytes()
    db.write_bytes(good[: len(good) // 3])  # truncated
    one_error_line(capsys, main(["library", "list"]), str(db), "not a readable library")
    db.write_bytes(b"this is not SQLite" * 100)  # corrupt
    one_error_line(capsys, main(["library", "scan", str(folder)]), str(db))


def _unshared(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "SEGUE_HOME": str(home)})


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        done = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs a private mount namespace (unshare -m)")
def test_read_only_and_full_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIPS / "trumpet.ogg", folder / "t.ogg")
    os.environ["SEGUE_HOME"] = str(home)
    assert main(["library", "scan", str(folder), "--workers", "1"]) == 0
    capsys.readouterr()
    cli = f"{sys.executable} -m engine.cli"
    done = _unshared(f"mount --bind -o ro '{home}' '{home}' && {cli} library scan '{folder}'",
                     home)
    err = [line for line in done.stderr.splitlines() if "WARNING" not in line]
    assert done.returncode == 2 and len(err) == 1 and str(home) in err[0], done.stderr
    shutil.copyfile(CLIPS / "vibeace.ogg", folder / "v.ogg")
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    full = (f"mount -t tmpfs -o size=1m none '{home}' && cp -a '{copy}'/. '{home}'/ && "
            f"head -c 3000000 /dev/zero > '{home}/pad' 2>/dev/null; "
            f"{cli} library scan '{folder}'")
    done = _unshared(full, home)
    err = [line for line in done.stderr.splitlines() if "WARNING" not in line]
    assert done.returncode == 2 and len(err) == 1 and "full" in err[0], done.stderr
