"""Paragraph sampling, understood and unknown tags, track tags, corrupt models, the CLI, the eval."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import cli
from engine.commentary import conditioning, derive, service
from engine.commentary.corpus import sentences
from engine.errors import UserFacingError
from tests.commentary_models import TINY_CSV, tiny_models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models(tmp_path_factory.mktemp("tiny-commentary"))


def test_paragraphs_share_z_and_unknown_tags_are_reported(models: Path) -> None:
    com = service.load_commentator(models)
    tag = com.tag_vocabulary[0]
    result = service.comment(f"{tag.upper()}, xqzzy blorft", n=3, models=models, seed=4)
    assert result.tags == [tag] and result.unknown_tags == ["xqzzy blorft"]
    assert [u["status"] for u in result.understood] == ["known", "unknown"]
    assert len(result.pairs) == 3 and all(p.vae and p.gan and len(p.z) == com.latent
                                         for p in result.pairs)
    assert all(len(p.plan) == 3 and [tag] in p.plan for p in result.pairs)  # 3 sentences, tag once
    again = service.comment(tag, n=3, models=models, seed=4)
    assert [p.vae for p in again.pairs] == [p.vae for p in result.pairs]
    redo = com.pairs_for([result.pairs[1].z], [tag], seed=result.pairs[1].seed)
    assert redo[0].vae == result.pairs[1].vae and redo[0].gan == result.pairs[1].gan
    unconditioned = service.comment("", n=2, models=models)
    assert unconditioned.tags == [] and len(unconditioned.pairs) == 2
    path = com.interpolate(result.pairs[0].z, result.pairs[2].z, [tag], steps=6, seed=4)
    assert len(path) == 6 and path[0].vae == result.pairs[0].vae and path[-1].vae == result.pairs[2].vae
    greedy = service.comment(tag, n=2, models=models, temperature=0)
    assert greedy.pairs == service.comment(tag, n=2, models=models, temperature=0).pairs
    for pair in result.pairs:  # never a verbatim training sentence
        assert not any(com.lexicon.is_copy(s) for s in sentences(pair.vae) + sentences(pair.gan))


def test_corrupt_or_foreign_model_names_the_file(models: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(models, broken)
    (broken / "cvae.pt").write_bytes(b"\x00garbage")
    with pytest.raises(UserFacingError, match=r"cvae\.pt: not a readable Segue model file"):
        service.Commentator(broken)
    shutil.copy(models / "topics.pt", broken / "cvae.pt")
    with pytest.raises(UserFacingError, match="holds a 'commentary-lda' model"):
        service.Commentator(broken)


def test_feature_and_genre_mapping(models: Path) -> None:
    lex = service.load_commentator(models).lexicon
    fast = derive.feature_tags({"tempo": 140, "pulse_clarity": 0.4, "loudness_mean": -15,
                                "loudness_std": 4, "zcr_std": 0.03}, lex)
    expected = {"fast tempo", "energetic", "electronic music"} & set(lex.tags)
    assert {h.tag for h in fast} == expected and expected
    assert all(h.evidence for h in fast)
    assert any("140 BPM" in h.evidence for h in fast if h.tag == "fast tempo")
    speech = derive.feature_tags({"tempo": 100, "pulse_clarity": 0.08, "loudness_mean": -33,
                                  "loudness_std": 10, "zcr_std": 0.11}, lex)
    assert {h.tag for h in speech} <= {"no other instruments"}
    tag = lex.tags[0]
    heard = derive.genre_tags(f"{tag.upper()}; xqzzy", lex)
    assert [h.tag for h in heard] == [tag] and heard[0].evidence == f"genre '{tag.upper()}'"


def test_track_without_features_falls_back_to_its_file_tags(segue_home: Path) -> None:
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    with Library() as library, library.transaction() as session:
        session.add(m.Track(path="/music/a.ogg", title="A", genre="Classic Rock", status=m.PENDING))
    with Library() as library, library.transaction() as session:
        track_id = session.scalars(select(m.Track.id)).one()
    lex = _lexicon(["rock", "classic rock", "energetic"])
    found = conditioning.tags_for_track(str(track_id), lex)
    assert found.tags == ["classic rock"] and not found.analysed
    assert "Classic Rock" in found.derived["classic rock"] and found.sources == ["genre"]
    assert any("not analysed" in note for note in found.notes)
    assert conditioning.tags_for_track("/music/a.ogg", lex).track_id == track_id
    with pytest.raises(UserFacingError, match="no such track"):
        conditioning.tags_for_track("/nowhere.ogg", lex)


def _lexicon(tags: list[str]):  # noqa: ANN202 - a Lexicon
    import numpy as np

    from engine.commentary.lexicon import Lexicon

    return Lexicon(tags, [10] * len(tags), [0.5] * len(tags), ["rock"],
                   np.ones((1, 2), np.float32) / np.sqrt(2), frozenset())


def test_cli_comment_json_and_bad_model(models: Path, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    tag = service.load_commentator(models).tag_vocabulary[1]
    code = cli.main(["comment", "--tags", f"{tag}, xqzzy", "--n", "2", "--json", "--models",
                     str(models), "--no-gan"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out["samples"]) == 2 and out["tags"] == [tag]
    assert out["unknown_tags"] == ["xqzzy"] and out["gan"] is False
    assert [u["status"] for u in out["understood"]] == ["known", "unknown"]
    assert len(out["plan"]) == 2
    with pytest.raises(SystemExit) as refused:  # checked at the door
        cli.main(["comment", "--tags", tag, "--top-p", "0", "--models", str(models)])
    assert refused.value.code == 2
    (tmp_path / "cvae.pt").write_bytes(b"junk")
    assert cli.main(["comment", "--tags", tag, "--models", str(tmp_path)]) == 2
    assert "cvae.pt" in capsys.readouterr().err


def test_eval_contract_keys(models: Path) -> None:
    from engine.commentary.evaluate import evaluate

    result = evaluate(models, csv_path=TINY_CSV, iw_samples=20, topic_samples=200)
    assert set(result["perplexity"]) == {"elbo", "iw", "lm", "ngram3"}
    assert all(v > 1 for v in result["perplexity"].values())
    for key in ("target_topic_prob", "topic_share_over_half", "repeated_trigram_rate"):
        assert set(result[key]) == {"vae", "gan"}
    assert set(result["distinct_2"]) == {"vae", "gan", "generated", "generated_vae", "real",
                                         "bigrams"}
    for key in ("copy_rate", "tag_mention", "contradiction"):
        assert set(result[key]) == {"generated", "generated_vae", "real"}
        assert all(0 <= v <= 1 for v in result[key].values())
    assert result["copy_rate"]["generated"] == 0.0  # constrained: never a training sentence
    assert set(result["tag_recovery"]) >= {"paragraph", "paragraph_vae", "paragraph_real"}
    for key in ("gan_top_sentence_share", "gan_equals_vae", "target_topic_lift_paragraphs"):
        assert result[key] >= 0
    assert result["tag_coverage"]["tags"] == 200 and 0 < result["tag_coverage"]["share"] <= 1
    assert result["speed"]["five_pairs_s"] > 0
    assert result["paragraphs"]["count"] == 24
    assert set(result["tag_recovery"]) >= {"score", "chance", "real"}
    assert result["latent_dim"] == 8 and 0 <= result["active_units"] <= 8
    assert result["kl"] > 0 and result["mean_z_shift_ratio"] >= 0 and result["z_norm_ratio"] > 0
    assert isinstance(result["target_topic"], list) and len(result["target_topic"]) == 10
    assert result["repeated_trigram_rate"]["gan"] == 0.0


def test_a_track_is_heard_through_the_librarys_derive_tags(segue_home: Path, monkeypatch) -> None:
    from engine.library import service as library
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    with Library() as db, db.transaction() as session:
        session.add(m.Track(path="/music/b.ogg", title="B", genre="Jazz", status=m.PENDING))
    with Library() as db, db.transaction() as session:
        track_id = session.scalars(select(m.Track.id)).one()
    described = {"path": "/music/b.ogg", "track_id": track_id, "model": "MSD_musicnn",
                 "tags": {"jazz": 0.6, "rock": 0.1, "slow": 0.5}, "kind": "music",
                 "evidence": {"tempo_bpm": 140.0, "pulse_clarity": 0.4, "loudness_db": -15.0},
                 "source": "library"}
    monkeypatch.setattr(library, "derive_tags", lambda track, path=None: described)
    monkeypatch.setattr(derive, "tagger_module", lambda: None)
    lex = _lexicon(["jazz", "fast tempo", "slow tempo", "energetic", "rock"])
    found = conditioning.tags_for_track(track_id, lex)
    assert found.track_id == track_id and found.title == "B" and found.analysed
    assert found.tags == ["jazz", "fast tempo", "energetic"]  # the measured tempo, not "slow"
    assert found.derived["jazz"] == "tagger MSD 'jazz' 0.60"
    assert found.derived["fast tempo"] == "tempo 140 BPM (pulse clarity 0.40)"
    assert found.sources == ["tagger", "features"]
