"""Regression tests for issue 14 (hostile input): one test per item, on real files.

Items 2 (artist names), 3 (non-Latin-1 provenance), 6 (atomic writes through symlinks, refusing
devices) and the generic ones: one-line CLI errors, unreadable collections, read-only SEGUE_HOME,
size caps, corrupt artist models, numeric options. Item 7 (settings versions) is in tests/app.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import mido
import pytest

from engine import atomic, safe_io
from engine.cli import describe, main
from engine.lyrics import artists
from tests.hostile import corpus
from tests.hostile.test_cli_hostile import run_cli

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------- item 2: artist names
def test_unicode_artist_names_keep_distinct_files() -> None:
    slugs = {name: artists.slugify(name) for name in ("Земфира", "東京事変", "Björk", "!!!", "🎸🎸")}
    assert slugs["Земфира"] == "земфира" and slugs["東京事変"] == "東京事変"
    assert slugs["Björk"] == "björk"
    assert len(set(slugs.values())) == len(slugs)  # no more "artist" for every one of them
    assert artists.slugify("!!!") == artists.slugify("!!!")  # stable hash suffix
    long = artists.slugify("ж" * 5000)
    assert len(long.encode("utf-8")) <= artists.MAX_SLUG_BYTES
    assert long != artists.slugify("ж" * 4999)


def test_training_two_unicode_artists_keeps_both(segue_home: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.lyrics.model import CharLSTMConfig
    from engine.lyrics.train import TrainConfig
    from tests.engine.lyrics.helpers import SAMPLE, make_assets

    monkeypatch.setenv("SEGUE_ASSETS", str(make_assets(tmp_path)))
    small = dict(config=TrainConfig(seq_len=32, batch_size=8, max_epochs=1),
                 model_config=CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1))
    first = artists.train_artist("Земфира", [SAMPLE], **small)
    small["model_config"] = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1)
    second = artists.train_artist("東京事変", [SAMPLE], **small)
    assert first.path != second.path and first.path.is_file() and second.path.is_file()
    names = {a.name for a in artists.list_artists() if not a.bundled}
    assert names == {"Земфира", "東京事変"}
    before = first.path.read_bytes()
    with pytest.raises(ValueError, match="same file name"):  # a collision is refused ...
        artists.train_artist("земфира!", [SAMPLE], **small)
    with pytest.raises(ValueError, match="too long"):
        artists.train_artist("x" * 5000, [SAMPLE], **small)
    with pytest.raises(ValueError, match="positive number of minutes"):
        artists.train_artist("Земфира", [SAMPLE], minutes=0)
    assert first.path.read_bytes() == before  # ... and nothing was overwritten


# --------------------------------------------------- item 3: provenance beyond Latin-1
def test_compose_from_a_collection_with_non_latin1_tune_names(tiny_model: Path, tmp_path: Path
                                                              ) -> None:
    from engine.dshl.api import ComposeRequest, compose, import_collection, write_midi

    folder = tmp_path / "tunes"
    folder.mkdir()
    for source in (corpus.TUNES / name for name in ("hpps1.mid", "hpps2.mid", "reelsa-c1.mid")):
        (folder / f"Café — 東京 {source.stem}.mid").write_bytes(source.read_bytes())
    assert import_collection(folder, "tokyo").tunes == 3
    chain = compose(ComposeRequest(segments=4, seed=1, collection="tokyo"))
    out = write_midi(chain, tmp_path / "out.mid")
    texts = [msg.text for track in mido.MidiFile(out).tracks for msg in track if msg.type == "text"]
    decoded = texts[0].encode("latin-1").decode("utf-8")  # stored as UTF-8 bytes
    assert "Café — 東京" in decoded and "collection tokyo" in decoded


# ------------------------------------------------ item 6: atomic writes, symlinks, devices
def test_atomic_write_goes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.mid"
    real.write_bytes(b"old")
    link = tmp_path / "link.mid"
    link.symlink_to(real)
    atomic.atomic_write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    dangling = tmp_path / "dangling.mid"
    dangling.symlink_to(tmp_path / "made.mid")
    atomic.atomic_write_bytes(dangling, b"made")
    assert dangling.is_symlink() and (tmp_path / "made.mid").read_bytes() == b"made"


def test_atomic_write_refuses_devices_and_folders(tmp_path: Path) -> None:
    targets = corpus.output_targets(tmp_path)
    device = targets["device"]
    kind = stat.S_IFMT(device.stat().st_mode)
    with pytest.raises(atomic.TargetError, match="device, pipe or socket"):
        atomic.atomic_write_bytes(device, b"x")
    assert stat.S_IFMT(device.stat().st_mode) == kind  # the node is still a node
    with pytest.raises(atomic.TargetError, match="is a folder"):
        atomic.atomic_write_bytes(targets["folder"], b"x")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_atomic_write_in_a_read_only_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "frozen"
    folder.mkdir()
    (folder / "keep.mid").write_bytes(b"keep")
    try:
        with corpus.read_only(folder):
            with pytest.raises(atomic.ReadOnlyError, match="read-only"):
                atomic.atomic_write_bytes(folder / "keep.mid", b"lost?")
    except OSError as exc:
        pytest.skip(f"cannot make a read-only folder here: {exc}")
    assert (folder / "keep.mid").read_bytes() == b"keep"


# ------------------------------------------------------------- generic: one-line errors
def test_describe_names_the_file_for_os_database_and_parse_errors(tmp_path: Path) -> None:
    odd = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"bad-\xff.mid"))
    assert describe(FileNotFoundError(2, "No such file or directory", odd)).startswith(
        f"{odd}: No such file")
    garbage = tmp_path / "library.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        sqlite3.connect(garbage).execute("select * from sqlite_master").fetchall()
    assert "database error: file is not a database" in describe(caught.value)
    with pytest.raises(zipfile.BadZipFile) as bad_zip:
        zipfile.ZipFile(corpus.TUNES / "hpps1.mid")
    assert describe(bad_zip.value)
    assert describe(TypeError("a bug")) is None  # bugs are not dressed up as user errors


def test_truncated_and_tampered_collections_are_named(tiny_model: Path, tmp_path: Path) -> None:
    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.store import CORPUS_FILE

    for make in (corpus.truncated_npz, corpus.tampered_npz):
        bad = make(tmp_path / f"{make.__name__}.npz", tiny_model / CORPUS_FILE)
        with pytest.raises(CheckpointError, match="not a readable collection") as caught:
            store.read_corpus(bad)
        assert str(bad) in str(caught.value)


def test_size_caps_refuse_huge_midi_abc_and_lyrics(tmp_path: Path) -> None:
    from engine.lyrics.corpus import CorpusError, load_songs
    from engine.music.abc_import import read_abc_report
    from engine.music.midi_import import read_midi
    from engine.music.tune import ImportProblem

    midi = corpus.midi_inputs(tmp_path / "m")["huge"]
    with pytest.raises(ImportProblem, match="MIDI file too large"):
        read_midi(midi)
    abc = tmp_path / "book.abc"
    with open(abc, "wb") as handle:
        handle.write(b"X:1\nT:t\nK:C\nCDEF|\n")
        handle.truncate(safe_io.MAX_ABC_BYTES + 1)
    with pytest.raises(ImportProblem, match="ABC file too large"):
        read_abc_report(abc)
    with pytest.raises(CorpusError, match="lyrics file too large"):
        load_songs(corpus.lyric_inputs(tmp_path / "l")["huge"])
    with pytest.raises(CorpusError, match="device, pipe or socket"):
        load_songs("/dev/zero")


def test_corrupt_user_artist_is_named_in_lyrics_artists(segue_home: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.engine.lyrics.helpers import make_assets

    monkeypatch.setenv("SEGUE_ASSETS", str(make_assets(tmp_path)))
    folder = segue_home / "models" / "lyrics"
    folder.mkdir(parents=True)
    (folder / "broken_band.pt").write_bytes(b"PK\x03\x04 half a model")
    code, out, err = run_cli(["lyrics", "artists"])
    assert code == 0, err
    assert "broken_band" in out and "unreadable" in out and "Robert Burns" in out
    code, out, _ = run_cli(["lyrics", "artists", "--json"])
    assert any(entry.get("slug") == "broken_band" and entry.get("problem")
               for entry in __import__("json").loads(out))


def test_minutes_zero_is_refused_and_keeps_the_model(segue_home: Path) -> None:
    model = segue_home / "models" / "lyrics" / "my_band.pt"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"the user's model")
    for value in ("0", "-1", "nan", "inf"):
        code, _out, err = run_cli(["lyrics", "train", "My Band", str(corpus.LYRICS),
                                   "--minutes", value])
        assert code == 2 and "argument --minutes" in err and len(err.strip().splitlines()) == 1
    assert model.read_bytes() == b"the user's model"


def test_compose_warns_when_the_collection_runs_out(tiny_model: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(["compose", "--segments", "1000", "--reuse-limit", "0", "--seed",
                              "1", "--out", str(tmp_path / "long.mid"), "--json"])
    assert code == 0, err
    made = len(__import__("json").loads(out)["segments"])
    assert made < 1000 and f"has {made} of the 1000 asked for" in err
    assert (tmp_path / "long.mid").is_file()


# ------------------------------------------------------------ in a real process
def _segue(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEGUE_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          timeout=120, env=env)


def test_real_process_errors_are_one_line(tmp_path: Path, segue_home: Path) -> None:
    midi = corpus.midi_inputs(tmp_path / "m")
    runs = [_segue("play", midi["not_utf8_name"], home=segue_home),
            _segue("lyrics", "train", "X", "/dev/zero", home=segue_home),
            _segue("compose", "--tempo", "nan", home=segue_home)]
    for run in runs:
        lines = run.stderr.decode("utf-8", "replace").strip().splitlines()
        assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("segue: error: "), \
            run.stderr
    assert b"bad-\\xff\\xfe.mid" in runs[0].stderr  # the undecodable byte shown, not a crash


def test_read_only_home_is_reported_before_training(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "models" / "lyrics").mkdir(parents=True)
    (home / "logs").mkdir()
    try:
        with corpus.read_only(home):
            run = _segue("lyrics", "train", "X", str(corpus.LYRICS), "--minutes", "0.05", home=home)
    except OSError as exc:
        pytest.skip(f"cannot make a read-only folder here: {exc}")
    lines = run.stderr.decode().strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert "read-only" in lines[0] and "SEGUE_HOME" in lines[0]


def test_main_maps_a_bug_to_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from engine import doctor

    monkeypatch.setattr(doctor, "collect", lambda: 1 / 0)  # a bug, not bad input
    assert main(["doctor"]) == 1
    err = capsys.readouterr().err
    assert "internal error (ZeroDivisionError" in err and "Traceback" not in err
