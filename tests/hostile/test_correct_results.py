"""Hostile inputs that deserve a correct result, not an error (issue 14).

A symlinked or dangling output, tunes named in any script or with undecodable bytes, a folder of
junk beside good tunes, lyrics beyond Latin-1 sung into a MIDI file, a Unicode artist name: each
must work, with exit 0 (or 1 for "nothing importable", with the reasons), and no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import mido
import pytest

from tests.hostile import corpus
from tests.hostile.test_cli_hostile import run_cli


@pytest.fixture
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from tests.engine.lyrics.helpers import make_assets

    folder = make_assets(tmp_path)
    monkeypatch.setenv("SEGUE_ASSETS", str(folder))
    return folder


def _ok(argv: list[str], code: int = 0) -> tuple[str, str]:
    got, out, err = run_cli(argv)
    assert "Traceback" not in err and "internal error" not in err
    assert got == code, err
    return out, err


def test_compose_writes_through_a_symlink(tiny_model: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.mid"
    real.write_bytes(b"old export")
    link = tmp_path / "link.mid"
    link.symlink_to(real)
    _ok(["compose", "--segments", "2", "--out", str(link)])
    assert link.is_symlink() and mido.MidiFile(real).tracks


def test_compose_to_a_dangling_symlink_creates_its_target(tiny_model: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.mid"
    link.symlink_to(tmp_path / "target.mid")
    _ok(["compose", "--segments", "2", "--out", str(link)])
    assert link.is_symlink() and mido.MidiFile(tmp_path / "target.mid").tracks


def test_import_and_compose_tunes_with_odd_names(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    shutil.copy(corpus.TUNES / "hpps1.mid", folder / "Café — 東京.mid")
    shutil.copy(corpus.TUNES / "hpps2.mid", folder / "tab\tname.mid")
    with open(os.path.join(os.fsencode(folder), b"old-\xe9.mid"), "wb") as handle:
        handle.write((corpus.TUNES / "reelsa-c1.mid").read_bytes())
    out, _ = _ok(["dshl", "import", str(folder), "--name", "stick", "--json"])
    assert json.loads(out)["tunes"] == 3
    out, _ = _ok(["compose", "--collection", "stick", "--segments", "6", "--seed", "3",
                  "--out", str(tmp_path / "o.mid"), "--json"])
    assert {item["tune"] for item in json.loads(out)["segments"]} <= {
        "Café — 東京", "tab\tname", os.fsdecode(b"old-\xe9")}


def test_import_of_junk_lists_every_reason(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    with open(folder / "book.abc", "wb") as handle:
        handle.write(b"X:1\nT:t\nK:C\n")
        handle.truncate(17 * 1024 * 1024)
    (folder / "garbage.mid").write_bytes(b"\x00" * 100)
    os.mkfifo(folder / "pipe.mid")  # not a file: never opened
    out, _ = _ok(["dshl", "import", str(folder), "--name", "junk", "--json"], code=1)
    report = json.loads(out)
    reasons = {entry["file"]: entry["reason"] for entry in report["skipped"]}
    assert report["tunes"] == 0 and "too large" in reasons["book.abc"]
    assert "cannot parse MIDI" in reasons["garbage.mid"]
    assert not (tiny_model / "collections" / "junk.npz").exists()


def test_duet_sings_lines_beyond_latin1(assets: Path, tmp_path: Path) -> None:
    sung = tmp_path / "sung.mid"
    _ok(["lyrics", "duet", "burns", "dickinson", "--lines", "2", "--start", "Café — 東京 night",
         "--melody", str(corpus.TUNES / "hpps1.mid"), "--midi", str(sung)])
    words = b"".join(msg.text.encode("latin-1") for track in mido.MidiFile(sung).tracks
                     for msg in track if msg.type == "lyrics").decode("utf-8")
    assert "東" in words and "Caf" in words


def test_train_an_artist_with_a_cyrillic_name(assets: Path, segue_home: Path) -> None:
    out, _ = _ok(["lyrics", "train", "Земфира", str(corpus.LYRICS), "--minutes", "0.01"])
    assert (segue_home / "models" / "lyrics" / "земфира.pt").is_file()
    listed, _ = _ok(["lyrics", "artists", "--json"])
    assert "Земфира" in {a.get("name") for a in json.loads(listed)}


CORRECT_RESULT_CASES = 6  # the tests above, counted in the report of issue 14
