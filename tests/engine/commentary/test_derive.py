"""Hearing a track: the tagger adapter, tags per aspect with evidence, merging the sources."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from engine.commentary import derive
from engine.commentary.lexicon import Understanding

ASSETS = Path(__file__).resolve().parents[3] / "assets"


class Words:
    """A stand-in lexicon: every label is understood as itself, with these spellings fixed."""

    mapping = {"female": "female vocal", "male": "male vocal", "no vocals": "instrumental",
               "female vocalists": "female vocal", "hip-hop": "hip hop", "slow": "slow tempo",
               "00s": ""}
    tags = ["fast tempo", "energetic", "calming", "electronic music", "acoustic drums"]

    def understand(self, label: str) -> Understanding:
        tag = self.mapping.get(label, label)
        return Understanding(label, "known" if tag else "unknown", [tag] if tag else [])

    def index(self, tag: str) -> int | None:
        return self.tags.index(tag) if tag in self.tags else None


def _tags(model: str, probs: dict[str, float]) -> SimpleNamespace:
    return SimpleNamespace(model=model, tags=tuple(probs), probabilities=np.array(list(probs.values())))


def test_tagger_results_of_every_shape_are_read() -> None:
    got = derive.read_probabilities(_tags("MSD_musicnn", {"Hip-Hop": 0.5, "00s": 0.2}))
    assert got == {"hip-hop": (0.5, "MSD"), "00s": (0.2, "MSD")}
    nested = derive.read_probabilities({"MTT": {"guitar": 0.4}, "MSD": {"guitar": 0.6}})
    assert nested == {"guitar": (0.6, "MSD")}
    assert derive.read_probabilities([("Rock", 0.3)]) == {"rock": (0.3, "tagger")}


def test_the_adapter_decodes_once_and_runs_every_model() -> None:
    loaded = []
    module = SimpleNamespace(
        MODELS=("MTT_musicnn", "MSD_musicnn"),
        audio=SimpleNamespace(SAMPLE_RATE=16000, load_audio=lambda p: loaded.append(p) or np.zeros(4)),
        tag_audio=lambda y, sr, model, name: _tags(model, {"guitar": 0.7, "jazz": 0.2}
                                                   if model[:3] == "MTT" else {"jazz": 0.4}))
    got = derive.tagger_probabilities("x.ogg", module)
    assert loaded == [Path("x.ogg")] and got == {"guitar": (0.7, "MTT"), "jazz": (0.4, "MSD")}


def test_one_voice_per_track_and_a_few_tags_per_aspect() -> None:
    probs = {"no vocals": (0.6, "MTT"), "male": (0.3, "MTT"), "rock": (0.5, "MSD"),
             "pop": (0.3, "MSD"), "metal": (0.1, "MSD"), "guitar": (0.7, "MTT"),
             "00s": (0.9, "MSD")}
    heard = derive.heard_tags(probs, Words())
    assert [(h.tag, h.aspect) for h in heard] == [("instrumental", "vocals"), ("rock", "genre"),
                                                   ("pop", "genre"), ("guitar", "instrument")]
    assert heard[1].evidence == "tagger MSD 'rock' 0.50"
    sung = derive.heard_tags({"female": (0.5, "MTT"), "vocal": (0.4, "MTT"),
                              "no vocals": (0.1, "MTT"), "male": (0.2, "MTT")}, Words())
    assert [h.tag for h in sung] == ["vocal", "female vocal"]


def test_features_and_merging_keep_the_first_evidence_and_no_contradiction() -> None:
    found = derive.feature_tags({"tempo": 140, "pulse_clarity": 0.4, "loudness_mean": -15,
                                 "loudness_std": 4, "zcr_std": 0.03}, Words())
    assert [h.tag for h in found] == ["fast tempo", "energetic", "electronic music"]
    slow = derive.Heard("slow tempo", "tempo", "tagger MTT 'slow' 0.30")
    merged = derive.merge([slow], found, [derive.Heard("energetic", "mood", "genre 'x'")])
    assert [h.tag for h in merged] == ["slow tempo", "energetic", "electronic music"]
    assert merged[1].evidence.startswith("loud")


@pytest.mark.skipif(derive.tagger_module() is None, reason="the Library's music tagger is absent")
def test_the_real_tagger_hears_a_bundled_clip() -> None:
    clip = ASSETS / "audio" / "Kevin_MacLeod_-_Vibe_Ace.ogg"
    lexicon_file = ASSETS / "models" / "commentary" / "lexicon.pt"
    if not clip.is_file() or not lexicon_file.is_file():
        pytest.skip("bundled clip or commentary lexicon missing")
    from engine.commentary import lexicon

    probs = derive.tagger_probabilities(clip)
    assert {m for _, m in probs.values()} == {"MTT", "MSD"} and len(probs) >= 90
    heard = derive.heard_tags(probs, lexicon.load(lexicon_file))
    assert heard and all(h.evidence.startswith("tagger ") for h in heard)
    assert {h.aspect for h in heard} & {"genre", "instrument"}
