"""`segue eval playlist` on real recordings: the contract of the ``real`` report, on a tiny cache
made of the clips in the repository (the real set is downloaded by `--fetch`, never by tests)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from engine import paths
from engine.cli import main
from engine.library.evaluation import controls, options, real_data
from engine.library.evaluation.report import evaluate_all

from .conftest import CLIPS

DEMO = paths.assets_dir() / "audio"
# (source, kind, label, split)
FILES = [
    (DEMO / "Kevin_MacLeod_-_Vibe_Ace.ogg", "music", "pkg/a", "test"),
    (CLIPS / "trumpet.ogg", "music", "pkg/a", "test"),
    (DEMO / "Karissa_Hobbs_-_Lets_Go_Fishin.ogg", "music", "pkg/a", "fit"),
    (DEMO / "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg", "music", "pkg/b",
     "test"),
    (DEMO / "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg",
     "music", "pkg/b", "selection"),
    (CLIPS / "vibeace.ogg", "music", "pkg/a", "selection"),
    (CLIPS / "robin.ogg", "effects", "pkg/sounds", "test"),
    (CLIPS / "glacier-bay-humpback.ogg", "effects", "pkg/sounds", "fit"),
    (CLIPS / "198-209-0000.ogg", "speech", "speaker1", "test"),
    (CLIPS / "3436-172162-0000.ogg", "speech", "speaker2", "fit"),
    (CLIPS / "5703-47212-0000.ogg", "speech", "speaker3", "selection"),
]


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "realset"
    entries = []
    for source, kind, label, split in FILES:
        sub = "speech" if kind == "speech" else f"audio/pkg/{'music' if kind == 'music' else kind}"
        target = folder / sub / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        entries.append({"path": str(target.relative_to(folder)), "kind": kind, "label": label,
                        "album": label, "group": label, "split": split, "duration": 0.0,
                        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                        "licence": "test", "title": source.stem})
    (folder / "realset.json").write_text(json.dumps({"files": entries}), encoding="utf-8")
    return folder


def test_without_the_set_the_eval_says_how_to_fetch_it(segue_home: Path, tmp_path: Path) -> None:
    report = evaluate_all(cache=tmp_path / "none", synthetic=False)
    assert report["real"] is None and "--fetch" in report["warnings"][0]


def test_real_report_contract(cache: Path, segue_home: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(options, "SPECTROGRAM_SECONDS", 3.0)
    assert main(["eval", "playlist", "--json", "--no-synthetic", "--cache", str(cache)]) == 0
    report = json.loads(capsys.readouterr().out)
    found = report["real"]
    assert found["label"] == "soundtrack" and found["queries"] >= 2
    assert set(found["controls"]) == {*controls.REAL_CONTROLS, "random"}
    assert found["precision_at_10"]["segue_embedding"] in found["embedding_choice"][
        "selection_p_at_10"]
    assert {"features", "raw_features", "spectrogram", "combined", "tagger"} <= set(
        found["embedding"])
    assert set(found["targets"]) == {"vs_best_control_1.5x", "vs_random_3x",
                                     "ci95_low_above_best_control", "non_music_precision_0.9",
                                     "non_music_recall_0.9"}
    low, high = found["segue_ci95_tracks"]
    assert 0.0 <= low <= found["precision_at_10"]["segue"] <= high <= 1.0
    nm = found["non_music"]
    assert {"precision", "recall", "rerun_here", "control_legacy_rule",
            "control_duration"} <= set(nm)
    assert nm["music"] == 3 and nm["non_music"] == 2  # the test split's clips
    assert found["set"]["tag_model"]
    assert report["targets"] == found["targets"]
    assert real_data.available(cache)
