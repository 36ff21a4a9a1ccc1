"""Importing a user's folder: good tunes indexed, bad files skipped with reasons, never a crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.dshl import api
from tests.engine.dshl.conftest import DATA
from tests.engine.music.helpers import scale_tune, write_midi

ABC = """X:1
T:Small Reel
M:4/4
L:1/8
K:G
"G"GABc dBGB|"D7"A2FA DFAc|"G"BGBd gdBG|"D7"FAdc "G"B2G2|
"C"cedc "G"BdBG|"Am"cBAG "D7"FGAF|"G"GABc dBGB|"D7"AFDF "G"G4|]
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(DATA / "reelsa-c1.mid", folder / "good.mid")
    write_midi(folder / "melody_only.mid", scale_tune(8))
    write_midi(folder / "jig.mid", scale_tune(4), meter=(6, 8))
    (folder / "broken.mid").write_bytes(b"MThd garbage")
    third = 1 / 3
    write_midi(folder / "triplets.mid",
               [(k * third, (k + 1) * third, 72 + k % 5) for k in range(3 * 16)])
    (folder / "tune.abc").write_text(ABC)
    (folder / "notes.txt").write_text("not music")
    return folder


def test_import_reports_skips_and_composes(tiny_model: Path, tmp_path: Path) -> None:
    report = api.import_collection(_folder(tmp_path), "mine")
    reasons = dict(report.skipped)
    assert report.tunes == 4 and report.segments > 10
    assert "cannot parse MIDI" in reasons["broken.mid"]
    assert "jig" not in reasons  # 6/8 goes to the triple-meter half of the collection
    assert reasons["triplets"].startswith("no usable segment: triplet (")
    assert "notes.txt" not in reasons
    assert "mine" in api.list_collections()
    chain = api.compose(api.ComposeRequest(segments=4, seed=0, collection="mine", reuse_limit=None))
    assert len(chain.items) == 4
    assert {it.tune for it in chain.items} <= {"good", "melody_only", "tune-1 Small Reel"}
    from engine.dshl import store

    corpus = store.load_collection("mine").corpus
    tune_id = corpus.tunes.index("melody_only")
    assert corpus.features[corpus.tune == tune_id][:, :, 17:].sum() == 0  # chord bits stay 0
    abc_id = corpus.tunes.index("tune-1 Small Reel")
    assert corpus.features[corpus.tune == abc_id][:, :, 17:].sum() > 0
    jigs = store.load_collection("mine", "triple").corpus
    assert jigs.tunes == ["jig"] and jigs.meters == ["6/8"] and jigs.features.shape[1] == 24
    chain = api.compose(api.ComposeRequest(segments=3, seed=0, collection="mine", meter="6/8",
                                           reuse_limit=None))
    assert {it.tune for it in chain.items} == {"jig"}


def test_import_rejects_bad_names_and_folders(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid collection name"):
        api.import_collection(tmp_path, "../evil")
    with pytest.raises(ValueError, match="invalid collection name"):
        api.import_collection(tmp_path, "nottingham")
    with pytest.raises(ValueError, match="not a folder"):
        api.import_collection(tmp_path / "missing", "x")
    empty = tmp_path / "empty"
    empty.mkdir()
    report = api.import_collection(empty, "empty")
    assert report.tunes == 0 and report.path is None and report.skipped


def test_cli_import(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from engine.cli import main

    assert main(["dshl", "import", str(_folder(tmp_path)), "--name", "cli", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tunes"] == 4 and any(s["file"] == "broken.mid" for s in data["skipped"])
    assert main(["dshl", "import", str(tmp_path / "nowhere"), "--name", "x"]) == 2
