"""Tokeniser, sentences, splits, vocabulary, attribute vectors and CSV errors of the commentary corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.commentary import corpus
from tests.commentary_models import TINY_CSV


def test_tokeniser_keeps_punctuation_tokens_and_lowercases() -> None:
    assert corpus.tokenise("Rock, ENERGETIC: loud; hi-hat don't!") == [
        "rock", ",", "energetic", ":", "loud", ";", "hi-hat", "don't"]


def test_sentence_split_and_detokenise() -> None:
    found = corpus.sentences("The guitar plays. Drums hit hard!  Is it loud? yes")
    assert found == [["the", "guitar", "plays"], ["drums", "hit", "hard"], ["is", "it", "loud"],
                     ["yes"]]
    assert corpus.detokenise(["a", "slow", "song", ",", "with", "piano"]) == "A slow song, with piano."


def test_split_is_by_caption_seeded_and_disjoint() -> None:
    captions = corpus.load_captions(TINY_CSV)
    a, b = corpus.split_captions(captions, 1), corpus.split_captions(captions, 1)
    ids = {k: [c.ytid for c in v] for k, v in a.items()}
    assert ids == {k: [c.ytid for c in v] for k, v in b.items()}
    assert not set(ids["train"]) & set(ids["test"]) and not set(ids["train"]) & set(ids["selection"])
    assert sum(map(len, ids.values())) == len(captions) == 240
    assert ids != {k: [c.ytid for c in v] for k, v in corpus.split_captions(captions, 2).items()}


def test_vocab_min_count_and_attribute_encoding() -> None:
    captions = corpus.load_captions(TINY_CSV)
    vocab = corpus.build_vocab(captions, min_count=2, n_tags=10)
    assert vocab.words[:4] == list(corpus.SPECIALS)
    assert len(vocab.tags) == 10
    tag = vocab.tags[0]
    vector = vocab.attributes([tag.upper(), "no such tag"])
    assert vector.dtype == np.float32 and vector.sum() == 1.0 and vector[0] == 1.0
    encoded = vocab.encode(["the", "zzzunseen"] + ["guitar"] * 100)
    assert encoded[1] == vocab.index[corpus.UNK] and encoded[-1] == vocab.index[corpus.EOS]
    assert len(encoded) == corpus.MAX_TOKENS + 1
    split = corpus.encode_split(captions[:3], vocab)
    assert len(split.ids) == len(split.attrs) == len(split.caption_of) == len(split.positions) >= 3
    cond = split.condition([0, 1])
    assert cond.shape == (2, vocab.n_cond) and cond[:, 2 * len(vocab.tags):].sum() == 2.0


def test_spelling_variants_are_one_tag_and_positions_are_classed() -> None:
    vocab = corpus.build_vocab(corpus.load_captions(TINY_CSV), tags=["calming", "hip hop", "r&b"])
    assert vocab.attributes(["Calm", "HIP-HOP", "rnb"]).tolist() == [1.0, 1.0, 1.0]
    assert [corpus.position_class(i, 5) for i in range(5)] == [0, 1, 2, 2, 3]
    assert [corpus.position_class(i, 2) for i in range(2)] == [0, 3]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_csv_is_rejected_with_file_and_row(tmp_path: Path) -> None:
    with pytest.raises(corpus.CorpusError, match=r"bad\.csv: missing column\(s\) aspect_list"):
        corpus.load_captions(_write(tmp_path, "ytid,caption\nx,hello\n"))
    bad_tags = "ytid,aspect_list,caption\na,\"['rock']\",Fine.\nb,not a list,Oops.\n"
    with pytest.raises(corpus.CorpusError, match=r"bad\.csv: row 3: bad aspect_list"):
        corpus.load_captions(_write(tmp_path, bad_tags))
    with pytest.raises(corpus.CorpusError, match=r"row 2: wrong number of fields"):
        corpus.load_captions(_write(tmp_path, "ytid,aspect_list,caption\na,\"['x']\",t,extra\n"))
    with pytest.raises(corpus.CorpusError, match="cannot read"):
        corpus.load_captions(tmp_path / "missing.csv")
