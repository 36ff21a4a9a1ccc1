"""Chains in a collection's own style: per-collection sampler, tonic endings, variety message."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from engine.dshl import composer, keyfind, leaps, style, style_calibrate
from engine.music.segments import ARTIC, N_FEATURES, OCT0, PC0
from tests.engine.music.helpers import write_midi

C_MAJOR = [0, 2, 4, 5, 7, 9, 11]


def _tunes(folder: Path, leapy: bool, count: int = 10, bars: int = 8) -> Path:
    """``count`` C-major 4/4 tunes of quarter notes: a stepwise walk, or leaps of 4-7 degrees."""
    folder.mkdir()
    for k in range(count):
        rng = np.random.default_rng(100 * leapy + k)
        degree, notes = 7, []
        for beat in range(bars * 4):
            jump = int(rng.integers(4, 8)) if leapy else int(rng.integers(1, 2))
            degree += jump if degree < 7 or (degree < 13 and rng.random() < 0.5) else -jump
            degree = int(np.clip(degree, 0, 14))
            pitch = 60 + 12 * (degree // 7) + C_MAJOR[degree % 7]
            notes.append((float(beat), beat + 1.0, pitch))
        notes[-1] = (notes[-1][0], notes[-1][1], 72)  # every tune ends on its tonic
        write_midi(folder / f"{'leapy' if leapy else 'smooth'}{k}.mid", notes)
    return folder


def _chain_leap(col, chains: list[list[int]]) -> float:
    from engine.dshl.style_eval import junction_pairs

    edges = leaps.heard_edges(col.corpus.features)
    return leaps.summary(leaps.heard_leaps(edges, junction_pairs(chains)))[0]


def test_calibration_is_stored_per_collection_and_used(tiny_model: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.dshl import api, store
    from engine.dshl.style_eval import compose_chains

    monkeypatch.setattr(style, "GRID", ((0.5, 0.9, 20), (2.0, 0.9, 20), (6.0, 1.0, 50)))
    api.import_collection(_tunes(tmp_path / "smooth", leapy=False), "smooth")
    api.import_collection(_tunes(tmp_path / "leapy", leapy=True), "leapy")
    records = {name: style_calibrate.calibrate_collection(name, chains=6) for name in ("smooth", "leapy")}
    made = {}
    for name, record in records.items():
        path = style.style_file(name)
        assert path.is_file() and path.name == f"{name}.style.json"
        assert json.loads(path.read_text())["temperature"] == record["temperature"]
        assert set(record["split"]["test"]).isdisjoint(record["split"]["calibration"])
        col = store.load_collection(name)
        stored = style.collection_style(col)
        assert stored.source == "calibrated"
        assert (stored.temperature, stored.top_p, stored.top_k) == (
            record["temperature"], record["top_p"], record["top_k"])
        seen = []
        real_choose = composer.choose_next

        def spy(*args, _seen=seen, _real=real_choose, **kwargs):
            _seen.append(kwargs.get("style"))
            return _real(*args, **kwargs)

        monkeypatch.setattr(composer, "choose_next", spy)
        api.compose(api.ComposeRequest(segments=5, seed=1, collection=name, reuse_limit=None))
        monkeypatch.setattr(composer, "choose_next", real_choose)
        assert seen and all(s == stored for s in seen)  # the composer samples with it
        made[name] = _chain_leap(col, compose_chains(col, np.ones(len(col.corpus), bool), 12,
                                                     stored))
    assert made["leapy"] > made["smooth"] + 1.0


def test_style_for_another_model_is_ignored(tiny_model: Path, tmp_path: Path) -> None:
    from engine.dshl import api, store

    api.import_collection(_tunes(tmp_path / "smooth", leapy=False, count=4), "few")
    col = store.load_collection("few")
    path = style.style_file("few")
    path.write_text(json.dumps({"version": style.STYLE_VERSION, "model_created": "another",
                                "temperature": 9.0, "top_p": 1.0, "top_k": 50}))
    assert style.collection_style(col) == style.default_style(col)
    path.write_text(json.dumps({"version": style.STYLE_VERSION,
                                "model_created": col.loaded.created,
                                "temperature": 9.0, "top_p": 1.0, "top_k": 50}))
    assert style.collection_style(col).temperature == 9.0
    path.write_text("{not json")
    assert style.collection_style(col) == style.default_style(col)


def _segment(pcs: list[int], steps: int = 16) -> np.ndarray:
    """A segment of quarter notes on the pitch classes ``pcs`` (octave 5)."""
    seg = np.zeros((steps, N_FEATURES), dtype=np.uint8)
    for k in range(steps):
        pc = pcs[min(k // 4, len(pcs) - 1)]
        seg[k, ARTIC] = k % 4 == 0
        seg[k, OCT0 + 1] = 1
        seg[k, PC0 + pc] = 1
    return seg


def test_key_finding_and_tonic_endings() -> None:
    scale = np.stack([_segment([0, 2, 4, 5]), _segment([7, 9, 11, 0])])
    assert keyfind.find_key(keyfind.pitch_histogram(scale))[:2] == (0, False)
    minor = np.stack([_segment([9, 11, 0, 2]), _segment([4, 5, 8, 9])])
    assert keyfind.find_key(keyfind.pitch_histogram(minor))[:2] == (9, True)
    assert keyfind.ends_on_tonic(scale) is True
    assert keyfind.ends_on_tonic(np.stack([_segment([0, 4, 7, 0]), _segment([0, 4, 7, 2])])) \
        is False
    assert list(keyfind.last_onset_pc(scale)) == [5, 0]


def test_ending_prefers_the_tonic() -> None:
    features = np.stack([_segment([0, 4, 7, 2]),    # 0: ends a tune, on D
                         _segment([4, 2, 4, 0]),    # 1: ends a tune, on C
                         _segment([7, 5, 2, 0]),    # 2: mid-tune, on C
                         _segment([0, 2, 4, 4])])   # 3: mid-tune, on E
    col = SimpleNamespace(corpus=SimpleNamespace(features=features,
                                                 ends=np.array([True, True, False, False])))
    every = np.ones(4, dtype=bool)
    assert list(np.nonzero(composer.ending_mask(col, every, 0))[0]) == [1]
    assert list(np.nonzero(composer.ending_mask(col, every & [1, 0, 1, 1], 0))[0]) == [0]
    assert list(np.nonzero(composer.ending_mask(col, every & [0, 0, 1, 1], 0))[0]) == [2]
    assert list(np.nonzero(composer.ending_mask(col, every & [0, 0, 0, 1], 0))[0]) == [3]
    assert list(np.nonzero(composer.ending_mask(col, every, None))[0]) == [0, 1]
    assert composer.chain_tonic(col, [1, 2]) == 0


def test_composed_chains_end_on_their_tonic(tiny_model: Path, tmp_path: Path) -> None:
    from engine.dshl import api, store
    from engine.dshl.style_eval import compose_chains

    api.import_collection(_tunes(tmp_path / "smooth", leapy=False), "smooth")
    col = store.load_collection("smooth")
    chains = compose_chains(col, np.ones(len(col.corpus), bool), 10, style.default_style(col))
    last = composer.final_pitch_classes(col)
    on_tonic = [last[ids[-1]] == composer.chain_tonic(col, ids[:-1]) for ids in chains]
    assert len(chains) == 10 and np.mean(on_tonic) >= 0.8


def _fake(meters: list[str], modes: list[str]):
    return SimpleNamespace(name="mine", corpus=SimpleNamespace(meters=meters, modes=modes))


def test_variety_message_says_how_many_tunes() -> None:
    few = _fake(["3/4"] * 4 + ["4/4"] * 30, ["minor"] * 4 + ["major"] * 30)
    message = style.variety_message(few, "3/4", "Am", segments=20, reuse_limit=2)
    assert message is not None and "only 4 minor tunes in 3/4" in message and "needs 10" in message
    message = style.variety_message(few, "3/4", "Em", segments=8, reuse_limit=2)
    assert message is not None and "only 4 minor tunes in 3/4" in message  # the same 4 each time
    assert style.variety_message(few, "4/4", "D", segments=8, reuse_limit=2) is None
    assert "no major tunes in 6/8" in style.variety_message(few, "6/8", "G", 8, 2)
    assert style.variety_message(few, "3/4", "Am", 20, None) is None


def test_krumhansl_schmuckler_agrees_with_music21() -> None:
    music21 = pytest.importorskip("music21")  # a test-only cross-check, never a run-time need
    from music21.analysis.discrete import KrumhanslKessler

    rng = np.random.default_rng(0)
    for tonic, minor in ((0, False), (7, False), (9, True), (2, True), (5, False)):
        scale = np.array([0, 2, 3, 5, 7, 8, 11] if minor else C_MAJOR)
        weights = np.array([6, 1, 3, 1, 4, 2, 3] if not minor else [6, 1, 4, 2, 4, 3, 1])
        pcs = (tonic + rng.choice(scale, 48, p=weights / weights.sum())) % 12
        hist = np.bincount(pcs, minlength=12).astype(float)
        ours = keyfind.find_key(hist)
        stream = music21.stream.Stream()
        for pc in pcs:
            stream.append(music21.note.Note(60 + int(pc), quarterLength=1))
        theirs = KrumhanslKessler(stream).getSolution(stream)
        assert (theirs.tonic.pitchClass, theirs.mode == "minor") == ours[:2]


def test_compose_with_note_says_how_many_tunes_there_are(tiny_model) -> None:
    from engine.dshl import api, chain, store
    from engine.dshl.style import tunes_available

    have = tunes_available(store.load_collection(), "4/4", "major")
    assert have > 0
    request = api.ComposeRequest(segments=have + 1, seed=2, reuse_limit=1, meter="4/4", key="C")
    state, note = chain.compose_with_note(request)
    assert state.chain.items and note is not None and f"only {have} major" in note
    plenty = api.ComposeRequest(segments=2, seed=2, reuse_limit=None, meter="4/4", key="C")
    assert chain.compose_with_note(plenty)[1] is None
