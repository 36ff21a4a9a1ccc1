"""The composer and its public API, on the tiny trained model: length, reuse, key, edits, MIDI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import mido
import pretty_midi
import pytest

from engine.dshl import api
from engine.music.transpose import shift_from_c


def test_compose_honours_length_reuse_and_seed(tiny_model: Path) -> None:
    chain = api.compose(api.ComposeRequest(segments=8, seed=3, reuse_limit=2))
    assert len(chain.items) == 8
    assert max(Counter(it.tune for it in chain.items).values()) <= 2
    assert len({it.id for it in chain.items}) == 8
    again = api.compose(api.ComposeRequest(segments=8, seed=3, reuse_limit=2))
    assert [it.id for it in again.items] == [it.id for it in chain.items]
    one = api.compose(api.ComposeRequest(segments=5, seed=1, reuse_limit=1))
    assert len({it.tune for it in one.items}) == 5


def test_prefer_ending_closes_on_a_tune_ending(tiny_model: Path) -> None:
    for seed in range(4):
        chain = api.compose(api.ComposeRequest(segments=4, seed=seed, reuse_limit=None))
        assert chain.items[-1].ends_tune
    loose = [api.compose(api.ComposeRequest(segments=4, seed=s, prefer_ending=False)).items[-1]
             for s in range(8)]
    assert not all(it.ends_tune for it in loose)


def test_start_locked_and_regenerate(tiny_model: Path) -> None:
    chain = api.compose(api.ComposeRequest(segments=6, seed=0, start=4, locked={3: 10}))
    assert chain.items[0].id == 4 and chain.items[3].id == 10
    redo = api.regenerate(chain, keep={0, 1}, seed=9)
    assert [it.id for it in redo.items[:2]] == [it.id for it in chain.items[:2]]
    assert len(redo.items) == 6


def test_key_transposes_notes(tiny_model: Path) -> None:
    in_c = api.compose(api.ComposeRequest(segments=4, seed=2, key="C"))
    in_d = api.compose(api.ComposeRequest(segments=4, seed=2, key="D"))
    notes_c, notes_d = api.chain_notes(in_c), api.chain_notes(in_d)
    assert len(notes_c) == len(notes_d) > 0
    assert all(d.pitch - c.pitch == shift_from_c("D") for c, d in zip(notes_c, notes_d, strict=True))
    assert {n.track for n in notes_c} <= {"melody", "chords"}
    assert max(n.end_beats for n in notes_c) <= 16


def test_candidates_and_replace(tiny_model: Path) -> None:
    chain = api.compose(api.ComposeRequest(segments=4, seed=5))
    options = api.candidates(chain, 2, limit=5)
    assert 0 < len(options) <= 5
    assert [o.score for o in options] == sorted((o.score for o in options), reverse=True)
    assert all(o.id not in {it.id for k, it in enumerate(chain.items) if k != 2} for o in options)
    new = api.replace(chain, 2, options[-1].id)
    assert new.items[2].id == options[-1].id
    assert new.items[3].id == chain.items[3].id
    assert new is not chain and new.items[0] == chain.items[0]
    assert api.candidates(chain, 0, limit=3)


def test_max_mode_takes_farther_codes(tiny_model: Path) -> None:
    import numpy as np

    from engine.dshl import store
    from engine.dshl.composer import farthest, ranked_successors

    col = store.load_collection()
    allowed = np.ones(len(col.corpus), dtype=bool)
    near, far = [], []
    for prev in range(0, len(col.corpus), max(1, len(col.corpus) // 12)):
        far.extend(farthest(col, prev, allowed)[1].tolist())
        near.extend(ranked_successors(col, prev, pool=20, allowed=allowed)[1].tolist())
    assert min(far) >= 1 and sum(far) / len(far) > sum(near) / len(near)
    chain = api.compose(api.ComposeRequest(segments=6, seed=0, mode="max"))
    assert len(chain.items) == 6


def test_bad_requests(tiny_model: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        api.compose(api.ComposeRequest(mode="middle"))
    with pytest.raises(ValueError, match="no collection"):
        api.compose(api.ComposeRequest(collection="nope"))
    with pytest.raises(ValueError, match="key"):
        api.compose(api.ComposeRequest(key="H"))
    with pytest.raises(ValueError, match="segment id"):
        api.compose(api.ComposeRequest(start=10**6))


def test_write_midi_round_trip(tiny_model: Path, tmp_path: Path) -> None:
    chain = api.compose(api.ComposeRequest(segments=4, seed=1, key="G", tempo=96,
                                           melody_program=40, chord_program=24))
    path = api.write_midi(chain, tmp_path / "chain.mid")
    raw = mido.MidiFile(str(path))
    assert raw.type == 1
    names = {m.name for t in raw.tracks for m in t if m.type == "track_name"}
    assert {"Melody", "Chords"} <= names
    metas = {m.type: m for t in raw.tracks for m in t if m.is_meta}
    assert metas["key_signature"].key == "G"
    assert round(mido.tempo2bpm(metas["set_tempo"].tempo)) == 96
    assert chain.items[0].tune in next(m.text for t in raw.tracks for m in t if m.type == "text")
    back = pretty_midi.PrettyMIDI(str(path))
    programs = {i.name: i.program for i in back.instruments}
    assert programs["Melody"] == 40 and programs.get("Chords", 24) == 24


def test_cli_compose_json(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from engine.cli import main

    out = tmp_path / "tune.mid"
    code = main(["compose", "--segments", "8", "--seed", "1", "--out", str(out), "--key", "D",
                 "--tempo", "110", "--json"])
    assert code == 0 and out.is_file()
    data = json.loads(capsys.readouterr().out)
    assert len(data["segments"]) == 8 and data["key"] == "D" and data["tempo"] == 110
    assert {"id", "tune", "position", "distance"} <= set(data["segments"][0])
    assert main(["compose", "--collection", "missing", "--out", str(out)]) == 2


def test_eval_reports_contract_keys(tiny_model: Path) -> None:
    from engine.dshl import store
    from engine.dshl.evaluate import evaluate

    col = store.load_collection()
    metrics = evaluate(col, None, rerank_pool=20, chains=3)
    assert {"segments", "tunes", "L", "K", "mean_hamming_pos", "mean_hamming_neg"} <= set(metrics)
    methods = {"dshl", "composer", "gbm", "transition_stat", "random"}
    for key in ("recall_at_10", "mrr"):
        for figures in (metrics[key], metrics["melody_only"][key]):
            assert set(figures) == methods and all(0 <= v <= 1 for v in figures.values())
        for method, (lo, hi) in metrics["ci95"][key].items():
            assert lo <= metrics[key][method] + 1e-9 and metrics[key][method] <= hi + 1e-9
    for leaps in (metrics["junction_interval"], metrics["melody_only"]["junction_interval"]):
        assert set(leaps) == {"real", "min_distance", "max_distance", "share_le2"}
        assert set(leaps["share_le2"]) == {"real", "min_distance", "max_distance"}
    assert metrics["tunes"] == 8 and set(metrics["splits"]) == {"train", "selection", "test"}
    assert sum(metrics["splits"].values()) == 8 and metrics["duplicate_groups"] >= 0
    assert metrics["heldout"]["tunes"] == metrics["splits"]["test"]
    assert set(metrics["by_meter"]) == {"4/4"}


def test_start_from_midi_phrase(tiny_model: Path) -> None:
    from engine.dshl import store
    from engine.dshl.phrase import closest_segment
    from tests.engine.dshl.conftest import DATA

    seg = closest_segment(DATA / "reelsa-c1.mid")
    corpus = store.load_collection().corpus
    assert corpus.tunes[int(corpus.tune[seg])] == "reelsa-c1" and corpus.position[seg] == 0
    chain = api.compose(api.ComposeRequest(segments=3, seed=0, start=seg))
    assert chain.items[0].id == seg


def test_cli_eval_json(tiny_model: Path, capsys: pytest.CaptureFixture) -> None:
    from engine.cli import main

    assert main(["eval", "dshl", "--json", "--chains", "2", "--family", "duple"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["segments"] > 0 and data["L"] == 8 and data["K"] == 4
    assert data["mean_hamming_neg"] >= 0 and set(data["mrr"]) >= {"dshl", "composer"}
