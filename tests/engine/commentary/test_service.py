"""Sampling, unknown tags, track conditioning, corrupt models, the CLI and the eval contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import cli
from engine.commentary import conditioning, service
from engine.errors import UserFacingError
from tests.commentary_models import TINY_CSV, tiny_models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models(tmp_path_factory.mktemp("tiny-commentary"))


def test_samples_share_z_and_unknown_tags_are_reported(models: Path) -> None:
    com = service.load_commentator(models)
    tag = com.tag_vocabulary[0]
    result = service.comment(f"{tag.upper()}, no such tag", n=3, models=models, seed=4)
    assert result.tags == [tag] and result.unknown_tags == ["no such tag"]
    assert len(result.pairs) == 3 and all(p.vae and p.gan and len(p.z) == com.latent
                                         for p in result.pairs)
    again = service.comment(tag, n=3, models=models, seed=4)
    assert [p.vae for p in again.pairs] == [p.vae for p in result.pairs]
    redo = com.pairs_for([result.pairs[1].z], [tag])
    assert redo[0].vae == result.pairs[1].vae
    unconditioned = service.comment("", n=2, models=models)
    assert unconditioned.tags == [] and len(unconditioned.pairs) == 2
    path = com.interpolate(result.pairs[0].z, result.pairs[2].z, [tag], steps=6)
    assert len(path) == 6 and path[0].vae == result.pairs[0].vae and path[-1].vae == result.pairs[2].vae


def test_corrupt_or_foreign_model_names_the_file(models: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(models, broken)
    (broken / "cvae.pt").write_bytes(b"\x00garbage")
    with pytest.raises(UserFacingError, match=r"cvae\.pt: not a readable Segue model file"):
        service.Commentator(broken)
    shutil.copy(models / "topics.pt", broken / "cvae.pt")
    with pytest.raises(UserFacingError, match="holds a 'commentary-lda' model"):
        service.Commentator(broken)


def test_feature_and_genre_mapping() -> None:
    vocab = ["rock", "electronic music", "slow tempo", "fast tempo", "energetic", "calming",
             "no other instruments", "acoustic drums"]
    assert conditioning.genre_tags("Indie Rock; Techno", vocab) == ["rock", "electronic music"]
    fast = conditioning.feature_tags({"tempo": 140, "pulse_clarity": 0.4, "loudness_mean": -15,
                                      "loudness_std": 4, "zcr_std": 0.03}, vocab)
    assert set(fast) == {"fast tempo", "energetic", "electronic music"}
    speech = conditioning.feature_tags({"tempo": 100, "pulse_clarity": 0.08, "loudness_mean": -33,
                                        "loudness_std": 10, "zcr_std": 0.11}, vocab)
    assert set(speech) == {"no other instruments"}


def test_track_without_features_falls_back_to_its_file_tags(segue_home: Path) -> None:
    from engine.library import models as m
    from engine.library.db import Library

    with Library() as library, library.transaction() as session:
        session.add(m.Track(path="/music/a.ogg", title="A", genre="Classic Rock", status=m.PENDING))
    with Library() as library, library.transaction() as session:
        track_id = session.scalars(select(m.Track.id)).one()
    found = conditioning.tags_for_track(str(track_id), ["rock", "energetic"])
    assert found.tags == ["rock"] and not found.analysed and "Classic Rock" in found.derived["rock"]
    assert conditioning.tags_for_track("/music/a.ogg", ["rock"]).track_id == track_id
    with pytest.raises(UserFacingError, match="no such track"):
        conditioning.tags_for_track("/nowhere.ogg", ["rock"])


def test_cli_comment_json_and_bad_model(models: Path, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    tag = service.load_commentator(models).tag_vocabulary[1]
    code = cli.main(["comment", "--tags", f"{tag}, bogus", "--n", "2", "--json", "--models",
                     str(models), "--no-gan"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out["samples"]) == 2 and out["tags"] == [tag]
    assert out["unknown_tags"] == ["bogus"] and out["gan"] is False
    (tmp_path / "cvae.pt").write_bytes(b"junk")
    assert cli.main(["comment", "--tags", tag, "--models", str(tmp_path)]) == 2
    assert "cvae.pt" in capsys.readouterr().err


def test_eval_contract_keys(models: Path) -> None:
    from engine.commentary.evaluate import evaluate

    result = evaluate(models, csv_path=TINY_CSV, iw_samples=20, topic_samples=200)
    assert set(result["perplexity"]) == {"elbo", "iw", "lm", "ngram3"}
    assert all(v > 1 for v in result["perplexity"].values())
    for key in ("target_topic_prob", "topic_share_over_half", "distinct_2", "repeated_trigram_rate"):
        assert set(result[key]) == {"vae", "gan"}
    assert set(result["tag_recovery"]) >= {"score", "chance", "real"}
    assert result["latent_dim"] == 8 and 0 <= result["active_units"] <= 8
    assert result["kl"] > 0 and result["mean_z_shift_ratio"] >= 0 and result["z_norm_ratio"] > 0
    assert isinstance(result["target_topic"], list) and len(result["target_topic"]) == 10
    assert result["repeated_trigram_rate"]["gan"] == 0.0
