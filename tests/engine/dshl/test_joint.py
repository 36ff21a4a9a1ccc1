"""One hash network for both meter families, conditioned on meter (`segue dshl train --joint`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.dshl.corpus import load_grids, music_files
from engine.dshl.joint import save_joint, train_joint
from engine.dshl.model import DSHL, DSHLConfig, discrete_codes
from engine.dshl.train import TrainConfig, prepare

DATA = Path(__file__).resolve().parents[2] / "data" / "dshl"
JIGS = Path(__file__).resolve().parents[3] / "assets" / "nottingham" / "MIDI"


def test_the_meter_one_hot_conditions_the_network() -> None:
    torch.manual_seed(0)
    model = DSHL(DSHLConfig(hidden=8, meters=2))
    segs = torch.rand(3, 16, model.config.n_features)
    duple = model.hidden_f(segs)
    model.serve(1)
    assert model.config.meter == 1
    assert not torch.allclose(model.hidden_f(segs), duple)
    with pytest.raises(ValueError, match="meter family 2"):
        model.serve(2)
    plain = DSHL(DSHLConfig(hidden=8))
    assert plain.lstm_f.input_size == model.lstm_f.input_size - 2
    plain.serve(0)  # an unconditioned model serves its one family
    with pytest.raises(ValueError):
        plain.serve(1)


@pytest.fixture(scope="module")
def sources() -> dict:
    jigs = [JIGS / f"jigs{k}.mid" for k in range(1, 11)]
    return {"duple": load_grids(music_files(DATA), family="duple"),
            "triple": load_grids(jigs, family="triple")}


@pytest.fixture(scope="module")
def joint(sources: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    torch.set_num_threads(1)
    config = TrainConfig(hidden=16, pre_epochs=1, hash_epochs=1, rerank_epochs=1, batch=64,
                         selection_queries=20, test_fraction=0.2, selection_fraction=0.2)
    trained = train_joint(config, sources, log=lambda message: None)
    out = tmp_path_factory.mktemp("joint")
    save_joint(trained, out)
    return trained, out


def test_each_family_keeps_its_own_split_and_shares_one_vocabulary(joint, sources) -> None:
    trained, _ = joint
    (duple, duple_corpus), (triple, triple_corpus) = trained["duple"], trained["triple"]
    assert duple_corpus.family == "duple" and triple_corpus.family == "triple"
    assert duple_corpus.vocab == triple_corpus.vocab
    for family, (model, corpus) in trained.items():
        alone_corpus, alone = prepare(*sources[family], seed=0, test=0.2, selection=0.2)
        assert model.split.names(corpus.tunes) == alone.names(alone_corpus.tunes)
    assert (duple.model.config.meters, duple.model.config.meter) == (2, 0)
    assert (triple.model.config.meters, triple.model.config.meter) == (2, 1)


def test_the_families_share_the_network_but_not_the_reranker(joint) -> None:
    trained, _ = joint
    duple, triple = trained["duple"][0], trained["triple"][0]
    for name, weight in duple.model.state_dict().items():
        assert torch.equal(weight, triple.model.state_dict()[name]), name
    assert any(not torch.equal(a, b) for a, b in zip(duple.reranker.state_dict().values(),
                                                     triple.reranker.state_dict().values(),
                                                     strict=True))


def test_saved_checkpoints_load_serving_their_meter(joint, segue_home: Path) -> None:
    from engine.dshl import store

    trained, out = joint
    duple = store.load_model(out / store.MODEL_FILE)
    triple = store.load_model(out / "triple" / store.MODEL_FILE)
    assert duple.model.config.meter == 0 and triple.model.config.meter == 1
    assert duple.family == "duple" and triple.family == "triple"
    corpus = trained["triple"][1]
    segs = torch.from_numpy(corpus.features[:50])
    codes = discrete_codes(triple.model, segs, "f")
    assert torch.equal(codes, discrete_codes(trained["triple"][0].model, segs, "f"))
    assert np.asarray(codes).shape == (50, 8)


def test_segue_dshl_train_joint_writes_both_families(sources, tmp_path: Path, monkeypatch,
                                                     segue_home: Path) -> None:
    from engine.cli import main
    from engine.dshl import joint, store

    monkeypatch.setattr(joint, "nottingham_sources", lambda: sources)  # the small tune sets
    out = tmp_path / "models"
    assert main(["dshl", "train", "--joint", "--no-eval", "--out", str(out), "--hidden", "8",
                 "--pre-epochs", "0", "--hash-epochs", "1", "--rerank-epochs", "0"]) == 0
    assert store.load_model(out / store.MODEL_FILE).model.config.meter == 0
    assert store.load_model(out / "triple" / store.MODEL_FILE).model.config.meter == 1
    alone = tmp_path / "triple-only"
    assert main(["dshl", "train", "--joint", "--family", "triple", "--no-eval", "--out",
                 str(alone), "--hidden", "8", "--pre-epochs", "0", "--hash-epochs", "1",
                 "--rerank-epochs", "0"]) == 0
    assert sorted(p.name for p in alone.iterdir()) == sorted([store.CORPUS_FILE, store.MODEL_FILE])
    triple = store.load_model(alone / store.MODEL_FILE)
    assert triple.family == "triple" and triple.model.config.meter == 1


def test_family_both_without_joint_is_a_clean_error(tmp_path: Path, capsys) -> None:
    from engine.cli import main

    assert main(["dshl", "train", "--family", "both", "--out", str(tmp_path)]) == 2
    assert "--joint" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_compare_on_selection_pairs_the_same_junctions(joint, tiny_model_dir: Path,
                                                       segue_home: Path, capsys) -> None:
    from engine.checkpoint import CheckpointError
    from engine.dshl.compare import compare

    _, out = joint
    alone = tiny_model_dir / "model.pt"  # the same duple tunes and split, one family alone
    same = compare(alone, alone)
    assert same["mean"]["b_minus_a"] == 0.0 and same["mean"]["ci95"] == [0.0, 0.0]
    versus = compare(alone, out / "model.pt")
    assert versus["junctions"] == same["junctions"] > 0
    for view in ("with_chords", "melody_only"):
        figures = versus[view]
        assert figures["a"] == same[view]["a"] and 0 < figures["b"] <= 1
        assert figures["b_minus_a"] == pytest.approx(figures["b"] - figures["a"], abs=2e-4)
        assert figures["ci95"][0] <= figures["b_minus_a"] <= figures["ci95"][1]
    with pytest.raises(CheckpointError, match="do not share their selection junctions"):
        compare(out / "model.pt", out / "triple" / "model.pt")
    from engine.cli import main

    assert main(["dshl", "compare", str(out / "model.pt"), str(out / "missing.pt")]) == 2
    assert "missing.pt" in capsys.readouterr().err


def test_calibration_writes_the_cheapest_selection_temperature(tiny_model: Path) -> None:
    from engine.checkpoint import load_checkpoint
    from engine.dshl.evaluate import TEMPERATURES, calibrate
    from engine.dshl.model import FORMAT_VERSION, KIND

    path = tiny_model / "model.pt"
    table = calibrate(path, chains=5)
    assert set(table["cost"]) == {str(t) for t in TEMPERATURES}
    assert table["cost"][str(table["temperature"])] == min(table["cost"].values())
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    assert ckpt.config["compose"]["temperature"] == table["temperature"]
    assert ckpt.extra["calibration"]["cost"] == table["cost"]


@pytest.mark.parametrize("option", ["--seed", "--train-seed"])
def test_negative_seeds_are_refused_by_name(option: str, tmp_path: Path, capsys) -> None:
    from engine.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["dshl", "train", option, "-1", "--no-eval", "--out", str(tmp_path / "m")])
    assert exit_.value.code == 2
    assert f"argument {option}: -1 is out of range" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
